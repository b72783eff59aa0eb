"""Train the learned answer selector (``assistant/qa/answer/data/selection.json``) from the tune question sets.

``python -m evals.train_selector --stores DIR`` answers every tune set (:data:`TUNE_SETS` of
:mod:`evals.train_confidence`: gold, dev, the tune half of corpus-dev) against its index in
``DIR/<name>/store`` (the stores ``make confidence`` builds), records every candidate sentence the
answerer considered with its :func:`~assistant.qa.answer.ranker.features`, and labels it by whether it
holds the expected facts (``must_include`` / ``any_of``, matched as the eval scorer matches them). The
candidates are cached in ``DIR/selection-candidates.jsonl`` (``--reuse`` trains from that file again).

Two models are fitted, each evaluated out of fold with folds grouped by document (a document's questions
never help rank themselves): a standardised logistic regression and gradient-boosted trees (scikit-learn).
The measure is what the answerer does with the order: among the questions where a candidate that passes
the abstention gate holds the facts, how often the first such candidate does. The better model is saved
(``--out``) only when it beats the hand-set order out of fold; the report says by how much per set.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from evals.train_confidence import ROOT, TUNE_SETS

DEFAULT_OUT = ROOT / "assistant" / "qa" / "answer" / "data" / "selection.json"
FOLDS = 5
#: Which candidates the models learn from: "gated" (those the order decides between) or "selectable".
SCOPE = "gated"
C_GRID = (0.01, 0.1, 1.0)
#: Gradient boosting: small trees, few of them, shrunk: a few thousand questions' worth of data.
TREES = {"n_estimators": 150, "max_depth": 3, "learning_rate": 0.08, "subsample": 0.8, "min_samples_leaf": 20}


def collect(stores: Path, out: Path) -> None:
    """Answer each tune set against ``stores/<name>/store`` and write every candidate to ``out``."""
    from assistant.core.settings import get_settings
    from assistant.qa.pipeline import Pipeline
    from assistant.qa.records import answer_record
    from evals.runner import missing_facts, named_documents, read_questions

    with out.open("w", encoding="utf-8") as fh:
        for name, questions, _folder in TUNE_SETS:
            store = stores / name / "store"
            if not store.exists():
                raise SystemExit(f"error: no index for {name} at {store}; build it with `make confidence` "
                                 "or `python -m evals.train_confidence --collect DIR`")
            settings = get_settings(store=store, confidence_threshold=0.0, learned_selection=False)
            pipeline = Pipeline(settings)
            selector = pipeline.answerer.selector
            threshold = selector.threshold
            records = read_questions(questions)
            print(f"{name}: {len(records)} questions on {store}", file=sys.stderr)
            for record in records:
                events: list[dict[str, Any]] = []
                record_candidates = _recorder(events, selector.finder.coverage, threshold)
                selector.recorder = record_candidates
                try:
                    answer_record(pipeline, record)
                finally:
                    selector.recorder = None
                answerable = bool(record.get("answerable", record.get("type") != "unanswerable"))
                expected = bool(record.get("must_include") or record.get("any_of"))
                docs = sorted(named_documents(record)) or ["none"]
                for i, ev in enumerate(events):
                    labels = [int(answerable and expected and not missing_facts(t, record)) for t in ev.pop("texts")]
                    fh.write(json.dumps({"set": name, "id": record.get("id"), "event": i, "group": f"{name}:{docs[0]}",
                                         "type": record.get("type"), "answerable": answerable, "labels": labels,
                                         **ev}, ensure_ascii=False) + "\n")
            del pipeline


def _recorder(events: list[dict[str, Any]], coverage: Any, threshold: float):
    """A :attr:`Selector.recorder` that appends each call's candidates (features, flags, text) to ``events``."""
    from assistant.qa.answer.ranker import features

    def record(analysis: Any, evidence: list[Any], terms: list[str]) -> None:
        events.append({"rows": features(analysis, evidence, terms, coverage),
                       "selectable": [e.fact is not None for e in evidence],
                       "gated": [e.fact is not None and e.coverage >= threshold for e in evidence],
                       "texts": [f"{' '.join(e.governors)} {e.sentence} {e.fact or ''}" for e in evidence]})

    return record


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def matrix(events: list[dict[str, Any]], names: list[str] | None = None):
    """The selectable candidates as (x, y, groups, event index), with the feature names."""
    names = names or sorted({k for ev in events for row in ev["rows"] for k in row})
    xs, ys, groups, owner = [], [], [], []
    for i, ev in enumerate(events):
        for row, label, ok in zip(ev["rows"], ev["labels"], ev[SCOPE], strict=True):
            if ok:
                xs.append([float(row.get(f, 0.0)) for f in names])
                ys.append(label)
                groups.append(ev["group"])
                owner.append(i)
    return np.array(xs), np.array(ys), groups, np.array(owner), names


