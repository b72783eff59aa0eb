"""The confidence model: features, probability, the unsure answer, how the eval scores it, and training."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.qa.answer.confidence import (
    PASSAGES_LEAD,
    PLACES_MISSING_NOTE,
    UNSURE_PREFIX,
    ConfidenceModel,
    judge,
    shipped_model,
)
from assistant.qa.answer.model import Answer, Citation
from evals.runner import aggregate, layout_of, score_record


def _answer(abstained: bool = False) -> Answer:
    cites = [Citation(n=i, chunk_id=f"c{i}", doc_id="d", title="Kế hoạch CCHC", so_hieu="12/KH-UBND",
                      province="Lạng Sơn", section=f"II › {i}.", text=f"Sở Nội vụ chủ trì nội dung {i}.", start=0,
                      end=10) for i in (1, 2, 3, 4)]
    return Answer(question="Ai chủ trì?", answer="Lạng Sơn: **Sở Nội vụ** chủ trì [1].\n\n**Căn cứ:**\n- [1] …",
                  abstained=abstained, intent="who_leads", citations=[] if abstained else cites)


def _model(threshold: float = 0.5) -> ConfidenceModel:
    # probability rises with "support": 0.5 at support 0.5
    return ConfidenceModel(features=("support",), mean=(0.5,), scale=(0.1,), weights=(2.0,), bias=0.0,
                           threshold=threshold)


def test_probability_is_monotone_and_bounded():
    m = _model()
    probs = [m.probability({"support": s}) for s in (0.0, 0.3, 0.5, 0.7, 1.0)]
    assert probs == sorted(probs)
    assert probs[2] == pytest.approx(0.5)
    assert 0.0 < probs[0] < probs[-1] < 1.0
    assert m.probability({}) < 0.5  # a missing feature counts as 0


def test_sure_answer_keeps_its_statement():
    a = judge(_answer(), {"support": 0.9}, _model())
    assert a.confident and a.confidence > 0.9
    assert "**Sở Nội vụ**" in a.answer


def test_unsure_answer_states_nothing_and_quotes_passages():
    a = judge(_answer(), {"support": 0.2}, _model())
    assert not a.confident and not a.abstained
    assert a.answer.startswith(UNSURE_PREFIX) and PASSAGES_LEAD in a.answer
    assert "**" not in a.answer  # no fact in bold
    assert len(a.citations) == 3 and all(f"[{c.n}]" in a.answer and c.text in a.answer for c in a.citations)


def test_a_fact_of_another_place_than_the_one_named_is_never_stated():
    # "Bắc Kạn … giống như Cao Bằng?" with no document of Bắc Kạn: however sure, the fact is Cao Bằng's
    a = judge(_answer(), {"support": 0.9, "places_missing": 1.0}, _model())
    assert not a.confident and not a.abstained and "**" not in a.answer
    assert PLACES_MISSING_NOTE in a.answer and a.answer.startswith(UNSURE_PREFIX)


def test_threshold_override_and_abstention():
    assert judge(_answer(), {"support": 0.2}, _model(), threshold=0.0).confident
    abstained = judge(_answer(abstained=True), {"support": 0.9}, _model())
    assert abstained.abstained and not abstained.confident and abstained.confidence is None
    assert judge(_answer(), {"support": 0.0}, None).confident  # no model: the draft is stated


def test_shipped_model_is_consistent():
    model = shipped_model()
    assert model is not None, "assistant/qa/answer/data/confidence.json is missing: python -m evals.train_confidence"
    assert len(model.features) == len(model.mean) == len(model.scale) == len(model.weights)
    assert 0.0 < model.threshold < 1.0
    assert all(s > 0 for s in model.scale)


# -- how the eval runner scores an unsure answer ---------------------------------------------------

GOLD = {"id": "q1", "type": "who_leads", "answerable": True, "question": "Ai chủ trì?",
        "must_include": ["Sở Nội vụ"], "source_quote": "Sở Nội vụ chủ trì nội dung 1", "source_doc": "x_kh12_2025.txt"}
UNANSWERABLE = {"id": "u1", "type": "unanswerable", "answerable": False, "question": "Ai ký?", "about_doc": "x_qd3.txt"}


def _out(confident: bool, text: str = "Sở Nội vụ chủ trì") -> dict:
    return {"answer": text, "abstained": False, "confident": confident,
            "citations": [{"n": 1, "text": "Sở Nội vụ chủ trì nội dung 1"}], "contexts": []}


def test_unsure_counts_as_abstention_never_as_confidently_wrong():
    sure_right = score_record(GOLD, _out(True))
    unsure_right = score_record(GOLD, _out(False))
    sure_unans = score_record(UNANSWERABLE, _out(True))
    unsure_unans = score_record(UNANSWERABLE, _out(False))
    assert sure_right["correct"] and not unsure_right["correct"] and unsure_right["false_abstention"]
    assert unsure_right["unsure_holds_answer"]
    assert unsure_unans["abstention_correct"] and not sure_unans["abstention_correct"]
    m = aggregate([sure_right, unsure_right, sure_unans, unsure_unans])
    assert m["confidently_wrong"] == pytest.approx(0.25)  # only the stated answer to the unanswerable one
    assert m["unsure_rate"] == pytest.approx(0.5)


def test_layout_of_reads_the_document_code():
    assert layout_of("lang-son-249-kh-ubnd-2021.txt") == "plan (KH)"
    assert layout_of("nd170_2025_congchuc.txt") == "decree (NĐ)"
    assert layout_of(None, "daklak_ct010_2025.txt") == "directive (CT)"
    assert layout_of("binh-thuan-4912-kh-ubnd-2023-tin-tuc.txt") == "news page"
    assert layout_of(None) == "(across documents)"


# -- training ----------------------------------------------------------------------------------------

def _report(path: Path, name: str, rows: list[dict]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "report.json").write_text(json.dumps({"info": {"questions_file": name}, "results": {"ours": rows}}),
                                      encoding="utf-8")
    return path


def test_training_separates_right_from_wrong_and_cuts_confidently_wrong(tmp_path):
    from evals.train_confidence import main

    rows = []
    for i in range(120):  # right answers have high support; wrong ones low, with some overlap
        right = i % 3 != 0
        support = (0.55 + (i % 7) * 0.05) if right else (0.2 + (i % 5) * 0.07)
        rows.append({"id": str(i), "answerable": True, "correct": right, "abstained": False,
                     "source_doc": f"doc{i % 10}.txt", "signals": {"support": support, "noise": (i * 37) % 11}})
    out = tmp_path / "confidence.json"
    assert main([str(_report(tmp_path / "a", "tune.jsonl", rows)), "--out", str(out),
                 "--cost-of-wrong", "3"]) == 0
    model = ConfidenceModel.load(out)
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert model.probability({"support": 0.8, "noise": 5}) > model.threshold > model.probability({"support": 0.2,
                                                                                                  "noise": 5})
    per_set = saved["training"]["per_set"]["tune.jsonl"]
    assert per_set["after"]["confidently_wrong"] < per_set["before"]["confidently_wrong"] / 2
    assert saved["training"]["oof_auc"] > 0.9
    from evals.train_confidence import score_reports

    scored = score_reports(out, [tmp_path / "a"])["tune.jsonl"]
    assert scored["after"]["confidently_wrong"] < scored["before"]["confidently_wrong"]
    assert scored["before"]["accuracy"] == pytest.approx(80 / 120)


def test_training_refuses_reports_with_unsure_answers(tmp_path):
    from evals.train_confidence import main

    rows = [{"id": "1", "answerable": True, "correct": False, "abstained": True, "unsure": True, "signals": {}}]
    with pytest.raises(SystemExit, match="ASSISTANT_CONFIDENCE_THRESHOLD=0"):
        main([str(_report(tmp_path / "r", "tune.jsonl", rows)), "--out", str(tmp_path / "c.json")])


# -- how the chat shows it ---------------------------------------------------------------------------

def test_chat_shows_unsure_answers_apart_from_stated_ones():
    from assistant.web import rendering
    from assistant.web.service import answer_status

    sure = judge(_answer(), {"support": 0.9}, _model()).to_dict()
    unsure = judge(_answer(), {"support": 0.1}, _model()).to_dict()
    assert answer_status(sure) == "answered" and answer_status(unsure) == "unsure"
    assert answer_status({"abstained": True, "confident": False}) == "abstained"
    sure_html, unsure_html = rendering.answer_html(sure), rendering.answer_html(unsure)
    assert "cchc-answered" in sure_html and "cchc-direct" in sure_html and "cchc-unsure" not in sure_html
    assert "cchc-unsure-box" in unsure_html and "cchc-direct" not in unsure_html
    assert "Chưa đủ chắc chắn" in unsure_html
    assert unsure_html.count('class="cchc-card"') == 3  # the passages, as source cards
