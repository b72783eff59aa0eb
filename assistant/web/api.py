"""The public API of the chat, for ``gradio_client`` (see the README): ``/ask`` (one JSON answer), ``/chat``
(the same, streamed), ``/feedback`` (vote on an answer by its ``answer_id``) and ``/documents``; for editors
``/add_document``, ``/replace_document`` and ``/remove_document`` (others get ``status`` 403 and a message).

The endpoints' names, parameters and docstrings are what ``gradio_client`` users see, so they are
part of the interface; everything they do is delegated to the :class:`~assistant.web.service.ChatService`.
"""

from __future__ import annotations

import base64
import binascii
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import gradio as gr

from assistant.index.documents import Outcome
from assistant.web import rendering, texts
from assistant.web.documents_desk import DocumentsDesk, NotEditor
from assistant.web.service import SHOWN, STREAM_FRAMES, ChatService

log = logging.getLogger(__name__)

#: Fields of an indexed document listed by /documents (never its text or source path).
DOCUMENT_FIELDS = ("title", "so_hieu", "doc_type", "issuer", "province", "period", "date_issued", "source_kind",
                   "chunks", "added_by", "added_at")


def register(service: ChatService, desk: DocumentsDesk | None = None, *, stream_delay: float) -> None:
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

    if desk is not None:
        register_documents(desk)
    gr.api(ask, api_name="ask", concurrency_id="chat")
    gr.api(chat, api_name="chat", concurrency_id="chat")
    gr.api(feedback, api_name="feedback", queue=False)
    gr.api(documents, api_name="documents", queue=False)


def register_documents(desk: DocumentsDesk) -> None:
    """The editors' endpoints. A file travels as its name and its bytes in base64 (``base64.b64encode(data)
    .decode()``), so any HTTP client can send one without Gradio's upload protocol."""

    def change(request: gr.Request | None, action: Callable[[str | None], Outcome]) -> dict:
        user = getattr(request, "username", None) if request is not None else None
        try:
            outcome = action(user)
        except NotEditor as exc:
            return {"ok": False, "status": 403, "message": str(exc)}
        except ValueError as exc:  # a malformed request
            return {"ok": False, "status": 400, "message": str(exc)}
        result = outcome.to_dict()
        result["status"] = 200 if result["ok"] else 422
        result["message"] = " ".join(r["message"] for r in result["refused"]) or "Đã cập nhật kho văn bản."
        return result

    def add_document(name: str, content_base64: str, title: str = "", so_hieu: str = "", province: str = "",
                     date_issued: str = "", doc_type: str = "", request: gr.Request = None) -> dict:  # type: ignore[assignment]
        """Add one file (PDF, DOCX, HTML, TXT, MD) given by its name and its content in base64; the metadata
        given (title, so_hieu, province, date_issued as 31/12/2024, doc_type) replaces what is read from it.
        Editors only. Returns ok, status (200, 403, 422), message, added, updated, refused, seconds."""
        metadata = {"title": title, "so_hieu": so_hieu, "province": province, "date_issued": date_issued,
                    "doc_type": doc_type}
        return change(request, lambda user: _with_file(name, content_base64, lambda path: desk.add_now(
            user, [path], [name], metadata=metadata)))

    def replace_document(doc_id: str, name: str, content_base64: str, request: gr.Request = None) -> dict:  # type: ignore[assignment]
        """Publish a file (name and base64 content) as the new version of the document ``doc_id``. Editors only."""
        return change(request, lambda user: _with_file(name, content_base64, lambda path: desk.add_now(
            user, [path], [name], replaces=doc_id)))

    def remove_document(doc_id: str, request: gr.Request = None) -> dict:  # type: ignore[assignment]
        """Remove the document ``doc_id`` from the index. Editors only."""
        return change(request, lambda user: desk.remove(user, doc_id))

    gr.api(add_document, api_name="add_document", concurrency_id="documents", concurrency_limit=1)
    gr.api(replace_document, api_name="replace_document", concurrency_id="documents", concurrency_limit=1)
    gr.api(remove_document, api_name="remove_document", concurrency_id="documents", concurrency_limit=1)


def _with_file(name: str, content_base64: str, use: Callable[[Path], Outcome]) -> Outcome:
    """Write the decoded file to a temporary folder for ``use``; ValueError when it is not base64."""
    try:
        data = base64.b64decode(content_base64 or "", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("content_base64 không phải base64 hợp lệ; gửi base64.b64encode(nội dung tệp).") from exc
    with tempfile.TemporaryDirectory(prefix="cchc-api-") as tmp:
        path = Path(tmp) / "upload"
        path.write_bytes(data)
        return use(path)