def first_hit(events: list[dict[str, Any]], scores: dict[int, list[float]] | None) -> dict[str, dict[str, float]]:
    """Per set: of the events where a gated candidate holds the facts, the share where the first gated
    candidate (by ``scores``, or in the hand-set order when None) does."""
    per: dict[str, list[int]] = defaultdict(list)
    for i, ev in enumerate(events):
        gated = [j for j, g in enumerate(ev["gated"]) if g]
        if not any(ev["labels"][j] for j in gated):
            continue
        if scores is None:
            first = gated[0]
        else:
            s = scores[i]
            first = max(gated, key=lambda j: s[j])
        per[ev["set"]].append(ev["labels"][first])
        per["all"].append(ev["labels"][first])
    return {k: {"n": len(v), "first_hit": round(sum(v) / len(v), 4)} for k, v in per.items()}


def _scores_by_event(events: list[dict[str, Any]], owner: np.ndarray, prob: np.ndarray) -> dict[int, list[float]]:
    out = {i: [-1.0] * len(ev["rows"]) for i, ev in enumerate(events)}
    positions: dict[int, list[int]] = defaultdict(list)
    for i, ev in enumerate(events):
        positions[i] = [j for j, ok in enumerate(ev[SCOPE]) if ok]
    cursor: dict[int, int] = defaultdict(int)
    for k, i in enumerate(owner):
        out[int(i)][positions[int(i)][cursor[int(i)]]] = float(prob[k])
        cursor[int(i)] += 1
    return out


def _models() -> dict[str, Any]:
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    out: dict[str, Any] = {f"linear C={c}": make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=3000))
                           for c in C_GRID}
    out["trees"] = GradientBoostingClassifier(random_state=0, **TREES)
    return out


def export(model: Any, names: list[str]) -> dict[str, Any]:
    """The fitted model as plain arrays for :class:`~assistant.qa.answer.ranker.SelectionModel`."""
    if hasattr(model, "estimators_"):
        trees = []
        for est in model.estimators_[:, 0]:
            t = est.tree_
            trees.append({"feature": [int(f) for f in t.feature], "threshold": [round(float(v), 6) for v in t.threshold],
                          "left": [int(v) for v in t.children_left], "right": [int(v) for v in t.children_right],
                          "value": [round(float(v), 6) for v in t.value[:, 0, 0]]})
        prior = float(model.init_.class_prior_[1])
        return {"kind": "trees", "features": names, "init": round(float(np.log(prior / (1 - prior))), 6),
                "learning_rate": model.learning_rate, "trees": trees}
    scaler, logit = model[0], model[1]
    return {"kind": "linear", "features": names, "mean": [round(float(v), 6) for v in scaler.mean_],
            "scale": [round(float(v), 6) if v > 0 else 1.0 for v in scaler.scale_],
            "weights": [round(float(v), 6) for v in logit.coef_[0]], "bias": round(float(logit.intercept_[0]), 6)}


def train(events: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the best model as saved, the out-of-fold report of every model and of the hand-set order)."""
    from sklearn.model_selection import GroupKFold, cross_val_predict

    x, y, groups, owner, names = matrix(events)
    report: dict[str, Any] = {"hand-set order": first_hit(events, None)}
    folds = GroupKFold(n_splits=FOLDS)
    for label, model in _models().items():
        prob = cross_val_predict(model, x, y, groups=groups, cv=folds, method="predict_proba")[:, 1]
        report[label] = first_hit(events, _scores_by_event(events, owner, prob))
        print(f"{label}: {report[label]['all']}", file=sys.stderr)
    best = max((k for k in report if k != "hand-set order"), key=lambda k: report[k]["all"]["first_hit"])
    model = _models()[best].fit(x, y)
    saved = export(model, names)
    saved["training"] = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sets": sorted({ev["set"] for ev in events}),
        "candidates": int(len(y)), "holding_facts": int(y.sum()), "events": len(events),
        "chosen": best, "out_of_fold_first_hit": report,
    }
    return saved, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.train_selector", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", type=Path, default=ROOT / "var" / "confidence",
                        help="folder with <set>/store indexes of the tune sets (as `make confidence` builds)")
    parser.add_argument("--reuse", action="store_true", help="train from the cached candidates, do not answer again")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the model")
    parser.add_argument("--force", action="store_true", help="save even if the hand-set order is as good")
    args = parser.parse_args(argv)
    cache_file = args.stores / "selection-candidates.jsonl"
    if not args.reuse or not cache_file.exists():
        collect(args.stores, cache_file)
    saved, report = train(load(cache_file))
    lines = ["| order | " + " | ".join(sorted(report["hand-set order"])) + " |", "|---|" + "---:|" * len(report["hand-set order"])]
    for label, per in report.items():
        lines.append(f"| {label} | " + " | ".join(f"{per.get(k, {}).get('first_hit', float('nan')):.3f} (n={per.get(k, {}).get('n', 0)})"
                                                  for k in sorted(report["hand-set order"])) + " |")
    print("\n".join(lines))
    gain = report[saved["training"]["chosen"]]["all"]["first_hit"] - report["hand-set order"]["all"]["first_hit"]
    if gain <= 0 and not args.force:
        print(f"not saved: {saved['training']['chosen']} does not beat the hand-set order out of fold", file=sys.stderr)
        return 1
    args.out.write_text(json.dumps(saved, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"saved {saved['training']['chosen']} to {args.out} (out-of-fold first hit {gain:+.3f} over hand-set)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
