"""End to end over the real corpus and the default embedding model (slow: builds the index once)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.core.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pipeline(corpus_store: Path):
    from assistant.qa.pipeline import Pipeline

    return Pipeline(get_settings(store=corpus_store))


def _first(answer: str) -> str:
    return answer.split("\n\n")[0]


CASES = [
    # (question, expected in the direct answer, expected cited doc ids)
    ("ai chủ trì cải cách tài chính công?", ["Sở Tài chính"],
     {"lang-son-249-kh-ubnd-2021", "quang-ngai-534-qd-ubnd-2022"}),
    ("ai chu tri cai cach tai chinh cong o Lang Son", ["Sở Tài chính"], {"lang-son-249-kh-ubnd-2021"}),
    ("Who leads public finance reform in Lạng Sơn?", ["Sở Tài chính"], {"lang-son-249-kh-ubnd-2021"}),
    ("Cơ quan nào là cơ quan thường trực của Ban Chỉ đạo CCHC tỉnh Lạng Sơn?", ["Sở Nội vụ"],
     {"lang-son-249-kh-ubnd-2021"}),
    ("Kết thúc giai đoạn, Chỉ số PAR INDEX của Lạng Sơn phải đạt bao nhiêu?", ["từ 85% trở lên"],
     {"lang-son-249-kh-ubnd-2021"}),
    ("Quảng Ngãi phấn đấu Chỉ số PAR INDEX, PAPI xếp thứ hạng bao nhiêu đến năm 2025?", ["25 - 30/63"],
     {"quang-ngai-534-qd-ubnd-2022"}),
    ("Đến năm 2025 Tuyên Quang đặt mục tiêu Chỉ số cải cách hành chính đạt bao nhiêu?", ["từ 86% trở lên"],
     {"tuyen-quang-de-an-cchc-2021-2030-tin-tuc"}),
    ("Kế hoạch 4912 của Bình Thuận đề ra những nhóm nhiệm vụ nào?", ["Cải cách thể chế"],
     {"binh-thuan-4912-kh-ubnd-2023-tin-tuc"}),
    ("PAPI là gì?", ["hiệu quả quản trị và hành chính công"], {"quang-ngai-534-qd-ubnd-2022"}),
    ("Ở Quảng Ngãi, cơ quan nào chủ trì lĩnh vực cải cách thể chế?", ["Sở Tư pháp"],
     {"quang-ngai-534-qd-ubnd-2022"}),
]


@pytest.mark.parametrize(("question", "expected", "docs"), CASES, ids=[c[0][:40] for c in CASES])
def test_representative_questions(pipeline, question: str, expected: list[str], docs: set[str]) -> None:
    result = pipeline.ask(question)
    assert not result.abstained, result.answer
    head = _first(result.answer).lower()
    for fact in expected:
        assert fact.lower() in head, result.answer
    assert docs <= {c.doc_id for c in result.citations}, result.answer
    texts = {d: info["text"] for d, info in pipeline.documents().items()}
    for c in result.citations:  # every quote is in its document, at the offsets given
        assert texts[c.doc_id][c.start:c.end].split("\n")[0] == c.text.split("\n")[0]


@pytest.mark.parametrize("question", [
    "Chỉ tiêu PAR INDEX của tỉnh Hà Giang đến năm 2025 là bao nhiêu?",
    "Tổng kinh phí thực hiện Kế hoạch 249 của Lạng Sơn là bao nhiêu tỷ đồng?",
    "Mục tiêu PAR INDEX của Lạng Sơn đến năm 2035 là bao nhiêu?",
])
def test_unanswerable_questions_abstain(pipeline, question: str) -> None:
    result = pipeline.ask(question)
    assert result.abstained, result.answer
    assert result.answer.startswith("Các tài liệu hiện có không nêu")


def test_follow_up_is_rewritten(pipeline) -> None:
    result = pipeline.ask("còn Quảng Ngãi thì sao?", history=["Ai chủ trì cải cách tài chính công ở Lạng Sơn?"])
    assert result.rewritten_question and "Quảng Ngãi" in result.rewritten_question
    assert "Sở Tài chính" in _first(result.answer)
    assert {c.doc_id for c in result.citations} == {"quang-ngai-534-qd-ubnd-2022"}


def test_filters_and_errors(pipeline) -> None:
    from assistant.qa.pipeline import QuestionError

    result = pipeline.ask("ai chủ trì cải cách tài chính công?", province="quang ngai")
    assert {c["doc_id"] for c in result.contexts} == {"quang-ngai-534-qd-ubnd-2022"}
    with pytest.raises(QuestionError, match="Hà Giang"):
        pipeline.ask("ai chủ trì?", province="Hà Giang")
    with pytest.raises(QuestionError):
        pipeline.ask("   ")
    long = pipeline.ask("ai chủ trì cải cách tài chính công? " * 100)
    assert "2000" in long.answer.split("\n")[0]


def test_cli_jsonl_interface(corpus_store: Path, tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps({"id": "a", "question": "ai chủ trì cải cách tài chính công?"}, ensure_ascii=False) + "\n"
        + json.dumps({"id": "b", "question": "Chỉ tiêu PAR INDEX của Hà Giang?"}, ensure_ascii=False) + "\n",
        encoding="utf-8")
    env = {**os.environ, "ASSISTANT_STORE": str(corpus_store)}
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", "--jsonl", str(questions)], cwd=ROOT,
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    for row in rows:
        assert {"id", "question", "answer", "abstained", "citations", "contexts", "latency_ms"} <= row.keys()
        assert len(row["contexts"]) >= 5
        assert {"chunk_id", "doc_id", "section", "text", "score"} <= row["contexts"][0].keys()
    assert not rows[0]["abstained"] and rows[1]["abstained"]
    assert {"n", "doc_id", "title", "section", "text"} <= rows[0]["citations"][0].keys()


def test_cli_without_an_index_says_how_to_build_it(tmp_path: Path) -> None:
    env = {**os.environ, "ASSISTANT_STORE": str(tmp_path / "missing")}
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", "test"], cwd=ROOT, capture_output=True,
                         text=True, env=env, timeout=120)
    assert out.returncode == 1
    assert "ingest.py" in out.stderr
