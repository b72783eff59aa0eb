"""The service layer behind every chat event and API call: one :class:`ChatService` per app.

It validates a question, has the shared pipeline answer it on a small fixed pool of threads, keeps
recent answers so 👍/👎 can refer to them, stores feedback, and renders results with
:mod:`assistant.web.rendering`. It never raises for a question: problems become a status and a message,
and internal errors are logged with a reference the user can quote. No Gradio here, so it is tested
directly.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict, defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from assistant.web import rendering, texts
from assistant.web.feedback import FeedbackStore

log = logging.getLogger(__name__)

#: Questions answered by the pipeline at the same time (CPU-bound; the rest wait their turn).
PIPELINE_SLOTS = 2
#: Freed heap memory is given back to the OS after this many answers.
TRIM_EVERY = 200
#: Streaming: frames per answer (the answer itself is computed at once).
STREAM_FRAMES = 14

#: The statuses of a result that is an answer (a stated fact, passages without one, nothing found).
SHOWN = frozenset({"answered", "unsure", "abstained"})
#: What the API returns for a result, in this order.
PUBLIC_FIELDS = ("answer_id", "status", "question", "rewritten_question", "answer", "abstained", "confident",
                 "confidence", "intent",
                 "citations", "related", "province", "doc_id", "message", "backend", "verified", "dropped",
                 "llm_note")


class ChatService:
    """Validates a question, asks the shared pipeline, keeps recent answers for feedback, and renders."""

    def __init__(self, pipeline: Any, feedback: FeedbackStore, *, pipeline_slots: int = PIPELINE_SLOTS,
                 keep_answers: int = 5000) -> None:
        self.feedback = feedback
        self.max_chars = int(getattr(getattr(pipeline, "settings", None), "max_question_chars", 2000))
        # The pipeline runs on a fixed pool of threads, first come first served: torch keeps per-thread
        # buffers, so answering on whichever of Gradio's many worker threads made memory grow with each one.
        self._workers = ThreadPoolExecutor(max_workers=pipeline_slots, thread_name_prefix="pipeline")
        self._answers: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._answers_lock = threading.Lock()
        self._keep = keep_answers
        self._answered = 0
        self.use(pipeline)

    def use(self, pipeline: Any) -> None:
        """Answer from ``pipeline`` from now on (a newly published index); questions already being
        answered finish on the previous one."""
        chunks: dict[str, list[Any]] = defaultdict(list)
        for chunk in pipeline.index.chunks:
            chunks[chunk.metadata.get("doc_id", "")].append(chunk)
        self._chunks, self.documents, self.provinces = chunks, pipeline.documents(), list(pipeline.index.provinces)
        self.pipeline = pipeline

    @property
    def llm_available(self) -> bool:
        return bool(getattr(self.pipeline, "llm_available", False))

    # -- questions ---------------------------------------------------------------------------------

    def check(self, question: str | None) -> str | None:
        """The message to show instead of an answer, for an empty or over-long question."""
        text = (question or "").strip()
        if not text or not any(ch.isalnum() for ch in text):
            return texts.EMPTY_QUESTION
        if len(text) > self.max_chars:
            # Vietnamese writes the thousands separator as "." (2.500)
            return texts.QUESTION_TOO_LONG.format(length=f"{len(text):,}".replace(",", "."),
                                                  limit=f"{self.max_chars:,}".replace(",", "."))
        return None

    def ask(self, question: str, province: str | None = None, doc_id: str | None = None,
            history: list[str] | None = None, llm: bool = False) -> dict[str, Any]:
        """Answer one question; never raises. ``status`` is answered, abstained, invalid or error.
        ``llm`` lets the configured LLM write the answer (verified; the extractive one otherwise)."""
        result: dict[str, Any] = {
            "answer_id": uuid.uuid4().hex, "status": "invalid", "question": (question or "").strip(),
            "province": province or None, "doc_id": doc_id or None, "answer": "", "abstained": True,
            "intent": None, "citations": [], "related": [], "rewritten_question": None, "message": None,
            "backend": "extractive", "verified": None, "dropped": [], "llm_note": None,
        }
        problem = self.check(question)
        if problem:
            result.update(message=problem, answer=problem)
            return result
        from assistant.qa.pipeline import QuestionError

        started = time.perf_counter()
        try:
            earlier = [h for h in (history or []) if isinstance(h, str) and h.strip()][-20:]
            extra = {"llm": True} if llm and self.llm_available else {}
            answer = self._workers.submit(self.pipeline.ask, result["question"], province=province or None,
                                          doc_id=doc_id or None, history=earlier or None, **extra).result()
        except QuestionError as exc:
            result.update(message=str(exc), answer=str(exc))
            return result
        except Exception:
            ref = uuid.uuid4().hex[:8]
            log.exception("internal error while answering a question (ref %s, %d chars)", ref, len(result["question"]))
            message = texts.ANSWER_FAILED.format(ref=ref)
            result.update(status="error", message=message, answer=message)
            return result
        self._fill(result, answer.to_dict(), province, doc_id)
        log.info("answered in %.0f ms: status=%s intent=%s citations=%d", (time.perf_counter() - started) * 1000,
                 result["status"], result["intent"], len(result["citations"]))
        self._remember(result)
        return result

    def _fill(self, result: dict[str, Any], data: dict[str, Any], province: str | None, doc_id: str | None) -> None:
        """Copy the pipeline's answer ``data`` into ``result``."""
        result["scope"] = self.scope_label(province, doc_id)
        result.update(
            status=answer_status(data), answer=data["answer"], abstained=bool(data["abstained"]),
            confident=bool(data.get("confident", not data["abstained"])), confidence=data.get("confidence"), intent=data.get("intent"), citations=data.get("citations") or [],
            related=data.get("related") or [], rewritten_question=data.get("rewritten_question"),
            backend=data.get("backend", "extractive"), verified=data.get("verified"),
            dropped=data.get("dropped") or [], llm_note=data.get("llm_note"),
        )

    def _remember(self, result: dict[str, Any]) -> None:
        with self._answers_lock:
            self._answers[result["answer_id"]] = result
            while len(self._answers) > self._keep:
                self._answers.popitem(last=False)
            self._answered += 1
            trim = self._answered % TRIM_EVERY == 0
        if trim:  # keeps the resident size flat under load (see assistant.web.memory)
            from assistant.web.memory import trim as trim_memory

            trim_memory()

    def recall(self, answer_id: str) -> dict[str, Any] | None:
        """A recent result by its ``answer_id`` (the last ``keep_answers`` are kept), or None."""
        with self._answers_lock:
            return self._answers.get(answer_id)

    # -- feedback ----------------------------------------------------------------------------------

    def record_feedback(self, result: dict[str, Any], vote: object, *, source: str, comment: str | None = None) -> int:
        return self.feedback.record(
            result.get("question", ""), result.get("answer", ""), result.get("citations", []), vote,
            rewritten_question=result.get("rewritten_question"), province=result.get("province"),
            doc_id=result.get("doc_id"), abstained=result.get("abstained"), answer_id=result.get("answer_id"),
            comment=comment, source=source)

    # -- rendering ---------------------------------------------------------------------------------

    def _section(self, doc_id: str, section: str, chunk_id: str | None = None, quote: str = "",
                 quote_start: int | None = None) -> rendering.SectionText | None:
        doc = self.documents.get(doc_id) or {}
        text = doc.get("text") or ""
        bounds = rendering.section_bounds(self._chunks.get(doc_id, []), doc_id, section, chunk_id, quote_start)
        if not text or bounds is None:
            return None
        return rendering.section_text(text, bounds, quote, quote_start)

    def passage(self, doc_id: str, chunk_id: str | None, quote: str = "",
                quote_start: int | None = None) -> rendering.SectionText | None:
        """The full section around a passage known by its chunk id (used by the commitments tab)."""
        section = next((c.metadata.get("section", "") for c in self._chunks.get(doc_id, [])
                        if c.chunk_id == chunk_id), "")
        return self._section(doc_id, section, chunk_id, quote, quote_start)

    def render(self, result: dict[str, Any]) -> str:
        """The full assistant message for a result."""
        if result["status"] == "invalid":
            return rendering.notice_html(result["message"], "warn")
        if result["status"] == "error":
            return rendering.notice_html(result["message"], "error")
        sections = {int(c["n"]): self._section(c["doc_id"], c["section"], c.get("chunk_id"), c.get("text", ""),
                                               c.get("start")) for c in result["citations"]}
        related = [self._section(r.get("doc_id", ""), r.get("section", "")) for r in result["related"]]
        return rendering.answer_html(result, sections=sections, related_sections=related)

    def stream_frames(self, result: dict[str, Any], frames: int = STREAM_FRAMES) -> list[str]:
        """Growing prefixes of the message, the last one being the complete message."""
        final = self.render(result)
        if result["status"] not in SHOWN:
            return [final]
        head = rendering.progressive_html(rendering.answer_head_html(result), frames)
        return [rendering.streaming_html(h, result["status"]) for h in head] + [final]

    def public(self, result: dict[str, Any]) -> dict[str, Any]:
        """What the API returns for a result."""
        return {k: result.get(k) for k in PUBLIC_FIELDS}

    # -- filters -----------------------------------------------------------------------------------

    def scope_label(self, province: str | None, doc_id: str | None) -> str | None:
        """The active filters in words ("Quảng Ngãi · Quyết định 534/QĐ-UBND"), or None."""
        parts = [province] if province else []
        if doc_id:
            d = self.documents.get(doc_id) or {}
            kind = d.get("doc_type") or "Văn bản"
            parts.append(f"{kind} {d['so_hieu']}" if d.get("so_hieu") else str(d.get("title") or doc_id))
        return " · ".join(parts) or None

    def document_choices(self, province: str | None = None) -> list[tuple[str, str]]:
        """The document filter's (label, doc_id) choices, of one province or all."""
        choices = [("Tất cả văn bản", "")]
        for doc_id, d in sorted(self.documents.items(), key=lambda kv: (kv[1].get("province", ""), kv[0])):
            if province and d.get("province") != province:
                continue
            kind = d.get("doc_type") or "Văn bản"
            label = f"{kind} {d['so_hieu']}" if d.get("so_hieu") else str(d.get("title", doc_id))
            if len(label) > 70:
                label = label[:68].rstrip() + "…"
            choices.append((f"{d.get('province', '')} – {label}", doc_id))
        return choices

    def province_choices(self) -> list[tuple[str, str]]:
        return [("Tất cả tỉnh", "")] + [(p, p) for p in self.provinces]


def answer_status(data: dict[str, Any]) -> str:
    """answered (a fact is stated), unsure (passages that may answer, no fact stated) or abstained."""
    if data["abstained"]:
        return "abstained"
    return "answered" if data.get("confident", True) else "unsure"
