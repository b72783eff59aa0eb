"""Answers from the commitments tables: comparisons, "which province", listings; each line cited."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.index.commitments_db import FILENAME, CommitmentStore
from assistant.ingest.chunking import chunk_document
from assistant.ingest.commitments import commitment_rows
from assistant.ingest.metadata import load_catalog, resolve_metadata
from assistant.ingest.parsing import parse_document
from assistant.qa.analyse import analyse
from assistant.qa.tables import CommitmentAnswerer, quote_with_value

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ["lang-son-249-kh-ubnd-2021.txt", "tuyen-quang-de-an-cchc-2021-2030-tin-tuc.txt",
         "quang-ngai-534-qd-ubnd-2022.txt", "lai-chau-2943-kh-ubnd-2021.txt"]


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory) -> CommitmentAnswerer:
    db = CommitmentStore(tmp_path_factory.mktemp("commitments") / FILENAME)
    catalog = load_catalog(ROOT / "data")
    documents = {}
    for name in SEEDS:
        path = ROOT / "data" / name
        text = path.read_text(encoding="utf-8")
        meta = resolve_metadata(text, path, catalog).to_dict()
        parsed = parse_document(text)
        rows = commitment_rows(parsed, meta, chunk_document(meta["doc_id"], parsed))
        documents[meta["doc_id"]] = {**meta, "text": parsed.text, "commitments": rows}
    db.build(documents)
    return CommitmentAnswerer(db, documents)


def test_comparison_of_two_named_provinces(answerer):
    a = answerer.answer(analyse("So sánh mục tiêu Chỉ số cải cách hành chính đến năm 2025 của Lạng Sơn và Tuyên Quang"))
    assert a is not None and not a.abstained and a.intent == "commitments"
    assert "từ 85% trở lên" in a.answer and "từ 86% trở lên" in a.answer
    assert [c.province for c in a.citations] == ["Lạng Sơn", "Tuyên Quang"]
    for c in a.citations:  # each cited passage contains the value it supports, at the cited offsets
        doc = answerer.documents[c.doc_id]["text"]
        assert doc[c.start:c.end] == c.text
    assert "từ 85% trở lên" in a.citations[0].text and "từ 86% trở lên" in a.citations[1].text


def test_which_province_highest_and_honest_about_the_others(answerer):
    a = answerer.answer(analyse("Tỉnh nào đặt mục tiêu PAR INDEX cao nhất?"))
    assert a is not None
    assert "Mức cao nhất: **Tuyên Quang**" in a.answer
    # Quảng Ngãi names the index (as a ranking) without a % target: never said to be silent about it
    assert "Quảng Ngãi có nhắc đến" in a.answer and "Lai Châu không nêu" in a.answer


def test_a_named_province_without_a_matching_target_falls_back(answerer):
    assert answerer.answer(analyse("So sánh chỉ tiêu PAR INDEX của Lạng Sơn và Lai Châu")) is None
    assert answerer.answer(analyse("Ai chủ trì cải cách tài chính công ở Lạng Sơn?")) is None  # not a table question
    assert answerer.answer(analyse("So sánh chỉ tiêu PAR INDEX"), filters={"doc_id": "x"}) is None


def test_listing_by_province_year_and_area(answerer):
    a = answerer.answer(analyse("Những chỉ tiêu nào đến năm 2030 của Tuyên Quang về chính quyền số?"))
    assert a is not None and a.citations
    assert "Tuyên Quang đến năm 2030 về chính quyền điện tử" in a.answer
    assert all(c.province == "Tuyên Quang" for c in a.citations)
    assert "hồ sơ công việc tại cấp tỉnh" in a.answer


def test_quote_keeps_the_value_in_bold_and_cuts_long_clauses():
    row = {"sentence": "- " + "rất " * 60 + "đạt tối thiểu 50% hồ sơ", "value": "tối thiểu 50%"}
    quote = quote_with_value(row, max_words=20)
    assert "**tối thiểu 50%**" in quote and quote.startswith("…") and len(quote.split()) <= 24
