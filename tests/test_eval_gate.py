"""Quality gate: the full gold set through the real pipeline (and the baseline) must meet
``evals/thresholds.toml``. Slow: builds the store from data/ and loads the embedding model."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from evals.runner import DEFAULT_QUESTIONS, DEFAULT_THRESHOLDS, check_thresholds, load_thresholds  # noqa: E402

REPORT_DIR = ROOT / "test-artifacts" / "eval"


@pytest.mark.slow
def test_eval_gate(corpus_store, capsys):
    from assistant.core.settings import get_settings
    from evals.runner import run_eval

    thresholds = load_thresholds(DEFAULT_THRESHOLDS)
    result = run_eval(questions=DEFAULT_QUESTIONS, settings=get_settings(store=corpus_store),
                      report_dir=REPORT_DIR, baseline=True, thresholds=thresholds)
    violations = check_thresholds(result.metrics["ours"], thresholds)
    with capsys.disabled():
        print("\n\nEvaluation (ours vs textbook baseline), full gold set:\n")
        print(result.table)
        print(f"\nreport: {result.report_md}")
        for v in violations:
            print(f"THRESHOLD VIOLATION: {v}")
    assert result.metrics["ours"]["n_questions"] == len(DEFAULT_QUESTIONS.read_text(encoding="utf-8").splitlines())
    assert result.metrics["ours"]["errors"] == 0
    assert not violations, "thresholds violated (see the report): " + "; ".join(violations)
