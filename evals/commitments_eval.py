"""Precision and recall of the commitments extractor against the hand-labelled sample.

The sample (``evals/commitments/labelled.jsonl``, described in its README) labels every target and
every responsibility inside declared *scopes* of the seed documents. Only predictions inside a scope
of their kind are scored, so precision is honest: a false positive in a labelled region counts.

Positions are compared in one coordinate system, the source file after :func:`norm` (NFC, lower
case, whitespace and table bars collapsed), so the extractor's cleaned sentences and the labeller's
verbatim ones can be located in the same text (markdown "*" is dropped on both sides). A prediction matches a label of the same document
when their sentences overlap there and, for targets, the number (and range end) is the same; for
responsibilities, the canonical agency and the role are the same. Matching is one-to-one.

``python -m evals.commitments_eval`` prints the report; ``tests/test_commitments_eval.py`` gates it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "evals" / "commitments" / "labelled.jsonl"
AREAS = {"the_che", "thu_tuc_hanh_chinh", "to_chuc_bo_may", "cong_vu", "tai_chinh_cong", "chinh_quyen_so",
         "chi_dao_dieu_hanh", "chung"}
ROLES = {"chủ trì", "phối hợp", "thường trực", "tham mưu", "đề nghị", "chịu trách nhiệm"}
COMPARATORS = {">=", ">", "<=", "<", "=", "range", "top"}
_FIELDS: dict[str, dict[str, Any]] = {
    "scope": {"doc": str, "labels": str, "start": str, "end": str, "note": str},
    "target": {"doc": str, "province": str, "value": str, "number": (int, float),
               "number_max": (int, float, type(None)), "unit": str, "comparator": str, "indicator": str,
               "year": (str, type(None)), "period_text": (str, type(None)), "area": str, "sentence": str},
    "responsibility": {"doc": str, "province": str, "agency_text": str, "agency": str, "role": str, "task": str,
                       "sentence": str, "agency_from_heading": bool},
}


def norm(text: str) -> str:
    """NFC, lower case, markdown emphasis dropped, whitespace and table bars collapsed: the parser removes
    "**" from its canonical text, so the source is compared without it too."""
    text = unicodedata.normalize("NFC", text).lower().replace("*", "")
    return re.sub(r"[\s|]+", " ", text).strip()


def _positions(needle: str, haystack: str) -> list[tuple[int, int]]:
    n = norm(needle)
    return [(m.start(), m.start() + len(n)) for m in re.finditer(re.escape(n), haystack)] if n else []


def _overlap(a: Iterable[tuple[int, int]], b: Iterable[tuple[int, int]]) -> bool:
    b = list(b)
    return any(x0 < y1 and y0 < x1 for x0, x1 in a for y0, y1 in b)


# ------------------------------------------------------------------------------------------------
# the sample


@dataclass
class Sample:
    labels: list[dict[str, Any]] = field(default_factory=list)
    scopes: dict[tuple[str, str], list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    texts: dict[str, str] = field(default_factory=dict)  # doc file -> normalised text
    problems: list[str] = field(default_factory=list)


def load_sample(path: Path = LABELS, data_dir: Path = ROOT / "data") -> Sample:
    """Read and check the sample: fields, allowed values, verbatim strings, items inside their scopes."""
    sample = Sample()
    seen: set[tuple[Any, ...]] = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        def problem(message: str, n: int = n) -> None:
            sample.problems.append(f"line {n}: {message}")

        if line != unicodedata.normalize("NFC", line):
            problem("not NFC")
        row = json.loads(line)
        kind, spec = row.get("kind"), _FIELDS.get(row.get("kind", ""))
        doc = row.get("doc", "")
        if spec is None or not (data_dir / doc).is_file():
            problem(f"unknown kind {kind!r} or document {doc!r}")
            continue
        if set(row) != set(spec) | {"kind"}:
            problem(f"fields differ: {sorted(set(row) ^ (set(spec) | {'kind'}))}")
            continue
        bad = [f for f, t in spec.items() if not isinstance(row[f], t) or (t is str and not row[f].strip())]
        if bad:
            problem(f"wrong type or empty: {bad}")
            continue
        text = sample.texts.setdefault(doc, norm((data_dir / doc).read_text(encoding="utf-8")))
        if kind == "scope":
            start = text.find(norm(row["start"]))
            end = text.find(norm(row["end"]), max(start, 0))
            if row["labels"] not in {"targets", "responsibilities"} or start < 0 or end < 0:
                problem("scope: bad labels, or start/end not in the document")
                continue
            sample.scopes[(doc, row["labels"])].append((start, end + len(norm(row["end"]))))
            continue
        sentence = norm(row["sentence"])
        if sentence not in text:
            problem(f"sentence not in the document: {row['sentence'][:60]}")
        if kind == "target":
            if row["comparator"] not in COMPARATORS or row["area"] not in AREAS:
                problem("comparator or area not allowed")
            if (row["comparator"] == "range") != (row["number_max"] is not None):
                problem("number_max is given exactly for ranges")
            if norm(row["value"]) not in sentence:
                problem(f"value {row['value']!r} not in its sentence")
            key: tuple[Any, ...] = (kind, doc, row["value"], sentence, row["indicator"])
        else:
            if row["role"] not in ROLES:
                problem(f"role {row['role']!r} not allowed")
            if not row["agency_from_heading"] and norm(row["agency_text"]) not in sentence:
                problem("agency_text not in its sentence")
            key = (kind, doc, row["agency"], row["role"], sentence)
        if key in seen:
            problem("duplicate item")
        seen.add(key)
        sample.labels.append(row)
    for row in sample.labels:
        scope_kind = "targets" if row["kind"] == "target" else "responsibilities"
        if not _overlap(_positions(row["sentence"], sample.texts[row["doc"]]), sample.scopes[(row["doc"], scope_kind)]):
            sample.problems.append(f"{row['kind']} outside every scope: {row['sentence'][:60]}")
    return sample


# ------------------------------------------------------------------------------------------------
# scoring


@dataclass
class KindScore:
    predicted: int = 0  # predictions inside a scope
    correct: int = 0
    labelled: int = 0
    unlocated: int = 0  # predictions whose sentence could not be found in the source (not scored)
    false_positives: list[dict[str, Any]] = field(default_factory=list)
    misses: list[dict[str, Any]] = field(default_factory=list)
    attributes: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return (self.labelled - len(self.misses)) / self.labelled if self.labelled else 0.0

    def accuracy(self, name: str) -> float:
        values = self.attributes.get(name, [])
        return sum(values) / len(values) if values else 0.0


def _predictions(data_dir: Path, docs: Iterable[str]) -> dict[str, tuple[list[Any], list[Any]]]:
    from assistant.ingest.commitments import extract_responsibilities, extract_targets
    from assistant.ingest.loaders import load_text
    from assistant.ingest.metadata import load_catalog, resolve_metadata
    from assistant.ingest.parsing import parse_document

    catalog = load_catalog(data_dir)
    out = {}
    for doc in docs:
        path = data_dir / doc
        text, _ = load_text(path)
        meta = resolve_metadata(text, path, catalog).to_dict()
        parsed = parse_document(text)
        out[doc] = (extract_targets(parsed, meta), extract_responsibilities(parsed, meta))
    return out


def _target_matches(pred: Any, label: dict[str, Any]) -> bool:
    same_max = (pred.number_max or None) == (label["number_max"] or None)
    return abs(pred.number - float(label["number"])) < 1e-6 and same_max


def _responsibility_matches(pred: Any, label: dict[str, Any]) -> bool:
    return pred.agency == label["agency"] and pred.role == label["role"]


def _score_kind(kind: str, preds: dict[str, list[Any]], sample: Sample) -> KindScore:
    score = KindScore()
    scope_kind = "targets" if kind == "target" else "responsibilities"
    matches = _target_matches if kind == "target" else _responsibility_matches
    labels = [r for r in sample.labels if r["kind"] == kind]
    score.labelled = len(labels)
    used: set[int] = set()
    label_pos = {id(r): _positions(r["sentence"], sample.texts[r["doc"]]) for r in labels}
    for doc, items in preds.items():
        text, scopes = sample.texts[doc], sample.scopes.get((doc, scope_kind), [])
        for pred in items:
            where = _positions(pred.sentence, text)
            if not where:
                score.unlocated += 1
                continue
            if not _overlap(where, scopes):
                continue
            score.predicted += 1
            found = next((r for r in labels if id(r) not in used and r["doc"] == doc and matches(pred, r)
                          and _overlap(where, label_pos[id(r)])), None)
            if found is None:
                score.false_positives.append({"doc": doc, **_describe(pred)})
                continue
            used.add(id(found))
            score.correct += 1
            if kind == "target":
                score.attributes["year"].append(pred.year == found["year"])
                score.attributes["area"].append(pred.area == found["area"])
                score.attributes["comparator"].append(pred.comparator == found["comparator"])
                score.attributes["unit"].append(norm(pred.unit) == norm(found["unit"]))
    score.misses = [r for r in labels if id(r) not in used]
    return score


def _describe(pred: Any) -> dict[str, Any]:
    if hasattr(pred, "value"):
        return {"value": pred.value, "indicator": pred.indicator, "sentence": pred.sentence[:120]}
    return {"agency": pred.agency, "role": pred.role, "sentence": pred.sentence[:120]}


def score(path: Path = LABELS, data_dir: Path = ROOT / "data") -> tuple[Sample, KindScore, KindScore]:
    sample = load_sample(path, data_dir)
    docs = sorted({d for d, _ in sample.scopes})
    predicted = _predictions(data_dir, docs)
    targets = _score_kind("target", {d: p[0] for d, p in predicted.items()}, sample)
    responsibilities = _score_kind("responsibility", {d: p[1] for d, p in predicted.items()}, sample)
    return sample, targets, responsibilities


def report(targets: KindScore, responsibilities: KindScore, *, details: bool = False) -> str:
    lines = ["| kind | labelled | predicted in scope | correct | precision | recall |", "|---|---|---|---|---|---|"]
    for name, s in (("targets", targets), ("responsibilities", responsibilities)):
        lines.append(f"| {name} | {s.labelled} | {s.predicted} | {s.correct} | {s.precision:.3f} | {s.recall:.3f} |")
    lines.append("")
    lines.append("target attributes on matched pairs: " + ", ".join(
        f"{a} {targets.accuracy(a):.3f}" for a in ("year", "area", "comparator", "unit")))
    unlocated = targets.unlocated + responsibilities.unlocated
    if unlocated:
        lines.append(f"{unlocated} predictions could not be located in the source text (not scored)")
    if details:
        for name, s in (("targets", targets), ("responsibilities", responsibilities)):
            lines.append(f"\n## {name}: false positives ({len(s.false_positives)})")
            lines += [f"- {json.dumps(fp, ensure_ascii=False)}" for fp in s.false_positives]
            lines.append(f"\n## {name}: missed ({len(s.misses)})")
            keys = ("value", "indicator") if name == "targets" else ("agency", "role")
            lines += [f"- {m['doc'][:14]} {' / '.join(str(m[k]) for k in keys)} :: {m['sentence'][:110]}"
                      for m in s.misses]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.commitments_eval", description=__doc__.split("\n")[0])
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--details", action="store_true", help="list false positives and misses")
    parser.add_argument("--check-only", action="store_true", help="only validate the labelled file")
    args = parser.parse_args(argv)
    if args.check_only:
        sample = load_sample(args.labels, args.data)
        kinds = defaultdict(int)
        for row in sample.labels:
            kinds[(row["kind"], row["doc"])] += 1
        for (kind, doc), count in sorted(kinds.items()):
            print(f"{kind:15} {doc}: {count}")
        print("\n".join(sample.problems) or "OK: no problems")
        return 1 if sample.problems else 0
    sample, targets, responsibilities = score(args.labels, args.data)
    if sample.problems:
        print("problems in the labelled sample:\n" + "\n".join(f"  {p}" for p in sample.problems), file=sys.stderr)
        return 2
    print(report(targets, responsibilities, details=args.details))
    return 0


if __name__ == "__main__":
    sys.exit(main())
