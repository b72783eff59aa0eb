"""The commitments extractor against the hand-labelled samples, with the thresholds in
evals/commitments/thresholds.toml (a drop in precision or recall turns CI red)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from evals.commitments_eval import LABELS, ROOT, load_sample, report, score

THRESHOLDS = tomllib.loads((ROOT / "evals" / "commitments" / "thresholds.toml").read_text(encoding="utf-8"))
HELDOUT = ROOT / "evals" / "commitments" / "heldout_extra.jsonl"
EXTRA = ROOT.parent / "shared" / "corpus-extra"


def _check(targets, responsibilities, limits: dict[str, float]) -> list[str]:
    measured = {
        "target_precision": targets.precision, "target_recall": targets.recall,
        "responsibility_precision": responsibilities.precision, "responsibility_recall": responsibilities.recall,
        "target_year_accuracy": targets.accuracy("year"), "target_area_accuracy": targets.accuracy("area"),
    }
    return [f"{name} {measured[name]:.3f} < {limit}" for name, limit in limits.items() if measured[name] < limit]


def test_labelled_sample_is_valid_and_large_enough():
    sample = load_sample()
    assert sample.problems == []
    kinds = [row["kind"] for row in sample.labels]
    assert kinds.count("target") >= 60 and kinds.count("responsibility") >= 40


def test_extractor_on_the_seed_sample():
    sample, targets, responsibilities = score(LABELS, ROOT / "data")
    assert sample.problems == []
    failures = _check(targets, responsibilities, THRESHOLDS["labelled"])
    assert not failures, f"{failures}\n{report(targets, responsibilities, details=True)}"


@pytest.mark.skipif(not EXTRA.is_dir(), reason=f"the 2025 documents are not at {EXTRA}")
def test_extractor_on_the_heldout_sample():
    sample, targets, responsibilities = score(HELDOUT, EXTRA)
    assert sample.problems == []
    failures = _check(targets, responsibilities, THRESHOLDS["heldout_extra"])
    assert not failures, f"{failures}\n{report(targets, responsibilities, details=True)}"


def test_the_scorer_counts_false_positives_and_misses(tmp_path: Path):
    """A wrong label must lower precision and recall (the gate can fail)."""
    lines = LABELS.read_text(encoding="utf-8").splitlines()
    broken = [line.replace('"number": 85', '"number": 84', 1) if '"từ 85% trở lên"' in line else line
              for line in lines]
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(broken) + "\n", encoding="utf-8")
    _, targets, _ = score(path, ROOT / "data")
    assert targets.precision < 1.0 and targets.recall < 1.0
    assert any(m["value"] == "từ 85% trở lên" for m in targets.misses)
