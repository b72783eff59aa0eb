"""A short run of bench/load_test.py against the app served in this process (stand-in pipeline): the
script drives concurrent sessions, counts errors and reports latency and memory. The real run is a bench
(see bench/RESULTS.md), not a test."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from tests.test_app_api import TinyPipeline, start

ROOT = Path(__file__).resolve().parents[1]


def load_script():
    spec = importlib.util.spec_from_file_location("load_test", ROOT / "bench" / "load_test.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules["load_test"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_load_script_smoke(tmp_path: Path):
    lt = load_script()
    s = start(TinyPipeline(tmp_path / "f.sqlite3"), tmp_path / "f.sqlite3")
    try:
        figures = lt.run(s.url, os.getpid(), sessions=4, duration=3.0, memory_questions=24, sample_every=6,
                         log=lambda m: None)
    finally:
        s.demo.close()
    load, memory, rss = figures["load"], figures["memory_run"], figures["rss_mb"]
    assert load["requests"] >= 4 and sum(load["statuses"].values()) == load["requests"] and load["errors"] == 0 and load["p95_ms"] >= load["p50_ms"] > 0
    assert memory["requests"] == 24 and memory["errors"] == 0
    assert len(rss["samples"]) >= 4 and rss["first_quartile_mb"] > 0
    assert "errors" in lt.markdown(figures)


def test_load_script_refuses_a_non_loopback_address():
    import pytest

    lt = load_script()
    with pytest.raises(SystemExit, match="loopback"):
        lt.run("http://10.1.2.3:7860/", os.getpid(), sessions=1, duration=1, memory_questions=1)


def test_percentiles_and_memory_trend():
    lt = load_script()
    assert lt.percentile([1, 2, 3, 4, 5], 0.5) == 3 and lt.percentile([10, 20], 0.95) == 19.5
    trend = lt.memory_trend([100, 100, 101, 101, 102, 102, 110, 110])
    assert trend["first_quartile_mb"] == 100 and trend["last_quartile_mb"] == 110 and trend["growth_mb"] == 10


def test_the_app_trims_freed_memory_every_few_hundred_answers(tmp_path: Path, monkeypatch):
    import assistant.web.memory
    from assistant.web import service as web_service
    from assistant.web.feedback import FeedbackStore

    calls = []
    monkeypatch.setattr(assistant.web.memory, "trim", lambda: calls.append(1) or True)
    monkeypatch.setattr(web_service, "TRIM_EVERY", 5)
    service = web_service.ChatService(TinyPipeline(tmp_path / "f.sqlite3"), FeedbackStore(tmp_path / "f.sqlite3"))
    for _ in range(12):
        assert service.ask("Ai chủ trì?")["status"] == "answered"
    assert len(calls) == 2
