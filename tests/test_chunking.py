"""Chunking of the real corpus: chunks are exact slices that cover the text, respect the token budget,
follow the sections, merge small siblings and have stable ids."""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import pytest

from assistant.ingest.chunking import Chunk, chunk_document, count_tokens, section_label
from assistant.ingest.parsing import ParsedDocument, parse_document
from tests.corpus import DATA, EXTRA, ROOT

LANG_SON = DATA / "lang-son-249-kh-ubnd-2021.txt"
QUANG_NGAI = DATA / "quang-ngai-534-qd-ubnd-2022.txt"
ND170 = EXTRA / "nd170_2025_congchuc.txt"
DOCS = sorted(DATA.glob("*.txt")) + sorted(EXTRA.glob("*.txt"))
TIKTOKEN_FILE = "9b5ad71b2ce5302211f9c61530b329a4922fc6a4"  # sha1 of the cl100k_base URL


@pytest.fixture(autouse=True, scope="module")
def _tiktoken_cache_present():
    cache_dir = Path(os.environ.get("TIKTOKEN_CACHE_DIR", ROOT / "models" / "tiktoken"))
    if not (cache_dir / TIKTOKEN_FILE).is_file():
        pytest.fail(f"the tiktoken cache {cache_dir} has no cl100k_base file: run `python -m assistant.core.assets` "
                    "(chunk sizes are measured in cl100k_base tokens and the tests run offline)")


def test_corpus_is_present():
    assert len([p for p in DOCS if p.parent == DATA]) == 5
    if EXTRA.is_dir():
        assert len([p for p in DOCS if p.parent == EXTRA]) == 6


@cache
def parsed_of(path: Path) -> ParsedDocument:
    return parse_document(path.read_text(encoding="utf-8"))


@cache
def chunks_of(path: Path, max_tokens: int = 380, min_tokens: int = 60) -> tuple[Chunk, ...]:
    return tuple(chunk_document(path.stem, parsed_of(path), max_tokens=max_tokens, min_tokens=min_tokens))


def check_cover(parsed: ParsedDocument, chunks: tuple[Chunk, ...], max_tokens: int) -> None:
    text = parsed.text
    covered = bytearray(len(text))
    prev_end = 0
    for n, chunk in enumerate(chunks):
        assert chunk.index == n
        assert 0 <= chunk.start < chunk.end <= len(text)
        assert chunk.start >= prev_end, f"chunk {n} overlaps the one before it"
        assert chunk.text == text[chunk.start:chunk.end]
        assert chunk.text == chunk.text.strip() and chunk.text
        assert chunk.tokens == count_tokens(chunk.text)
        if chunk.tokens > max_tokens:
            assert len(chunk.text.split()) == 1, f"chunk {n} has {chunk.tokens} > {max_tokens} tokens"
        covered[chunk.start:chunk.end] = b"\x01" * (chunk.end - chunk.start)
        prev_end = chunk.end
    missing = [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]
    assert not missing, f"{len(missing)} characters in no chunk, first at {text[missing[0]:missing[0] + 60]!r}"


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.stem)
def test_chunks_cover_the_canonical_text(path: Path):
    check_cover(parsed_of(path), chunks_of(path), 380)


@pytest.mark.parametrize("path", [LANG_SON, QUANG_NGAI, ND170], ids=lambda p: p.stem)
@pytest.mark.parametrize("max_tokens, min_tokens", [(30, 10), (64, 20), (1000, 300)])
def test_other_budgets_keep_the_invariants(path: Path, max_tokens: int, min_tokens: int):
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    chunks = chunks_of(path, max_tokens, min_tokens)
    check_cover(parsed_of(path), chunks, max_tokens)
    default = chunks_of(path)
    assert (len(chunks) > len(default)) if max_tokens < 380 else (len(chunks) < len(default))


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.stem)
def test_chunks_follow_sections(path: Path):
    """A chunk never mixes kinds (plan text vs related documents, notes, distribution list), and its label
    is the breadcrumb of the sections it spans."""
    parsed = parsed_of(path)
    for chunk in chunks_of(path):
        spanned = [s for s in parsed.sections if s.start < chunk.end and s.end > chunk.start]
        assert spanned
        assert {s.kind for s in spanned} == {chunk.kind}, chunk.section
        assert chunk.section == section_label([s.path for s in spanned])
        assert chunk.section_number == spanned[0].number
        assert chunk.doc_id == path.stem


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.stem)
def test_chunk_ids_are_deterministic_and_distinct(path: Path):
    first = chunk_document("doc-a", parsed_of(path))
    again = chunk_document("doc-a", parse_document(path.read_text(encoding="utf-8")))
    assert first == again
    ids = [c.chunk_id for c in first]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(rf"doc-a:{c.index:04d}:[0-9a-f]{{10}}", c.chunk_id) for c in first)
    other = chunk_document("doc-b", parsed_of(path))
    assert not set(ids) & {c.chunk_id for c in other}


