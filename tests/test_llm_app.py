"""The chat's "Dùng LLM" switch: shown only when an LLM is configured, passed to the pipeline, and a
fallback note shown with the answer (stand-in pipelines, no server)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from assistant.qa.llm.generate import NOTE_DOWN, NOTE_TAIL
from assistant.web import app as webapp
from assistant.web.feedback import FeedbackStore
from tests.test_app_api import TinyPipeline


class TinyLLMPipeline(TinyPipeline):
    """TinyPipeline with an LLM configured whose server is down: answers fall back with a note."""

    llm_available = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[dict[str, Any]] = []

    def ask(self, question: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        self.calls.append(kwargs)
        answer = super().ask(question, **kwargs)
        if not kwargs.get("llm"):
            return answer
        note = NOTE_DOWN + NOTE_TAIL
        return replace(answer, answer=f"_{note}_\n\n{answer.answer}", verified=False, llm_status="fallback",
                       llm_note=note, dropped=[{"sentence": "", "reason": "cannot reach the LLM"}])


def _switch(demo: Any) -> Any:
    return next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "cchc-llm")


def test_the_switch_is_shown_only_when_an_llm_is_configured(tmp_path) -> None:
    plain = webapp.build_app(TinyPipeline(tmp_path / "a.db"), feedback=FeedbackStore(tmp_path / "a.db"))
    with_llm = webapp.build_app(TinyLLMPipeline(tmp_path / "b.db"), feedback=FeedbackStore(tmp_path / "b.db"))
    try:
        assert _switch(plain).visible is False
        assert _switch(with_llm).visible is True and _switch(with_llm).label == "Dùng LLM"
    finally:
        plain.close()
        with_llm.close()


def test_the_switch_reaches_the_pipeline_and_the_fallback_note_is_shown(tmp_path) -> None:
    pipeline = TinyLLMPipeline(tmp_path / "f.db")
    service = webapp.ChatService(pipeline, FeedbackStore(tmp_path / "f.db"))
    off = service.ask("Ai chủ trì?")
    assert pipeline.calls[-1].get("llm") is None and off["verified"] is None and off["llm_note"] is None
    on = service.ask("Ai chủ trì?", llm=True)
    assert pipeline.calls[-1]["llm"] is True
    assert on["verified"] is False and on["llm_note"].startswith(NOTE_DOWN) and on["backend"] == "extractive"
    assert set(service.public(on)) >= {"backend", "verified", "dropped", "llm_note"}
    steps = list(webapp.chat_turn(service, "Ai chủ trì?", [], [], {}, "", "", stream_delay=0, llm=True))
    html = steps[-1][0][-1]["content"]
    assert "Chưa dùng được mô hình ngôn ngữ" in html and "cchc-card" in html


def test_llm_is_not_requested_when_none_is_configured(tmp_path) -> None:
    pipeline = TinyPipeline(tmp_path / "f.db")
    seen: list[dict[str, Any]] = []
    original = pipeline.ask
    pipeline.ask = lambda q, **kw: seen.append(kw) or original(q, **kw)  # type: ignore[method-assign]
    service = webapp.ChatService(pipeline, FeedbackStore(tmp_path / "f.db"))
    assert service.ask("Ai chủ trì?", llm=True)["status"] == "answered"
    assert "llm" not in seen[-1]
