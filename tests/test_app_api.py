"""The web app through its API: gradio_client against ``python app.py``'s app served on a free loopback port.

The end-to-end tests use the real corpus and model (``corpus_store``); the serving tests (login, refusing
an open non-loopback address, start-up log) use a tiny stand-in pipeline.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from gradio_client import Client

from assistant.core.settings import get_settings
from assistant.qa.answer import Answer, Citation
from assistant.web import app as webapp
from assistant.web.feedback import FeedbackStore

LANG_SON_Q = "Ai chủ trì cải cách tài chính công ở Lạng Sơn?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    url: str
    demo: Any
    store: FeedbackStore
    pipeline: Any


def start(pipeline: Any, feedback_db: Path, auth: list[tuple[str, str]] | None = None) -> Served:
    store = FeedbackStore(feedback_db)
    demo = webapp.build_app(pipeline, feedback=store, stream_delay=0.01)
    port = free_port()
    webapp.serve(demo, host="127.0.0.1", port=port, auth=auth, prevent_thread_lock=True, quiet=True)
    return Served(f"http://127.0.0.1:{port}/", demo, store, pipeline)


@pytest.fixture(scope="module")
def served(corpus_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    from assistant.qa.pipeline import get_pipeline

    pipeline = get_pipeline(get_settings(store=corpus_store))
    s = start(pipeline, tmp_path_factory.mktemp("feedback") / "feedback.sqlite3")
    yield s
    s.demo.close()


@pytest.fixture(scope="module")
def client(served: Served) -> Client:
    return Client(served.url, verbose=False)


# -- end to end (real corpus) ----------------------------------------------------------------------

@pytest.mark.slow
def test_api_names_the_public_endpoints_only(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert {"/ask", "/chat", "/feedback", "/documents"} <= set(endpoints)
    assert not any(name.startswith(("/respond", "/on_like", "/reset", "/use_example")) for name in endpoints)


@pytest.mark.slow
def test_ask_returns_the_answer_with_citations(client, served):
    out = client.predict(LANG_SON_Q, api_name="/ask")
    assert out["status"] == "answered" and not out["abstained"]
    assert "Sở Tài chính" in out["answer"] and "[1]" in out["answer"]
    cit = out["citations"][0]
    assert cit["doc_id"] == "lang-son-249-kh-ubnd-2021" and cit["so_hieu"] == "249/KH-UBND"
    assert cit["title"] and cit["section"] and cit["text"]
    text = served.pipeline.documents()[cit["doc_id"]]["text"]
    assert text[cit["start"]:cit["end"]] == cit["text"]  # the quote is exact
    assert out["answer_id"]


@pytest.mark.slow
def test_chat_streams_the_answer_then_the_full_result(client):
    job = client.submit(LANG_SON_Q, api_name="/chat")
    final = job.result(timeout=120)
    updates = job.outputs()
    assert len(updates) >= 3, updates
    partial = [u for u in updates if not u["done"]]
    assert partial and all(u["status"] == "streaming" for u in partial)
    lengths = [len(u["answer"]) for u in partial]
    assert lengths == sorted(lengths) and lengths[0] < len(final["answer"])
    assert all(final["answer"].startswith(u["answer"]) for u in partial)
    assert final["done"] and final["status"] == "answered" and final["citations"]
    assert updates[-1] == final


@pytest.mark.slow
def test_follow_up_uses_the_previous_questions(client):
    out = client.predict("còn Quảng Ngãi thì sao?", "", "", [LANG_SON_Q], api_name="/ask")
    assert out["status"] == "answered"
    assert "Quảng Ngãi" in (out["rewritten_question"] or "")
    assert {c["province"] for c in out["citations"]} == {"Quảng Ngãi"}


@pytest.mark.slow
def test_filters_apply_to_retrieval(client):
    out = client.predict("Ai chủ trì cải cách tài chính công?", "Quảng Ngãi", api_name="/ask")
    assert out["citations"] and {c["province"] for c in out["citations"]} == {"Quảng Ngãi"}
    out = client.predict("Mục tiêu Chỉ số PAR INDEX đến năm 2025?", "", "lang-son-249-kh-ubnd-2021", api_name="/ask")
    assert out["citations"] and {c["doc_id"] for c in out["citations"]} == {"lang-son-249-kh-ubnd-2021"}
    out = client.predict("Ai chủ trì?", "Hà Giang", api_name="/ask")
    assert out["status"] == "invalid" and "Hà Giang" in out["message"]


@pytest.mark.slow
def test_empty_and_over_long_questions_get_clear_messages(client):
    out = client.predict("   ", api_name="/ask")
    assert out["status"] == "invalid" and "trống" in out["message"]
    out = client.predict("Ai chủ trì? " + "x" * 2100, api_name="/ask")
    assert out["status"] == "invalid" and "vượt giới hạn 2.000 ký tự" in out["message"]
    assert ", vượt giới hạn" in out["message"] and "Hãy rút gọn câu hỏi, chỉ giữ" in out["message"]


@pytest.mark.slow
def test_abstention_says_so_and_lists_related_sections(client):
    out = client.predict("Thời tiết Hà Nội hôm nay thế nào?", api_name="/ask")
    assert out["status"] == "abstained" and out["abstained"]
    assert out["answer"].startswith("Các tài liệu hiện có không nêu") and out["related"]


@pytest.mark.slow
def test_feedback_is_stored_with_question_answer_citations_and_time(client, served):
    out = client.predict(LANG_SON_Q, api_name="/ask")
    before = served.store.count()
    res = client.predict(out["answer_id"], "down", "thiếu tên người phụ trách", api_name="/feedback")
    assert res["ok"], res
    row = served.store.rows()[-1]
    assert served.store.count() == before + 1
    assert row["vote"] == "down" and row["question"] == LANG_SON_Q and row["answer"] == out["answer"]
    assert row["citations"][0]["doc_id"] == "lang-son-249-kh-ubnd-2021" and row["ts"]
    assert row["comment"] == "thiếu tên người phụ trách" and row["source"] == "api"
    assert not client.predict("no-such-answer", "up", api_name="/feedback")["ok"]
    assert not client.predict(out["answer_id"], "maybe", api_name="/feedback")["ok"]


@pytest.mark.slow
def test_documents_endpoint_lists_the_index(client):
    docs = client.predict(api_name="/documents")
    assert len(docs) == 5 and all(d["chunks"] > 0 and d["title"] for d in docs)
    assert "text" not in docs[0]


@pytest.mark.slow
def test_the_example_questions_are_answered(client):
    for _, question in webapp.EXAMPLES:
        out = client.predict(question, api_name="/ask")
        assert out["status"] == "answered" and out["citations"], (question, out["answer"])


@pytest.mark.slow
def test_an_internal_error_is_logged_not_shown(client, served, monkeypatch, caplog):
    service = served.demo.service

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail from /srv/internal/path")

    monkeypatch.setattr(service, "pipeline", SimpleNamespace(ask=boom))
    with caplog.at_level(logging.ERROR, logger="assistant.web.service"):
        out = client.predict(LANG_SON_Q, api_name="/ask")
    assert out["status"] == "error" and "lỗi nội bộ" in out["message"]
    assert "secret" not in str(out) and "Traceback" not in str(out)
    assert any("secret detail" in (r.exc_text or "") or r.exc_info for r in caplog.records)


# -- serving (stand-in pipeline) -------------------------------------------------------------------

class TinyPipeline:
    """Just enough of Pipeline for the app: one document, one chunk, a fixed answer."""

    TEXT = "6. Sở Tài chính\n6.1. Chủ trì cải cách tài chính công."

    def __init__(self, feedback_db: Path) -> None:
        self.settings = get_settings(feedback_db=feedback_db)
        meta = {"doc_id": "d", "section": "6. Sở Tài chính", "chunk_index": 0, "start": 0, "end": len(self.TEXT),
                "title": "Kế hoạch thử", "so_hieu": "1/KH-UBND", "province": "Lạng Sơn"}
        self.index = SimpleNamespace(provinces=["Lạng Sơn"], chunks=[SimpleNamespace(chunk_id="d:0", text=self.TEXT,
                                                                                     metadata=meta)])
        self.load_seconds = 0.0

    def documents(self) -> dict[str, dict[str, Any]]:
        return {"d": {"title": "Kế hoạch thử", "so_hieu": "1/KH-UBND", "province": "Lạng Sơn", "chunks": 1,
                      "doc_type": "Kế hoạch", "text": self.TEXT}}

    def ask(self, question: str, **kwargs: Any) -> Answer:
        quote = "6.1. Chủ trì cải cách tài chính công."
        start = self.TEXT.index(quote)
        return Answer(question=question, answer="**Sở Tài chính** chủ trì [1].", abstained=False, intent="who_leads",
                      citations=[Citation(1, "d:0", "d", "Kế hoạch thử", "1/KH-UBND", "Lạng Sơn", "6. Sở Tài chính",
                                          quote, start, start + len(quote))])


def test_login_is_required_when_auth_is_set(tmp_path):
    s = start(TinyPipeline(tmp_path / "f.sqlite3"), tmp_path / "f.sqlite3", auth=[("canbo", "mật-khẩu")])
    try:
        with pytest.raises(Exception):  # noqa: B017 - gradio_client raises a plain ValueError/HTTP error
            Client(s.url, verbose=False)
        with pytest.raises(Exception):  # noqa: B017
            Client(s.url, auth=("canbo", "sai"), verbose=False)
        c = Client(s.url, auth=("canbo", "mật-khẩu"), verbose=False)
        assert c.predict("Ai chủ trì?", api_name="/ask")["status"] == "answered"
    finally:
        s.demo.close()


def test_the_page_carries_the_stylesheet_and_the_script(tmp_path):
    """The CSS and JavaScript are package data (assistant/web/static/), read once and served with the page."""
    import urllib.request

    from assistant.web import appearance

    assert ".cchc-card" in appearance.CSS and "MutationObserver" in appearance.HEAD
    s = start(TinyPipeline(tmp_path / "f.sqlite3"), tmp_path / "f.sqlite3")
    try:
        with urllib.request.urlopen(s.url, timeout=30) as r:
            page = r.read().decode("utf-8")
        assert r.status == 200 and "mark.cchc-fact" in page and "MutationObserver" in page
    finally:
        s.demo.close()


def test_load_auth_from_a_pair_or_a_file(tmp_path):
    assert webapp.load_auth(None) is None and webapp.load_auth("  ") is None
    assert webapp.load_auth("admin:a:b:c") == [("admin", "a:b:c")]
    users = tmp_path / "users.txt"
    users.write_text("# cán bộ\ncanbo1:pass1\n\ncanbo2:pass2\n", encoding="utf-8")
    assert webapp.load_auth(str(users)) == [("canbo1", "pass1"), ("canbo2", "pass2")]
    check = webapp.auth_checker(webapp.load_auth(str(users)) or [])
    assert check("canbo1", "pass1") and not check("canbo1", "pass2") and not check("nobody", "pass1")
    for bad in ("no-colon", ":nouser", "user:"):
        with pytest.raises(ValueError):
            webapp.load_auth(bad)


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                                ("127.0.0.2", True), ("0.0.0.0", False), ("192.168.1.5", False),
                                                ("example.org", False)])
def test_is_loopback(host, loopback):
    assert webapp.is_loopback(host) is loopback


@pytest.fixture
def fake_serving(monkeypatch, tmp_path):
    """main() with a stand-in pipeline and a serve() that records its arguments instead of serving."""
    import assistant.qa.pipeline

    calls: dict[str, Any] = {}
    monkeypatch.setattr(assistant.qa.pipeline, "get_pipeline", lambda settings=None: TinyPipeline(tmp_path / "f.db"))
    monkeypatch.setattr(webapp, "serve", lambda demo, **kw: calls.update(kw, demo=demo))
    monkeypatch.delenv("ASSISTANT_AUTH", raising=False)
    monkeypatch.delenv("ASSISTANT_HOST", raising=False)
    monkeypatch.delenv("ASSISTANT_PORT", raising=False)
    return calls


def test_main_serves_loopback_7860_by_default_and_logs_load_time(fake_serving, caplog):
    with caplog.at_level(logging.INFO, logger="assistant.web.app"):
        assert webapp.main([]) == 0
    assert fake_serving["host"] == "127.0.0.1" and fake_serving["port"] == 7860 and fake_serving["auth"] is None
    assert any("pipeline loaded in" in r.getMessage() for r in caplog.records)


def test_main_refuses_an_open_non_loopback_address(fake_serving, capsys):
    assert webapp.main(["--host", "0.0.0.0", "--port", "8080"]) == 2
    assert "refusing to listen on 0.0.0.0" in capsys.readouterr().err and not fake_serving


def test_main_serves_a_non_loopback_address_with_auth_or_insecure(fake_serving, monkeypatch):
    assert webapp.main(["--host", "0.0.0.0", "--insecure"]) == 0
    assert fake_serving["host"] == "0.0.0.0" and fake_serving["auth"] is None
    monkeypatch.setenv("ASSISTANT_AUTH", "canbo:bi-mat")
    assert webapp.main(["--host", "0.0.0.0", "--port", "8080"]) == 0
    assert fake_serving["auth"] == [("canbo", "bi-mat")] and fake_serving["port"] == 8080


def test_main_reports_a_bad_auth_setting(fake_serving, monkeypatch, capsys):
    monkeypatch.setenv("ASSISTANT_AUTH", "no-colon-here")
    assert webapp.main([]) == 2
    assert "ASSISTANT_AUTH" in capsys.readouterr().err and not fake_serving


# -- the chat handler (stand-in pipeline) ----------------------------------------------------------

SKIP = {"__type__": "update"}


@pytest.fixture
def tiny_service(tmp_path) -> webapp.ChatService:
    return webapp.ChatService(TinyPipeline(tmp_path / "f.sqlite3"), FeedbackStore(tmp_path / "f.sqlite3"))


def test_chat_turn_streams_then_shows_sources_and_remembers_the_question(tiny_service):
    steps = list(webapp.chat_turn(tiny_service, "Ai chủ trì?", [], [], {}, "", "", stream_delay=0))
    chat, box, past, answered, notice = steps[0]
    assert box == "" and notice == "" and "Đang tra cứu" in chat[-1]["content"]
    assert len(steps) >= 4 and any("cchc-streaming" in s[0][-1]["content"] for s in steps[1:-1])
    chat, _, past, answered, _ = steps[-1]
    assert [m["role"] for m in chat] == ["user", "assistant"]
    assert "cchc-card" in chat[-1]["content"] and "1/KH-UBND" in chat[-1]["content"]
    assert past == ["Ai chủ trì?"] and set(answered) == {"1"}
    # the next question carries the history
    steps = list(webapp.chat_turn(tiny_service, "còn Quảng Ngãi thì sao?", chat, past, answered, "", "",
                                  stream_delay=0))
    assert steps[-1][2] == ["Ai chủ trì?", "còn Quảng Ngãi thì sao?"] and set(steps[-1][3]) == {"1", "3"}


def test_likes_in_the_chat_are_stored(tiny_service):
    *_, (chat, _, past, answered, _) = webapp.chat_turn(tiny_service, "Ai chủ trì?", [], [], {}, "", "",
                                                         stream_delay=0)
    assert webapp.record_like(tiny_service, answered, 1, True) == "up"
    assert webapp.record_like(tiny_service, answered, [1, None], False) == "down"
    assert webapp.record_like(tiny_service, answered, 0, True) is None  # the user's own message
    assert webapp.record_like(tiny_service, answered, 1, None) is None  # a vote taken back
    rows = tiny_service.feedback.rows()
    assert [r["vote"] for r in rows] == ["up", "down"] and rows[0]["question"] == "Ai chủ trì?"
    assert rows[0]["citations"][0]["so_hieu"] == "1/KH-UBND" and rows[0]["source"] == "web"


@pytest.mark.parametrize(("question", "expected"), [("", "Câu hỏi đang trống"), ("?? !!", "Câu hỏi đang trống"),
                                                    ("Ai chủ trì? " * 300, "vượt giới hạn 2.000 ký tự")])
def test_chat_turn_explains_an_empty_or_over_long_question_and_keeps_the_text(tiny_service, question, expected):
    steps = list(webapp.chat_turn(tiny_service, question, [], [], {}, "", "", stream_delay=0))
    assert len(steps) == 1
    chat, box, past, answered, notice = steps[0]
    assert chat == box == past == answered == SKIP  # nothing added to the chat; the box keeps the text
    assert expected in notice and 'role="alert"' in notice


def test_chat_turn_shows_an_internal_error_without_the_trace(tiny_service, caplog):
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail from /srv/internal/path")

    tiny_service.pipeline = SimpleNamespace(ask=boom)
    with caplog.at_level(logging.ERROR, logger="assistant.web.service"):
        *_, (chat, _, past, answered, _) = webapp.chat_turn(tiny_service, "Ai chủ trì?", [], [], {}, "", "",
                                                             stream_delay=0)
    shown = chat[-1]["content"]
    assert "lỗi nội bộ" in shown and "mã lỗi" in shown
    assert "secret" not in shown and "Traceback" not in shown and "RuntimeError" not in shown
    assert past == [] and answered == {}
    assert any(r.exc_info and "secret detail" in str(r.exc_info[1]) for r in caplog.records)