def test_lang_son_small_siblings_are_merged():
    chunks = chunks_of(LANG_SON)
    labels = [c.section for c in chunks]
    assert "[Phần 2] › 3. Cải cách tổ chức bộ máy hành chính Nhà nước › 3.2–3.3" in labels
    merged = next(c for c in chunks if c.section.endswith("› 3.2–3.3"))
    assert re.search(r"^3\.2\. ", merged.text, re.M) and re.search(r"^3\.3\. ", merged.text, re.M)
    # every en-dash range joins siblings of one parent, within the budget
    ranges = [c for c in chunks if "–" in c.section.rsplit(" › ", 1)[-1]]
    assert len(ranges) >= 5
    for c in ranges:
        first, last = c.section.rsplit(" › ", 1)[-1].split("–")
        assert first.split(".")[0] == last.split(".")[0], c.section
        assert c.tokens <= 380


def test_lang_son_heading_opens_a_chunk_with_its_first_child():
    chunks = chunks_of(LANG_SON)
    finance = [c for c in chunks if "6. Sở Tài chính" in c.section]
    assert [c.section for c in finance] == ["[Phần 5] › 6. Sở Tài chính › 6.1", "[Phần 5] › 6. Sở Tài chính › 6.2"]
    assert finance[0].text.startswith("6. Sở Tài chính\n6.1. Chủ trì tham mưu")
    # no chunk is a bare heading
    for c in chunks:
        assert "\n" in c.text or c.tokens > 15, c.section


def test_related_documents_are_chunked_apart():
    chunks = chunks_of(LANG_SON)
    related = [c for c in chunks if c.kind == "related_documents"]
    assert related and all(c.section == "Văn bản liên quan" for c in related)
    assert chunks[-1].kind == "related_documents"
    assert all("Sở Tài chính chủ trì" not in c.text for c in related)


def test_long_sections_are_split_at_line_or_sentence_boundaries():
    chunks = chunks_of(LANG_SON, 64, 20)
    text = parsed_of(LANG_SON).text
    for a, b in zip(chunks, chunks[1:], strict=False):
        # a cut is at a line break or right after a sentence end, never inside a word
        gap = text[a.end:b.start]
        assert gap.strip() == "" and gap, (a.text[-30:], b.text[:30])
        assert text[a.end] in "\n " and not text[b.start].isspace()


def test_unsplittable_word_may_exceed_the_budget():
    long_word = "x" * 3000
    parsed = parse_document(f"Mở đầu văn bản. {long_word} kết thúc câu.")
    chunks = chunk_document("doc", parsed, max_tokens=50, min_tokens=10)
    check_cover(parsed, tuple(chunks), 50)
    over = [c for c in chunks if c.tokens > 50]
    assert len(over) == 1 and over[0].text == long_word


def test_long_single_sentence_is_split_at_words():
    parsed = parse_document(" ".join(["cải cách hành chính"] * 300))
    chunks = chunk_document("doc", parsed, max_tokens=50, min_tokens=10)
    check_cover(parsed, tuple(chunks), 50)
    assert len(chunks) > 5
    assert all(c.text.startswith("cải") or c.text.startswith("cách") or c.text.startswith("hành")
               or c.text.startswith("chính") for c in chunks)


def test_empty_document_has_no_chunks():
    assert chunk_document("doc", parse_document("")) == []
    assert chunk_document("doc", parse_document("\n|\n----\n")) == []


def test_count_tokens():
    assert count_tokens("") == 0
    assert count_tokens("Cải cách hành chính") > 3
    assert count_tokens("<|endoftext|> là văn bản thường") > 3  # special tokens are plain text here


def test_section_label_units():
    assert section_label([("A", "1. X", "1.1")]) == "A › 1. X › 1.1"
    assert section_label([("A", "1. X", "1.1"), ("A", "1. X", "1.2"), ("A", "1. X", "1.3")]) == "A › 1. X › 1.1–1.3"
    assert section_label([("A", "1. X"), ("A", "2. Y")]) == "A › 1–2"
    assert section_label([("I. MỤC TIÊU",), ("II. NHIỆM VỤ",)]) == "I–II"
    assert section_label([("A",), ("A", "1. X")]) == "A › 1. X"  # a heading with its first child
    assert section_label([("A",), ("A", "1. X"), ("A", "2. Y")]) == "A › 1–2"
    assert section_label([("Văn bản liên quan",), ("Văn bản liên quan",)]) == "Văn bản liên quan"
    assert section_label([("A", "3.2"), ("A", "3.2"), ("A", "3.3")]) == "A › 3.2–3.3"
    assert section_label([("A", "a) Foo"), ("A", "b) Bar")]) == "A › a) Foo–b) Bar"
    assert section_label([("Thứ nhất",), ("Thứ hai",)]) == "Thứ nhất–Thứ hai"
    assert section_label([]) == ""
