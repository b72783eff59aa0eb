"""The lexical tables (BM25, accent restorer, role mask, the answerer's IDF) saved with an index generation: ingest writes them,
a start loads them, a missing, damaged or stale copy is rebuilt (and saved), and retrieval over loaded
tables is identical to retrieval over freshly built ones."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from assistant.index import lexical
from assistant.index.lexical import (
    FOLDER,
    TABLES,
    DiacriticRestorer,
    LexicalIndex,
    lexical_of,
    lexical_tokens,
)
from assistant.lexicon import terms
from tests.corpus import DATA, LAI_CHAU, SMALL_MODEL, needs_small_model

CHUNKS = (
    ["c1", "c2", "c3"],
    ["Sở Tài chính chủ trì cải cách tài chính công.", "Sở Nội vụ phối hợp với các sở, ngành.",
     "Chỉ số PAR INDEX đạt từ 85% trở lên; công chức, công chức, cong chuc."],
    [{"title": "Kế hoạch", "so_hieu": "249/KH-UBND", "section": "1. Mục tiêu"},
     {"title": "Kế hoạch", "so_hieu": "249/KH-UBND", "section": "2. Nhiệm vụ"},
     {"title": "Kế hoạch", "so_hieu": "", "section": "3. Chỉ tiêu"}],
)
QUERIES = [["tai", "chinh", "tai_chinh"], ["sở", "nội", "vụ"], ["par", "index", "85"], ["unknown"], []]


def fake_store(tmp_path: Path, chunks=CHUNKS, *, folder: bool = True) -> SimpleNamespace:
    """What lexical_of reads of a Store: its chunks, its generation folder (None on a Chroma server)."""
    gen = tmp_path / "g-20260101-000000-abcdef"
    gen.mkdir(parents=True, exist_ok=True)
    return SimpleNamespace(all_chunks=lambda: chunks, folder=gen if folder else None, path=tmp_path,
                           generation=gen.name, legacy=False)


def same(a: LexicalIndex, b: LexicalIndex, n: int) -> None:
    for q in QUERIES:
        assert np.array_equal(a.scores(q, n), b.scores(q, n)), q
    assert a.vocab == b.vocab
    assert a.restorer.unigrams == b.restorer.unigrams and a.restorer.bigrams == b.restorer.bigrams
    assert np.array_equal(a.role_mask, b.role_mask)
    assert a.idf == b.idf
    assert a.key == b.key


def test_saved_tables_are_loaded_without_building(tmp_path, monkeypatch):
    store = fake_store(tmp_path)
    built = lexical_of(store)
    assert (store.folder / FOLDER / TABLES).is_file()
    monkeypatch.setattr(LexicalIndex, "build", classmethod(lambda *a: pytest.fail("rebuilt saved tables")))
    loaded = lexical_of(store)
    same(loaded, built, 3)
    assert loaded.scores(["tai_chinh"], 3)[0] > 0 and loaded.scores(["tai_chinh"], 3)[1] == 0
    assert loaded.role_mask.tolist() == [True, True, False]
    assert loaded.restorer.restore("cong chuc o So Tai chinh") == "công chức o Sở Tài chính"


@pytest.mark.parametrize("damage", ["missing", "stale", "version", "bad array", "bad json", "other chunks",
                                    "no idf", "other terms"])
def test_missing_damaged_or_stale_tables_are_rebuilt_and_saved(tmp_path, monkeypatch, caplog, damage):
    store = fake_store(tmp_path)
    fresh = LexicalIndex.build(*CHUNKS)
    lexical_of(store)
    saved = store.folder / FOLDER
    tables = saved / TABLES
    if damage == "missing":
        shutil.rmtree(saved)
    elif damage == "stale":
        data = json.loads(tables.read_text(encoding="utf-8"))
        tables.write_text(json.dumps({**data, "key": "built-by-an-older-version"}), encoding="utf-8")
    elif damage == "version":
        monkeypatch.setattr(lexical, "LEXICAL_VERSION", lexical.LEXICAL_VERSION + 1)
        fresh = LexicalIndex.build(*CHUNKS)
    elif damage == "bad array":
        (saved / "data.csc.index.npy").write_bytes(b"not numpy")
    elif damage == "no idf":  # saved by a version without the IDF
        data = json.loads(tables.read_text(encoding="utf-8"))
        tables.write_text(json.dumps({k: v for k, v in data.items() if k != "idf"}), encoding="utf-8")
    elif damage == "other terms":  # the vocabulary the answerer's word units fold has changed
        monkeypatch.setattr(terms, "TERMS_VERSION", terms.TERMS_VERSION + 1)
        terms.terms_fingerprint.cache_clear()
        fresh = LexicalIndex.build(*CHUNKS)
    elif damage == "bad json":
        tables.write_text(tables.read_text(encoding="utf-8")[:-40], encoding="utf-8")
    else:
        changed = (CHUNKS[0], [*CHUNKS[1][:2], "Sở Tư pháp chủ trì."], CHUNKS[2])
        store = fake_store(tmp_path, changed)
        fresh = LexicalIndex.build(*changed)
    with caplog.at_level(logging.INFO, logger="assistant.index.lexical"):
        rebuilt = lexical_of(store)
    assert "lexical tables" in caplog.text and "built and saved" in caplog.text
    same(rebuilt, fresh, 3)
    monkeypatch.setattr(LexicalIndex, "build", classmethod(lambda *a: pytest.fail("the rebuild was not saved")))
    same(lexical_of(store), fresh, 3)
    assert not [p for p in store.folder.iterdir() if p.name.endswith(".tmp")]


def test_saved_idf_is_the_answerers_and_the_corpus_view_uses_it(tmp_path, monkeypatch):
    """The IDF saved at ingest is exactly what the answerer would compute, and a start reads it instead."""
    from assistant.qa.answer import corpus
    from assistant.qa.answer.corpus import CorpusView

    store = fake_store(tmp_path)
    lexical_of(store)
    loaded = lexical_of(store)
    assert loaded.idf == corpus.build_idf(CHUNKS[1]) and loaded.idf["tai"] > 0
    index = SimpleNamespace(chunks=[SimpleNamespace(text=t, metadata=m) for t, m in zip(CHUNKS[1], CHUNKS[2], strict=True)],
                            provinces=[], documents={}, lexical=loaded)
    monkeypatch.setattr(corpus, "build_idf", lambda texts: pytest.fail("IDF recomputed at start"))
    assert CorpusView.from_index(index).idf == loaded.idf
    monkeypatch.undo()
    index.lexical = None  # an index without saved tables (tests' hand-made ones) still gets its IDF
    assert CorpusView.from_index(index).idf == loaded.idf


@pytest.fixture(autouse=True)
def _fresh_terms_fingerprint():
    yield
    terms.terms_fingerprint.cache_clear()


def test_tables_of_a_server_generation_are_cached_in_the_store_folder(tmp_path):
    store = fake_store(tmp_path, folder=False)
    lexical_of(store)
    assert (tmp_path / ".cache" / f"lexical-{store.generation}" / TABLES).is_file()


def test_unwritable_place_serves_tables_built_in_memory(tmp_path, monkeypatch, caplog):
    def refuse(self, folder):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(LexicalIndex, "save", refuse)
    with caplog.at_level(logging.WARNING, logger="assistant.index.lexical"):
        got = lexical_of(fake_store(tmp_path))
    assert "cannot save lexical tables" in caplog.text
    same(got, LexicalIndex.build(*CHUNKS), 3)


def test_empty_index_has_no_bm25_and_scores_zero(tmp_path):
    store = fake_store(tmp_path, ([], [], []))
    lexical_of(store)
    got = lexical_of(store)
    assert got.bm25 is None and got.scores(["tai"], 0).shape == (0,)


def test_restorer_keeps_the_most_frequent_form_like_before():
    texts = ["công chức công chức công chức", "cong chuc", "Công Chức"]
    restorer = DiacriticRestorer(texts)
    assert restorer.unigrams["cong"] == "công" and restorer.bigrams["cong chuc"] == "công chức"
    assert DiacriticRestorer.from_tables(restorer.unigrams, restorer.bigrams).restore("CONG chuc") == "CÔNG chức"
    assert lexical_tokens("Tài chính") == ["tài", "chính", "tai", "chinh", "tai_chinh"]


@needs_small_model
def test_ingest_saves_the_tables_and_retrieval_is_identical_to_a_fresh_build(tmp_path, monkeypatch):
    from assistant.core.settings import get_settings
    from assistant.index.build import ingest
    from assistant.index.embeddings import SentenceEmbeddings
    from assistant.index.store import open_store
    from assistant.qa import retrieve
    from assistant.qa.analyse import analyse

    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(DATA / f"{LAI_CHAU}.txt", docs)
    shutil.copy(DATA / "catalog.yaml", docs)
    settings = get_settings(store=tmp_path / "store", embedding_model=SMALL_MODEL)
    ingest([docs], settings, progress=False)
    store = open_store(settings)
    assert (store.folder / FOLDER / TABLES).is_file()
    embeddings = SentenceEmbeddings(store.model, 1)

    def answers(index: retrieve.HybridIndex) -> list[list[tuple[str, float]]]:
        retriever = retrieve.HybridRetriever(index=index, embeddings=embeddings, k=5)
        return [[(d.id, d.metadata["score"], d.metadata["bm25_score"]) for d in retriever.invoke(q, analysis=analyse(q))]
                for q in ("cải cách thủ tục hành chính", "cai cach tai chinh cong Lai Chau",
                          "ai chủ trì cải cách thể chế?", "What are the objectives?")]

    with monkeypatch.context() as m:
        m.setattr(LexicalIndex, "build", classmethod(lambda *a: pytest.fail("the ingest did not save the tables")))
        loaded = answers(retrieve.HybridIndex(store))
    monkeypatch.setattr(retrieve, "lexical_of", lambda s, chunks: LexicalIndex.build(*chunks))
    assert loaded == answers(retrieve.HybridIndex(store))
    store.close()
