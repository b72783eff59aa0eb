"""Train the confidence model (``assistant/qa/answer/data/confidence.json``) from eval reports.

``python -m evals.train_confidence --collect DIR`` (``make confidence``): index the documents of every
tune set into ``DIR`` (incrementally: unchanged documents are not embedded again), answer each tune set
with every drafted fact stated, then train. ``python -m evals.train_confidence REPORT.json...`` trains
from reports made by hand, each from a run with ``ASSISTANT_CONFIDENCE_THRESHOLD=0`` over a *tune*
question set (:data:`TUNE_SETS`); never the check half or the held-out set, which only measure.

Every stated answer is an example: its ``signals`` (see :mod:`assistant.qa.answer.confidence`) and
whether it was right (answerable and correct) or wrong (wrong fact, or any fact for an unanswerable
question). A standardised logistic regression (scikit-learn) is fitted, its regularisation chosen by
cross-validation grouped by document, so that a document's questions never help predict themselves.
The threshold is then chosen on the out-of-fold probabilities, by what a user loses: a wrong fact
stated in bold costs ``--cost-of-wrong`` times as much as a right fact shown only as a passage
(:func:`choose_threshold`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "assistant" / "qa" / "answer" / "data" / "confidence.json"
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
FOLDS = 5
#: A wrong fact stated in bold is this many times worse than a right one shown only as a passage.
COST_OF_WRONG = 3.0
SHARED = ROOT.parent / "shared"
#: (name, question file, the documents it is about): the sets the model learns from.
TUNE_SETS: tuple[tuple[str, Path, Path | None], ...] = (
    ("gold", ROOT / "evals" / "gold.jsonl", ROOT / "data"),
    ("dev", ROOT / "evals" / "dev" / "corpus_extra_dev.jsonl", SHARED / "corpus-extra"),
    ("tune", ROOT / "evals" / "corpus_dev" / "tune.jsonl", SHARED / "corpus-dev"),
)


def documents_of(questions: Path, folder: Path) -> list[Path]:
    """The files of ``folder`` that the questions are about (a half of a corpus, not all of it)."""
    from evals.runner import named_documents, read_questions

    names = set().union(*(named_documents(r) for r in read_questions(questions)))
    return sorted(folder / n for n in names if (folder / n).is_file())


def collect(work: Path) -> list[Path]:
    """Index each tune set's documents into ``work/<name>/store`` and answer it with every drafted fact
    stated; returns the report folders."""
    from assistant.core.settings import get_settings
    from assistant.index.build import ingest
    from evals.runner import run_eval

    reports = []
    for name, questions, folder in TUNE_SETS:
        if folder is None or not folder.is_dir():
            raise SystemExit(f"error: the documents of {questions.name} are not at {folder}")
        store = work / name / "store"
        docs = [folder] if folder == ROOT / "data" else documents_of(questions, folder)
        print(f"{name}: indexing {len(docs)} paths into {store}", file=sys.stderr)
        report = ingest(docs, get_settings(store=store), progress=True)
        if report.failed:
            raise SystemExit(f"error: indexing failed: {report.summary()}")
        settings = get_settings(store=store, confidence_threshold=0.0)
        run_eval(questions=questions, settings=settings, report_dir=work / name / "report", baseline=False,
                 thresholds=None)
        reports.append(work / name / "report")
    return reports


def load_rows(paths: Sequence[Path]) -> list[dict[str, Any]]:
    """The per-question rows of each report, tagged with the report's question file."""
    rows = []
    for path in paths:
        path = path / "report.json" if path.is_dir() else path
        report = json.loads(path.read_text(encoding="utf-8"))
        name = Path(report["info"]["questions_file"]).name
        for row in report["results"]["ours"]:
            if row.get("unsure") and row["signals"].get("places_missing"):
                continue  # never stated, whatever the model says (a place without documents): nothing to learn
            if row.get("unsure"):
                raise SystemExit(f"error: {path} has answers marked unsure; rerun it with "
                                 "ASSISTANT_CONFIDENCE_THRESHOLD=0 so that every drafted fact is stated")
            rows.append({**row, "set": name})
    return rows


def _label(row: dict[str, Any]) -> int:
    return int(bool(row["answerable"] and row["correct"]))


def _group(row: dict[str, Any]) -> str:
    return f"{row['set']}:{row.get('source_doc') or row.get('layout') or 'none'}"


