"""Metric functions of the eval runner, on hand-made records (no model, no store)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from evals.runner import (  # noqa: E402
    BREAKDOWN_KEYS,
    DEFAULT_THRESHOLDS,
    EvalResult,
    aggregate,
    answer_statement,
    breakdown,
    check_thresholds,
    contains,
    failures,
    first_hit_rank,
    load_thresholds,
    main_table,
    match_normalize,
    missing_facts,
    percentile,
    quote_match,
    render_markdown,
    score_record,
)

QUOTE = "Kết thúc giai đoạn, Chỉ số CCHC (PAR INDEX) của tỉnh đạt từ 85% trở lên"


def gold(**kw):
    rec = {
        "id": "ls-001",
        "question": "Lạng Sơn đặt mục tiêu PAR INDEX bao nhiêu?",
        "answer": "đạt từ 85% trở lên",
        "must_include": ["từ 85% trở lên"],
        "source_doc": "lang-son-249-kh-ubnd-2021.txt",
        "source_quote": QUOTE,
        "section": "1.2",
        "type": "target",
        "answerable": True,
    }
    rec.update(kw)
    return rec


def unanswerable(**kw):
    rec = gold(id="un-001", question="Hà Nội đặt mục tiêu PAR INDEX bao nhiêu?", must_include=[], source_doc=None,
               source_quote=None, section=None, type="unanswerable", answerable=False)
    rec.update(kw)
    return rec


def ctx(text, i=0):
    return {"chunk_id": f"c{i}", "doc_id": "d", "section": None, "text": text, "score": 0.5}


def output(answer="", *, abstained=False, contexts=(), citations=(), latency_ms=100.0):
    return {"answer": answer, "abstained": abstained, "contexts": list(contexts),
            "citations": [{"n": i + 1, "doc_id": "d", "section": None, "text": t} for i, t in enumerate(citations)],
            "latency_ms": latency_ms}


# -- normalisation ----------------------------------------------------------------------------


def test_dash_and_slash_spacing_is_normalised():
    assert contains("xếp hạng trong nhóm 25-30/63 tỉnh", "25 - 30/63")
    assert contains("xếp hạng 25 - 30 / 63", "25-30/63")
    assert contains("giai đoạn 2021 – 2025", "2021–2025")
    assert match_normalize("249 / KH - UBND") == match_normalize("249/KH-UBND")
    # dash characters themselves are not unified: the gold set keeps those verbatim
    assert not contains("giai đoạn 2021–2025", "2021-2025")


def test_normalisation_of_case_whitespace_pipes_and_markdown_bold():
    assert contains("Chỉ số PAR\nINDEX  |  của tỉnh", "chỉ số par index của tỉnh")
    assert contains("**Sở Nội vụ** chủ trì", "Sở Nội vụ chủ trì")
    assert match_normalize(None) == ""


# -- quotes and retrieval ---------------------------------------------------------------------


def test_quote_full_and_partial_matches():
    words = QUOTE.split()
    assert quote_match("… " + QUOTE + "; SIPAS …", QUOTE) == "full"
    # a chunk boundary cut the quote: the first 60% of words, or the last 60%, still counts
    k = math.ceil(0.6 * len(words))
    head, tail = " ".join(words[:k]), " ".join(words[-k:])
    assert quote_match("chunk ends here: " + head, QUOTE) == "partial"
    assert quote_match(tail + " next sentence", QUOTE) == "partial"
    # only the middle of the quote, or less than 60% of either end, is not enough
    assert quote_match(" ".join(words[2:-2]), QUOTE) is None
    assert quote_match(" ".join(words[: k - 1]), QUOTE) is None
    assert quote_match(" ".join(words[-(k - 1):]), QUOTE) is None
    assert quote_match(head, QUOTE, partial=False) is None


def test_hit_at_rank_two_gives_mrr_one_half():
    contexts = [ctx("Sở Nội vụ chủ trì", 0), ctx("1.2. " + QUOTE + ".", 1), ctx(QUOTE, 2)]
    assert first_hit_rank(contexts, [QUOTE]) == (2, "full")
    row = score_record(gold(), output("đạt từ 85% trở lên", contexts=contexts))
    assert row["rank"] == 2
    assert row["rr"] == 0.5
    assert (row["hit_at_1"], row["hit_at_5"]) == (False, True)
    m = aggregate([row])
    assert m["mrr"] == 0.5 and m["hit_at_1"] == 0.0 and m["hit_at_5"] == 1.0


def test_retrieval_miss_and_rank_beyond_five():
    contexts = [ctx(f"khác {i}", i) for i in range(6)] + [ctx(QUOTE, 6)]
    row = score_record(gold(), output("x", contexts=contexts))
    assert row["rank"] == 7 and not row["hit_at_5"] and row["rr"] == pytest.approx(1 / 7)
    miss = score_record(gold(), output("x", contexts=[ctx("không liên quan")]))
    assert miss["rank"] is None and miss["rr"] == 0.0 and not miss["hit_at_5"]


def test_comparison_counts_any_of_its_quotes():
    g = gold(type="comparison", source_quotes=[QUOTE, "Quảng Ngãi phấn đấu xếp hạng trong nhóm 25 - 30/63 tỉnh"])
    row = score_record(g, output("x", contexts=[ctx("khác"), ctx("phấn đấu xếp hạng trong nhóm 25-30/63 tỉnh")]))
    assert row["rank"] == 2


# -- answers ----------------------------------------------------------------------------------


def test_missing_must_include_fails_accuracy():
    g = gold(must_include=["từ 85% trở lên", "tối thiểu 90%"])
    row = score_record(g, output("PAR INDEX đạt từ 85% trở lên."))
    assert row["missing"] == ["tối thiểu 90%"]
    assert row["correct"] is False
    ok = score_record(g, output("PAR INDEX **đạt từ 85% trở lên**, SIPAS đạt tối thiểu 90%."))
    assert ok["correct"] is True
    assert aggregate([row, ok])["answer_accuracy"] == 0.5


def test_any_of_needs_one_alternative_per_group():
    g = gold(must_include=[], any_of=[["Văn phòng Ủy ban nhân dân tỉnh", "Văn phòng UBND tỉnh"], ["2021-2025"]])
    assert missing_facts("Văn phòng UBND tỉnh, giai đoạn 2021 - 2025", g) == []
    assert missing_facts("Văn phòng UBND tỉnh", g) == ["2021-2025"]


def test_statement_accuracy_ignores_quoted_evidence():
    answer = "Theo Kế hoạch 249 [1]:\n\n**Căn cứ:**\n- [1] “Chỉ số CCHC của tỉnh đạt từ 85% trở lên”"
    assert answer_statement(answer).strip() == "Theo Kế hoạch 249 [1]:"
    row = score_record(gold(), output(answer))
    assert row["correct"] is True and row["correct_statement"] is False
    assert answer_statement("no evidence block") == "no evidence block"


def test_abstention_on_answerable_is_wrong_and_false_abstention():
    row = score_record(gold(), output("Tài liệu không nêu. Liên quan: đạt từ 85% trở lên", abstained=True,
                                      citations=[QUOTE]))
    assert row["correct"] is False  # an abstention is never a correct answer
    assert row["false_abstention"] is True
    assert row["cited"] is None  # citation support only counts answered questions
    m = aggregate([row, score_record(gold(), output("đạt từ 85% trở lên", citations=[QUOTE]))])
    assert m["false_abstention"] == 0.5
    assert m["citation_support"] == 1.0
    assert m["n_answered"] == 1


def test_confidently_wrong_counts_stated_wrong_facts_over_all_questions():
    right = score_record(gold(), output("đạt từ 85% trở lên", citations=[QUOTE]))
    wrong = score_record(gold(id="ls-002"), output("đạt 70%", citations=[QUOTE]))
    abstained = score_record(gold(id="ls-003"), output("Các tài liệu hiện có không nêu …", abstained=True))
    invented = score_record(unanswerable(), output("Hà Nội đạt 90%", abstained=False))
    declined = score_record(unanswerable(id="un-002"), output("Các tài liệu hiện có không nêu …", abstained=True))
    m = aggregate([right, wrong, abstained, invented, declined])
    assert m["confidently_wrong"] == 2 / 5  # the wrong value and the invented answer
    # passages shown without stating a fact ("confident": false): never confidently wrong
    unsure = score_record(gold(id="ls-004"), dict(output("đạt 70%", citations=[QUOTE]), confident=False))
    assert unsure["confident"] is False
    assert aggregate([right, unsure])["confidently_wrong"] == 0.0


def test_abstention_on_unanswerable_counts():
    right = score_record(unanswerable(), output("Các tài liệu hiện có không nêu …", abstained=True))
    wrong = score_record(unanswerable(id="un-002"), output("Hà Nội đạt 90%", abstained=False))
    assert right["abstention_correct"] is True and wrong["abstention_correct"] is False
    m = aggregate([right, wrong])
    assert m["abstention_accuracy"] == 0.5
    # unanswerable questions do not enter the answerable-only metrics
    assert m["answer_accuracy"] is None and m["hit_at_5"] is None and m["false_abstention"] is None
    assert [r["id"] for r in failures([right, wrong])] == ["un-002"]


def test_citation_support_uses_the_partial_rule():
    words = QUOTE.split()
    row = score_record(gold(), output("đạt từ 85% trở lên", citations=["khác", " ".join(words[3:])]))
    assert row["cited"] is True and row["citation_match"] == "partial"
    row = score_record(gold(), output("đạt từ 85% trở lên", citations=["Sở Nội vụ chủ trì"]))
    assert row["cited"] is False


def test_latency_percentiles():
    assert percentile([100, 200, 300, 400, 500], 50) == 300
    assert percentile([100, 200], 95) == pytest.approx(195)
    assert percentile([], 50) is None
    rows = [score_record(gold(id=str(i)), output("x", latency_ms=float(i))) for i in range(1, 101)]
    m = aggregate(rows)
    assert m["latency_p50_ms"] == pytest.approx(50.5) and m["latency_p95_ms"] == pytest.approx(95.05)


def test_breakdown_by_type_and_document():
    rows = [
        score_record(gold(id="a"), output("đạt từ 85% trở lên", contexts=[ctx(QUOTE)])),
        score_record(gold(id="b"), output("sai")),
        score_record(gold(id="c", type="who_leads", must_include=["Sở Nội vụ"]), output("Sở Nội vụ")),
        score_record(unanswerable(), output("không nêu", abstained=True)),
    ]
    by_type = breakdown(rows, "type")
    assert by_type["target"] == {"n": 2, "n_answerable": 2, "accuracy": 0.5, "hit_at_5": 0.5, "abstained": 0.0,
                                 "confidently_wrong": 0.5}
    assert by_type["unanswerable"]["abstained"] == 1.0 and by_type["unanswerable"]["accuracy"] is None
    assert breakdown(rows, "layout")["plan (KH)"]["n"] == 3
    by_doc = breakdown(rows, "source_doc")
    assert by_doc["lang-son-249-kh-ubnd-2021.txt"]["n"] == 3
    assert by_doc["(none: unanswerable)"]["n"] == 1


# -- thresholds -------------------------------------------------------------------------------


def test_threshold_violations_are_detected():
    thresholds = {"min": {"answer_accuracy": 0.9, "hit_at_5": 0.97}, "max": {"false_abstention": 0.05}}
    good = {"answer_accuracy": 0.95, "hit_at_5": 0.97, "false_abstention": 0.05}
    assert check_thresholds(good, thresholds) == []
    bad = {"answer_accuracy": 0.80, "hit_at_5": 0.99, "false_abstention": 0.10}
    violations = check_thresholds(bad, thresholds)
    assert len(violations) == 2
    assert any(v.startswith("answer_accuracy") and "below minimum" in v for v in violations)
    assert any(v.startswith("false_abstention") and "above maximum" in v for v in violations)


def test_unknown_metric_is_a_violation_and_unmeasured_is_skipped():
    assert check_thresholds({}, {"min": {"answer_acuracy": 0.9}})  # a typo must not pass silently
    assert check_thresholds({"abstention_accuracy": None}, {"min": {"abstention_accuracy": 0.9}}) == []


def test_repository_thresholds_file():
    t = load_thresholds(DEFAULT_THRESHOLDS)
    assert set(t["min"]) >= {"answer_accuracy", "citation_support", "abstention_accuracy", "hit_at_5", "mrr"}
    assert "false_abstention" in t["max"]
    names = set(aggregate([score_record(gold(), output("x"))]))
    assert set(t["min"]) | set(t["max"]) <= names


# -- report -----------------------------------------------------------------------------------


def test_markdown_report_renders_tables_and_escapes_pipes():
    rows = [score_record(gold(), output("cột | bảng\nsai", contexts=[ctx(QUOTE)])),
            score_record(unanswerable(), output("Hà Nội", abstained=False))]
    base = [score_record(gold(), output(QUOTE, contexts=[ctx(QUOTE)])),
            score_record(unanswerable(), output("x"))]
    metrics = {"ours": aggregate(rows), "baseline": aggregate(base)}
    thresholds = {"min": {"answer_accuracy": 0.9}, "max": {"false_abstention": 0.05}}
    result = EvalResult(metrics=metrics, rows={"ours": rows, "baseline": base},
                        breakdowns={n: {k: breakdown(r, k) for k in BREAKDOWN_KEYS}
                                    for n, r in (("ours", rows), ("baseline", base))},
                        thresholds=thresholds, violations=check_thresholds(metrics["ours"], thresholds),
                        info={"n_questions": 2})
    table = main_table(metrics, thresholds)
    assert "| metric | ours | baseline | threshold |" in table
    assert "| Answer accuracy (answerable) | 0.000 | 1.000 | ≥ 0.90 |" in table
    md = render_markdown(result)
    assert "## By question type" in md and "## By source document" in md
    assert "## Failures (ours): 2" in md
    assert "cột \\| bảng ⏎ sai" in md
    assert "answer_accuracy = 0.000 is below minimum 0.900" in md
