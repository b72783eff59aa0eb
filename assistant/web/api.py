"""The public API of the chat, for ``gradio_client`` (see the README): ``/ask`` (one JSON answer), ``/chat``
(the same, streamed), ``/feedback`` (vote on an answer by its ``answer_id``) and ``/documents``.

The endpoints' names, parameters and docstrings are what ``gradio_client`` users see, so they are
part of the interface; everything they do is delegated to the :class:`~assistant.web.service.ChatService`.
"""

from __future__ import annotations

import logging
import time

import gradio as gr

from assistant.web import rendering, texts
from assistant.web.service import SHOWN, STREAM_FRAMES, ChatService

log = logging.getLogger(__name__)

#: Fields of an indexed document listed by /documents (never its text or source path).
DOCUMENT_FIELDS = ("title", "so_hieu", "doc_type", "issuer", "province", "period", "date_issued", "source_kind",
                   "chunks")


def register(service: ChatService, *, stream_delay: float) -> None:
    """Add the endpoints to the enclosing ``gr.Blocks``."""

    def ask(question: str, province: str = "", document: str = "", history: list[str] | None = None,
            llm: bool = False) -> dict:
        """Answer a question. ``province`` (e.g. "Lạng Sơn") and ``document`` (a doc_id from
        /documents) filter retrieval; ``history`` is the list of earlier questions, for follow-ups;
        ``llm`` lets the configured LLM write the answer (verified against the sources).
        Returns answer_id, status (answered | unsure | abstained | invalid | error), confident (false:
        no fact is stated, only passages that may answer), confidence, answer (Markdown with [n]
        markers and a "Căn cứ" list), citations, related, rewritten_question, message, backend,
        verified, dropped and llm_note."""
        return service.public(service.ask(question, province or None, document or None, history, llm=bool(llm)))

    def chat(question: str, province: str = "", document: str = "", history: list[str] | None = None,
             llm: bool = False) -> dict:  # a generator of dicts: gr.api derives the schema from this hint
        """Like /ask, streamed: updates carry the answer so far with done=false; the last update is
        the full result with done=true."""
        result = service.ask(question, province or None, document or None, history, llm=bool(llm))
        if result["status"] in SHOWN:
            for prefix in rendering.progressive_text(result["answer"], STREAM_FRAMES)[:-1]:
                yield {"answer_id": result["answer_id"], "status": "streaming", "answer": prefix, "done": False}
                time.sleep(stream_delay)
        yield {**service.public(result), "done": True}

    def feedback(answer_id: str, vote: str, comment: str = "") -> dict:
        """Record 👍 (vote="up") or 👎 (vote="down") on an answer returned by /ask or /chat."""
        result = service.recall(answer_id)
        if result is None:
            return {"ok": False, "message": texts.API_UNKNOWN_ANSWER}
        try:
            row = service.record_feedback(result, vote, source="api", comment=(comment or "")[:2000] or None)
        except ValueError as exc:
            return {"ok": False, "message": str(exc)}
        except Exception:
            log.exception("could not store feedback")
            return {"ok": False, "message": texts.API_FEEDBACK_NOT_SAVED}
        return {"ok": True, "id": row, "message": texts.API_FEEDBACK_SAVED}

    def documents() -> list:
        """The indexed documents: doc_id, title, so_hieu, doc_type, province, period, date_issued,
        source_kind and chunks (the number of indexed passages)."""
        return [{"doc_id": doc_id, **{k: d.get(k) for k in DOCUMENT_FIELDS}}
                for doc_id, d in sorted(service.documents.items())]

    gr.api(ask, api_name="ask", concurrency_id="chat")
    gr.api(chat, api_name="chat", concurrency_id="chat")
    gr.api(feedback, api_name="feedback", queue=False)
    gr.api(documents, api_name="documents", queue=False)