def fit(rows: list[dict[str, Any]], cost: float) -> tuple[dict[str, Any], np.ndarray]:
    """The model (as saved) and the out-of-fold probability of every stated row."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss, roc_auc_score
    from sklearn.model_selection import GroupKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    stated = [r for r in rows if not r["abstained"]]
    features = sorted({k for r in stated for k in r["signals"]})
    x = np.array([[float(r["signals"].get(f, 0.0)) for f in features] for r in stated])
    y = np.array([_label(r) for r in stated])
    groups = [_group(r) for r in stated]
    folds = GroupKFold(n_splits=FOLDS)

    def model(c: float):
        return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))

    losses = {c: log_loss(y, cross_val_predict(model(c), x, y, groups=groups, cv=folds, method="predict_proba")[:, 1])
              for c in C_GRID}
    best_c = min(losses, key=losses.get)
    oof = cross_val_predict(model(best_c), x, y, groups=groups, cv=folds, method="predict_proba")[:, 1]
    final = model(best_c).fit(x, y)
    scaler, logit = final[0], final[1]
    threshold = choose_threshold(rows, stated, oof, cost)
    saved = {
        "features": features,
        "mean": [round(float(v), 6) for v in scaler.mean_],
        "scale": [round(float(v), 6) if v > 0 else 1.0 for v in scaler.scale_],
        "weights": [round(float(v), 6) for v in logit.coef_[0]],
        "bias": round(float(logit.intercept_[0]), 6),
        "threshold": round(threshold, 4),
        "training": {
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "sets": sorted({r["set"] for r in rows}),
            "examples": len(stated),
            "right": int(y.sum()),
            "C": best_c,
            "cv_log_loss": {str(c): round(v, 4) for c, v in losses.items()},
            "oof_auc": round(float(roc_auc_score(y, oof)), 4),
            "cost_of_wrong": cost,
        },
    }
    return saved, oof


def choose_threshold(rows: list[dict[str, Any]], stated: list[dict[str, Any]], prob: np.ndarray,
                     cost: float) -> float:
    """The threshold that maximises, summed over the sets (each counts the same, whatever its size),
    accuracy minus ``cost`` times the confidently-wrong share: a wrong fact stated costs as much as
    ``cost`` right facts withheld (shown as passages instead). The lowest such threshold on ties."""
    best_t, best_u = 0.0, -math.inf
    for t in np.unique(np.concatenate([[0.0], np.round(prob, 4)])):
        per_set = at_threshold(rows, stated, prob, float(t)).values()
        utility = sum(m["accuracy"] - cost * m["confidently_wrong"] for m in per_set)
        if utility > best_u + 1e-9:
            best_t, best_u = float(t), utility
    return best_t


def at_threshold(rows: list[dict[str, Any]], stated: list[dict[str, Any]], prob: np.ndarray,
                 t: float) -> dict[str, dict[str, float]]:
    """Per set: accuracy, confidently wrong and unsure share if facts below ``t`` were not stated."""
    keep = {id(r): p >= t for r, p in zip(stated, prob, strict=True)}
    out: dict[str, dict[str, float]] = {}
    for name in sorted({r["set"] for r in rows}):
        group = [r for r in rows if r["set"] == name]
        said = [r for r in group if keep.get(id(r), False)]
        answerable = [r for r in group if r["answerable"]]
        out[name] = {
            "n": len(group),
            "accuracy": sum(_label(r) for r in said) / max(1, len(answerable)),
            "confidently_wrong": sum(1 - _label(r) for r in said) / max(1, len(group)),
            "unsure": sum(1 for r in group if not r["abstained"] and not keep.get(id(r), False)) / max(1, len(group)),
        }
    return out


def score_reports(model_path: Path, paths: Sequence[Path], threshold: float | None = None) -> dict[str, dict]:
    """What the model at ``model_path`` does to answers collected with every fact stated (reports of
    any set, e.g. the check half): per set, the figures before and after, without answering again."""
    from assistant.qa.answer.confidence import ConfidenceModel

    model = ConfidenceModel.load(model_path)
    t = model.threshold if threshold is None else threshold
    rows = load_rows(paths)
    stated = [r for r in rows if not r["abstained"]]
    prob = np.array([model.probability(r["signals"]) for r in stated])
    before, after = at_threshold(rows, stated, prob, 0.0), at_threshold(rows, stated, prob, t)
    return {name: {"before": before[name], "after": after[name]} for name in before}


def _table(per_set: dict[str, dict]) -> str:
    lines = ["| set | n | accuracy before → after | confidently wrong before → after | unsure after |",
             "|---|---:|---:|---:|---:|"]
    for name, v in per_set.items():
        b, a = v["before"], v["after"]
        lines.append(f"| {name} | {b['n']} | {b['accuracy']:.3f} → {a['accuracy']:.3f} | "
                     f"{b['confidently_wrong']:.3f} → {a['confidently_wrong']:.3f} | {a['unsure']:.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.train_confidence", description=__doc__.split("\n\n")[0])
    parser.add_argument("reports", nargs="*", type=Path, help="report.json files (or their folders)")
    parser.add_argument("--collect", type=Path, metavar="DIR",
                        help="first index and answer every tune set (stores and reports in DIR)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"model file (default: {DEFAULT_OUT})")
    parser.add_argument("--cost-of-wrong", type=float, default=COST_OF_WRONG,
                        help=f"how many right facts withheld one wrong stated fact is worth (default {COST_OF_WRONG})")
    parser.add_argument("--score", action="store_true",
                        help="do not train: apply the model in --out to the reports and print the figures")
    args = parser.parse_args(argv)
    if args.score:
        print(_table(score_reports(args.out, args.reports)))
        return 0
    reports = list(args.reports) + (collect(args.collect) if args.collect else [])
    if not reports:
        parser.error("give report.json files or --collect DIR")
    rows = load_rows(reports)
    saved, oof = fit(rows, args.cost_of_wrong)
    stated = [r for r in rows if not r["abstained"]]
    before = at_threshold(rows, stated, oof, 0.0)
    after = at_threshold(rows, stated, oof, saved["threshold"])
    saved["training"]["per_set"] = {name: {"before": before[name], "after": after[name]} for name in before}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(saved, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{saved['training']['examples']} stated answers, {saved['training']['right']} right; "
          f"C={saved['training']['C']}, out-of-fold AUC {saved['training']['oof_auc']}, "
          f"threshold {saved['threshold']}", file=sys.stderr)
    print(_table(saved["training"]["per_set"]))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
