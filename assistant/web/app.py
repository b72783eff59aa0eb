"""The web chat: ``python app.py [--host HOST] [--port PORT] [--store DIR] [--insecure]``.

One :class:`~assistant.qa.pipeline.Pipeline` is loaded at start and shared by every browser session and
API call. The page is a Gradio Blocks app in Vietnamese: a chat whose answers stream in with their
sources (title, số hiệu, section, the quote with the supporting words marked, expandable to the full
section), province and document filters, example questions, 👍/👎 feedback stored in SQLite, and a
"Về dữ liệu" tab listing the indexed documents.

API (for ``gradio_client``; see the README): ``/ask`` (one JSON answer), ``/chat`` (the same, streamed),
``/feedback`` (vote on an answer by its ``answer_id``) and ``/documents``.

Serving: 127.0.0.1:7860 by default. ``ASSISTANT_AUTH=user:pass`` (or the path of a file with one
``user:pass`` per line) turns on login; a non-loopback ``--host`` is refused without it unless
``--insecure`` is given.
"""

from __future__ import annotations

import argparse
import hmac
import ipaddress
import logging
import os
import sys
import threading
import time
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.web import rendering
from assistant.web.commitments_tab import build_tab as build_commitments_tab
from assistant.web.feedback import FeedbackStore, normalise_vote

log = logging.getLogger(__name__)

TITLE = "Trợ lý CCHC"
SUBTITLE = ("Hỏi đáp về kế hoạch cải cách hành chính của các tỉnh. Mỗi câu trả lời trích nguyên văn "
            "từ văn bản, kèm nguồn để đối chiếu.")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
#: Gradio queue: events of one kind running at once, and requests allowed to wait.
QUEUE_CONCURRENCY = 8
QUEUE_MAX_SIZE = 64
#: Questions answered by the pipeline at the same time (CPU-bound; the rest wait their turn).
PIPELINE_SLOTS = 2
#: Freed heap memory is given back to the OS after this many answers.
TRIM_EVERY = 200
#: Streaming: frames per answer and pause between them (the answer itself is computed at once).
STREAM_FRAMES = 14
STREAM_DELAY = 0.04
#: The chat fills the screen below the header, filters and input box (phones included).
CHAT_HEIGHT = "calc(100dvh - 360px)"
CHAT_LAYOUT = "panel"

EXAMPLES: list[tuple[str, str]] = [
    ("Ai phụ trách?", "Ai chủ trì cải cách tài chính công ở Lạng Sơn?"),
    ("Chỉ tiêu 2025", "Đến năm 2025, Tuyên Quang đặt mục tiêu mức hài lòng của người dân, tổ chức với sự phục vụ "
                      "của cơ quan hành chính nhà nước đạt bao nhiêu?"),
    ("So sánh các tỉnh", "So sánh mục tiêu Chỉ số cải cách hành chính đến năm 2025 của Lạng Sơn và Tuyên Quang."),
    ("Câu hỏi của người dân", "Cho em hỏi ở Bình Thuận nếu trễ hẹn giải quyết hồ sơ thì cơ quan có phải xin lỗi "
                              "dân không ạ?"),
]

PLACEHOLDER = (
    "<div class='cchc-welcome'><p><strong>Xin chào!</strong> Hãy đặt câu hỏi về kế hoạch cải cách hành chính "
    "của các tỉnh, hoặc chọn một câu hỏi mẫu bên dưới.</p>"
    "<p class='cchc-muted'>Có thể hỏi tiếp, ví dụ “còn Quảng Ngãi thì sao?”.</p></div>"
)

FOOTER = ("Trợ lý chỉ trích dẫn các văn bản trong kho dữ liệu (xem thẻ “Về dữ liệu”) và nói rõ khi văn bản "
          "không nêu. Thông tin mang tính tham khảo; hãy đối chiếu với văn bản gốc trước khi sử dụng. "
          "Bấm nút thích / không thích dưới mỗi câu trả lời để góp ý.")

# Gradio's login form has no Vietnamese translation; the message explains its fields.
AUTH_MESSAGE = ("Trợ lý CCHC – đăng nhập bằng tài khoản được cấp: nhập tên đăng nhập vào ô “username”, "
                "mật khẩu vào ô “password”, rồi bấm “Login”.")

CSS = """
/* the commitments grid: Vietnamese text in the body font (the default monospace mangles stacked diacritics) */
#cchc-c-table .cell-wrap span, #cchc-c-table .header-content { font-family: var(--font) !important; }
.cchc-compare { border-collapse: collapse; width: 100%; }
.cchc-compare th, .cchc-compare td { border: 1px solid var(--border-color-primary); padding: 4px 8px; text-align: left; }
.gradio-container { max-width: 1080px !important; margin: 0 auto !important; }
#cchc-header h1 { font-size: 1.45rem; margin: 0 0 .15rem 0; }
#cchc-header p { margin: 0; color: var(--body-text-color-subdued); }
.cchc-muted { color: var(--body-text-color-subdued); font-size: .9em; }
.cchc-welcome { padding: .5em .8em; }
.cchc-welcome p { margin: .25rem 0; }
.cchc-user { white-space: normal; overflow-wrap: anywhere; }
.cchc-answer p { margin: 0 0 .45em 0; }
.cchc-answer ul { margin: .2em 0 .45em 1.2em; padding: 0; }
.cchc-answer { overflow-wrap: anywhere; }
.cchc-ref { font-size: .75em; font-weight: 600; vertical-align: super; line-height: 1;
  color: var(--color-accent); padding: 0 .08em; }
.cchc-scope { font-size: .85em; color: var(--body-text-color-subdued); margin-bottom: .2em !important; }
.cchc-rewritten { font-size: .88em; font-style: italic; color: var(--body-text-color-subdued); }
.cchc-sources { margin-top: .7em; padding-top: .5em; border-top: 1px solid var(--border-color-primary); }
.cchc-sources-h { font-weight: 600; font-size: .9em; margin-bottom: .35em; color: var(--body-text-color-subdued); }
.cchc-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .55em .7em;
  margin: .45em 0; background: var(--background-fill-primary); }
.cchc-card-head { line-height: 1.4; }
.cchc-n { font-weight: 700; color: var(--color-accent); }
.cchc-title { font-weight: 600; font-size: .95em; }
.cchc-badge { display: inline-block; font-size: .78em; padding: 0 .45em; margin: 0 .15em; border-radius: 999px;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-secondary); white-space: nowrap; }
.cchc-section { font-size: .86em; margin-top: .2em; color: var(--body-text-color); }
.cchc-answer blockquote.cchc-quote-text { margin: .45em 0; padding: .35em .6em; border-left: 3px solid var(--color-accent);
  background: var(--background-fill-secondary); font-style: normal; }
.cchc-answer mark { color: #1a1a1a; border-radius: 2px; padding: 0 .05em; }
mark.cchc-fact { background: #ffd43b; font-weight: 600; }
mark.cchc-term { background: #fff3bf; }
mark.cchc-quote { background: #fff3bf; }
details.cchc-full > summary { cursor: pointer; font-size: .88em; color: var(--link-text-color, var(--color-accent));
  padding: .2em 0; }
.cchc-section-text { position: relative; max-height: 320px; overflow: auto; font-size: .88em; line-height: 1.5;
  padding: .45em .6em; margin-top: .25em; border: 1px dashed var(--border-color-primary); border-radius: 6px; }
.cchc-abstain { border-left: 4px solid #f59f00; background: rgba(255, 212, 59, .12); padding: .45em .7em;
  border-radius: 6px; }
.cchc-abstain-h { font-weight: 600; margin-bottom: .25em; }
.cchc-notice { padding: .45em .7em; border-radius: 6px; margin: .2em 0; }
.cchc-notice-warn { background: rgba(255, 212, 59, .18); border-left: 4px solid #f59f00; }
.cchc-notice-error { background: rgba(250, 82, 82, .12); border-left: 4px solid #e03131; }
.cchc-notice-info { background: rgba(77, 171, 247, .12); border-left: 4px solid #1c7ed6; }
#cchc-notice:empty { display: none; }
.cchc-doc-table { width: 100%; border-collapse: collapse; font-size: .92em; border: none !important; }
.cchc-doc-table th { text-align: left; font-weight: 600; border: none !important;
  border-bottom: 2px solid var(--border-color-primary) !important; padding: .4em .5em; }
.cchc-doc-table td { vertical-align: top; border: none !important;
  border-bottom: 1px solid var(--border-color-primary) !important; padding: .5em; }
.cchc-doc-table tr { border: none !important; }
.cchc-doc-table .cchc-num { text-align: right; }
.cchc-doc-title { font-weight: 600; }
.cchc-docs code { font-size: .9em; }
#cchc-footer { font-size: .85em; color: var(--body-text-color-subdued); }
@media (max-width: 640px) {
  #cchc-header h1 { font-size: 1.15rem; }
  #cchc-header p { font-size: .8em; line-height: 1.3; }
  .cchc-doc-table thead { display: none; }
  .cchc-doc-table, .cchc-doc-table tbody, .cchc-doc-table tr, .cchc-doc-table td { display: block; width: 100%; }
  .cchc-doc-table tr { border: 1px solid var(--border-color-primary) !important; border-radius: 8px; margin: .6em 0;
    padding: .3em .2em; }
  .cchc-doc-table td { border: none !important; padding: .15em .5em; }
  .cchc-doc-table td[data-label]:not(:first-child)::before { content: attr(data-label) ": ";
    color: var(--body-text-color-subdued); }
  .cchc-doc-table .cchc-num { text-align: left; }
  .cchc-section-text { max-height: 260px; }
}
"""

# Opening "Xem toàn văn mục" scrolls the section to the quote; a new question is scrolled to the top of
# the chat so its answer reads from the start (the answer and its sources can be taller than the chat).
HEAD = """
<style>
@media (max-width: 640px) { .gradio-container > .main { padding: 6px 8px !important; } }
</style>
<script>
(function () {
  var seen = 0, pin = null, until = 0;
  function stop() { pin = null; }
  ['wheel', 'touchstart', 'keydown'].forEach(function (e) { window.addEventListener(e, stop, {passive: true}); });
  new MutationObserver(function () {
    var chat = document.getElementById('cchc-chat');
    if (!chat) return;
    var users = chat.querySelectorAll('.cchc-user');
    if (users.length > seen) { pin = true; until = Date.now() + 20000; }
    seen = users.length;
    if (!pin || !users.length || Date.now() > until) return;
    var last = users[users.length - 1];
    var done = !chat.querySelector('.cchc-pending, .cchc-streaming');
    var box = last.parentElement;
    while (box && box !== chat && !(box.scrollHeight > box.clientHeight &&
           /(auto|scroll)/.test(getComputedStyle(box).overflowY))) box = box.parentElement;
    if (!box) return;
    requestAnimationFrame(function () {
      var row = last.closest('.message-row') || last;
      box.scrollTop += row.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
    });
    if (done) pin = null;
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
document.addEventListener('toggle', function (event) {
  var d = event.target;
  if (!(d instanceof HTMLDetailsElement) || !d.open || !d.classList.contains('cchc-full')) return;
  var box = d.querySelector('.cchc-section-text');
  var mark = box && box.querySelector('mark.cchc-quote, mark.cchc-fact');
  if (box && mark) box.scrollTop = Math.max(0, mark.offsetTop - 24);
}, true);
</script>
"""


def _theme() -> gr.themes.Base:
    # System fonts: they cover Vietnamese on every platform, load nothing, and avoid Gradio's bundled
    # Source Sans Pro SemiBold, which draws "A" and "B" as small capitals ("PᴀR INDEX", "UʙND").
    system = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Noto Sans", "Helvetica Neue", "Arial", "sans-serif"]
    mono = ["ui-monospace", "SFMono-Regular", "Consolas", "Liberation Mono", "monospace"]
    return gr.themes.Default(primary_hue="blue", secondary_hue="sky", neutral_hue="slate", font=system, font_mono=mono)


# -- the logic shared by the web chat and the API ------------------------------------------------

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

    # questions
    def check(self, question: str | None) -> str | None:
        """The message to show instead of an answer, for an empty or over-long question."""
        text = (question or "").strip()
        if not text or not any(ch.isalnum() for ch in text):
            return "Câu hỏi đang trống. Hãy nhập một câu hỏi về kế hoạch cải cách hành chính."
        if len(text) > self.max_chars:
            return (f"Câu hỏi dài {len(text):,} ký tự, vượt giới hạn {self.max_chars:,} ký tự. "
                    "Hãy rút gọn câu hỏi, chỉ giữ phần cần hỏi.").replace(",", ".")
        return None

    @property
    def llm_available(self) -> bool:
        return bool(getattr(self.pipeline, "llm_available", False))

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
            message = ("Xin lỗi, hệ thống gặp lỗi nội bộ nên chưa trả lời được câu hỏi này. Vui lòng thử lại sau ít "
                       f"phút; nếu lỗi lặp lại, hãy báo cho quản trị viên kèm mã lỗi {ref}.")
            result.update(status="error", message=message, answer=message)
            return result
        data = answer.to_dict()
        result["scope"] = self.scope_label(province, doc_id)
        result.update(
            status="abstained" if data["abstained"] else "answered", answer=data["answer"],
            abstained=bool(data["abstained"]), intent=data.get("intent"), citations=data.get("citations") or [],
            related=data.get("related") or [], rewritten_question=data.get("rewritten_question"),
            backend=data.get("backend", "extractive"), verified=data.get("verified"),
            dropped=data.get("dropped") or [], llm_note=data.get("llm_note"),
        )
        log.info("answered in %.0f ms: status=%s intent=%s citations=%d", (time.perf_counter() - started) * 1000,
                 result["status"], result["intent"], len(result["citations"]))
        self._remember(result)
        return result

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
        with self._answers_lock:
            return self._answers.get(answer_id)

    # feedback
    def record_feedback(self, result: dict[str, Any], vote: object, *, source: str, comment: str | None = None) -> int:
        return self.feedback.record(
            result.get("question", ""), result.get("answer", ""), result.get("citations", []), vote,
            rewritten_question=result.get("rewritten_question"), province=result.get("province"),
            doc_id=result.get("doc_id"), abstained=result.get("abstained"), answer_id=result.get("answer_id"),
            comment=comment, source=source)

    # rendering
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
        if result["status"] not in {"answered", "abstained"}:
            return [final]
        kind = "abstained" if result["abstained"] else "answered"
        head = rendering.progressive_html(rendering.answer_head_html(result), frames)
        return [f'<div class="cchc-answer cchc-{kind} cchc-streaming">{h}</div>' for h in head] + [final]

    def public(self, result: dict[str, Any]) -> dict[str, Any]:
        """What the API returns for a result."""
        return {k: result.get(k) for k in ("answer_id", "status", "question", "rewritten_question", "answer",
                                           "abstained", "intent", "citations", "related", "province", "doc_id",
                                           "message", "backend", "verified", "dropped", "llm_note")}

    # filters
    def scope_label(self, province: str | None, doc_id: str | None) -> str | None:
        """The active filters in words ("Quảng Ngãi · Quyết định 534/QĐ-UBND"), or None."""
        parts = [province] if province else []
        if doc_id:
            d = self.documents.get(doc_id) or {}
            kind = d.get("doc_type") or "Văn bản"
            parts.append(f"{kind} {d['so_hieu']}" if d.get("so_hieu") else str(d.get("title") or doc_id))
        return " · ".join(parts) or None

    def document_choices(self, province: str | None = None) -> list[tuple[str, str]]:
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


# -- the Blocks UI -------------------------------------------------------------------------------

def _message(role: str, html: str) -> dict[str, Any]:
    return {"role": role, "content": html}


def chat_turn(service: ChatService, message: str, chat: list[dict[str, Any]] | None, past: list[str] | None,
              answered: dict[str, Any] | None, province: str | None, document: str | None, *,
              stream_delay: float = STREAM_DELAY, llm: bool = False) -> Iterator[tuple[Any, ...]]:
    """One question in the web chat. Yields (chat, question box, history, answered turns, notice); an
    output that does not change is ``gr.skip()``. Never raises: errors become messages, traces go to the log."""
    chat = list(chat or [])
    past = list(past or [])
    answered = dict(answered or {})
    problem = service.check(message)
    if problem:  # keep the text so it can be edited; say what is wrong under the box
        yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), rendering.notice_html(problem, "warn")
        return
    chat += [_message("user", rendering.user_html(message.strip())), _message("assistant", rendering.pending_html())]
    yield list(chat), "", past, answered, ""
    try:
        result = service.ask(message, province or None, document or None, past, llm=llm)
        frames = service.stream_frames(result)
    except Exception:  # a rendering bug must not show a stack trace either
        ref = uuid.uuid4().hex[:8]
        log.exception("internal error in the chat handler (ref %s)", ref)
        chat[-1] = _message("assistant", rendering.notice_html(
            f"Xin lỗi, hệ thống gặp lỗi nội bộ. Vui lòng thử lại sau; nếu lỗi lặp lại, hãy báo cho quản trị viên "
            f"kèm mã lỗi {ref}.", "error"))
        yield list(chat), gr.skip(), past, answered, ""
        return
    for frame in frames[:-1]:
        chat[-1] = _message("assistant", frame)
        yield list(chat), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        time.sleep(stream_delay)
    chat[-1] = _message("assistant", frames[-1])
    if result["status"] in {"answered", "abstained"}:
        past.append(result["question"])
        answered[str(len(chat) - 1)] = result
    yield chat, gr.skip(), past, answered, ""


def record_like(service: ChatService, answered: dict[str, Any] | None, index: Any, liked: Any) -> str | None:
    """Store a 👍/👎 given in the chat on the answer at message ``index``; returns the vote stored, or
    None (not an answer, or a vote taken back)."""
    position = index if isinstance(index, int) else (index[0] if isinstance(index, list | tuple) and index else -1)
    result = (answered or {}).get(str(position))
    if result is None:
        return None
    try:
        vote = normalise_vote(liked)
    except ValueError:
        return None
    service.record_feedback(result, vote, source="web")
    return vote


def build_app(pipeline: Any, *, feedback: FeedbackStore | None = None, stream_delay: float = STREAM_DELAY) -> gr.Blocks:
    """The web chat and its API around one shared pipeline."""
    store = feedback or FeedbackStore(pipeline.settings.feedback_db)
    service = ChatService(pipeline, store)

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        demo.service = service  # type: ignore[attr-defined]  (for tests and embedding)
        gr.HTML(f"<h1>{rendering.esc(TITLE)}</h1><p>{rendering.esc(SUBTITLE)}</p>", elem_id="cchc-header")
        history = gr.State([])  # the user's previous questions, for follow-ups
        turns = gr.State({})  # chat message index -> answer, for 👍/👎
        with gr.Tabs():
            with gr.Tab("Hỏi đáp", id="chat", elem_id="cchc-tab-chat"):
                with gr.Row(equal_height=True, elem_id="cchc-filters"):
                    province = gr.Dropdown(choices=service.province_choices(), value="", label="Tỉnh",
                                           elem_id="cchc-province", scale=1, min_width=140, filterable=False)
                    document = gr.Dropdown(choices=service.document_choices(), value="", label="Văn bản",
                                           elem_id="cchc-document", scale=1, min_width=140, filterable=False)
                chatbot = gr.Chatbot(
                    label="Hội thoại", show_label=False, elem_id="cchc-chat", height=CHAT_HEIGHT,
                    min_height=320, placeholder=PLACEHOLDER, buttons=[], latex_delimiters=[],
                    examples=[{"text": q} for _, q in EXAMPLES],
                    feedback_options=("Like", "Dislike"), autoscroll=False, layout=CHAT_LAYOUT,
                    group_consecutive_messages=False)
                with gr.Row(equal_height=True, elem_id="cchc-input-row"):
                    question = gr.Textbox(
                        placeholder="Nhập câu hỏi của bạn…", show_label=False, label="Câu hỏi",
                        lines=1, max_lines=6, scale=5, min_width=180, elem_id="cchc-question", autofocus=True,
                        submit_btn=False, container=False)
                    send = gr.Button("Gửi", variant="primary", scale=0, min_width=72, elem_id="cchc-send")
                notice = gr.HTML("", elem_id="cchc-notice")
                with gr.Row(elem_id="cchc-actions"):
                    new_chat = gr.Button("Cuộc trò chuyện mới", variant="secondary", size="sm", scale=0,
                                         min_width=160, elem_id="cchc-new")
                    # shown only when an LLM is configured; its answers are verified, else the extractive one is shown
                    use_llm = gr.Checkbox(value=bool(getattr(pipeline.settings, "llm_default", False)), label="Dùng LLM",
                                          info="Mô hình ngôn ngữ viết lại câu trả lời; mọi con số, ngày, cơ quan được "
                                               "kiểm chứng với văn bản nguồn.", visible=service.llm_available,
                                          elem_id="cchc-llm")
                gr.Markdown(FOOTER, elem_id="cchc-footer")
            build_commitments_tab(demo, service)
            with gr.Tab("Về dữ liệu", id="about", elem_id="cchc-tab-about"):
                gr.HTML(_about_html(service), elem_id="cchc-about")

        def respond(message: str, chat: list[dict[str, Any]], past: list[str], answered: dict[str, Any],
                    prov: str, doc: str, llm: bool) -> Iterator[tuple[Any, ...]]:
            yield from chat_turn(service, message, chat, past, answered, prov, doc, stream_delay=stream_delay,
                                 llm=bool(llm))

        inputs = [question, chatbot, history, turns, province, document, use_llm]
        outputs = [chatbot, question, history, turns, notice]
        common = {"api_visibility": "private", "concurrency_id": "chat", "show_progress": "hidden"}
        question.submit(respond, inputs, outputs, **common)
        send.click(respond, inputs, outputs, **common)

        def use_example(data: gr.SelectData) -> str:
            value = data.value
            return value.get("text", "") if isinstance(value, dict) else str(value or "")

        chatbot.example_select(use_example, None, question, api_visibility="private", queue=False).then(
            respond, inputs, outputs, **common)

        def on_like(answered: dict[str, Any], data: gr.LikeData) -> Any:
            # acknowledged under the input box: Gradio's toasts carry an English title
            try:
                vote = record_like(service, answered, data.index, data.liked)
            except Exception:
                log.exception("could not store feedback")
                return rendering.notice_html("Chưa lưu được góp ý do lỗi hệ thống. Xin thử lại sau.", "error")
            return rendering.notice_html("Cảm ơn bạn đã góp ý! Ý kiến đã được ghi nhận.", "info") if vote else gr.skip()

        chatbot.like(on_like, [turns], [notice], api_visibility="private", concurrency_limit=None)

        def reset() -> tuple[Any, ...]:
            return [], [], {}, "", ""

        new_chat.click(reset, None, [chatbot, history, turns, notice, question], api_visibility="private",
                       queue=False)
        chatbot.clear(lambda: ([], {}, ""), None, [history, turns, notice], api_visibility="private", queue=False)

        def on_province(prov: str, doc: str) -> Any:
            choices = service.document_choices(prov or None)
            keep = doc if doc in {value for _, value in choices} else ""
            return gr.Dropdown(choices=choices, value=keep)

        province.change(on_province, [province, document], document, api_visibility="private", queue=False)

        # -- API -------------------------------------------------------------------------------------
        def ask(question: str, province: str = "", document: str = "", history: list[str] | None = None,
                llm: bool = False) -> dict:
            """Answer a question. ``province`` (e.g. "Lạng Sơn") and ``document`` (a doc_id from
            /documents) filter retrieval; ``history`` is the list of earlier questions, for follow-ups;
            ``llm`` lets the configured LLM write the answer (verified against the sources).
            Returns answer_id, status (answered | abstained | invalid | error), answer (Markdown with [n]
            markers and a "Căn cứ" list), citations, related, rewritten_question, message, backend,
            verified, dropped and llm_note."""
            return service.public(service.ask(question, province or None, document or None, history, llm=bool(llm)))

        def chat(question: str, province: str = "", document: str = "", history: list[str] | None = None,
                 llm: bool = False) -> dict:
            """Like /ask, streamed: updates carry the answer so far with done=false; the last update is
            the full result with done=true."""
            result = service.ask(question, province or None, document or None, history, llm=bool(llm))
            if result["status"] in {"answered", "abstained"}:
                for prefix in rendering.progressive_text(result["answer"], STREAM_FRAMES)[:-1]:
                    yield {"answer_id": result["answer_id"], "status": "streaming", "answer": prefix, "done": False}
                    time.sleep(stream_delay)
            yield {**service.public(result), "done": True}

        def feedback(answer_id: str, vote: str, comment: str = "") -> dict:
            """Record 👍 (vote="up") or 👎 (vote="down") on an answer returned by /ask or /chat."""
            result = service.recall(answer_id)
            if result is None:
                return {"ok": False, "message": "Không tìm thấy câu trả lời này (answer_id không đúng hoặc đã quá cũ)."}
            try:
                row = service.record_feedback(result, vote, source="api", comment=(comment or "")[:2000] or None)
            except ValueError as exc:
                return {"ok": False, "message": str(exc)}
            except Exception:
                log.exception("could not store feedback")
                return {"ok": False, "message": "Chưa lưu được góp ý do lỗi hệ thống."}
            return {"ok": True, "id": row, "message": "Đã ghi nhận góp ý."}

        def documents() -> list:
            """The indexed documents: doc_id, title, so_hieu, doc_type, province, period, date_issued,
            source_kind and chunks (the number of indexed passages)."""
            keys = ("title", "so_hieu", "doc_type", "issuer", "province", "period", "date_issued", "source_kind",
                    "chunks")
            return [{"doc_id": doc_id, **{k: d.get(k) for k in keys}} for doc_id, d in sorted(service.documents.items())]

        gr.api(ask, api_name="ask", concurrency_id="chat")
        gr.api(chat, api_name="chat", concurrency_id="chat")
        gr.api(feedback, api_name="feedback", queue=False)
        gr.api(documents, api_name="documents", queue=False)
    return demo


def _about_html(service: ChatService) -> str:
    intro = (
        "<h2>Về dữ liệu</h2>"
        "<p>Trợ lý trả lời bằng cách tìm và <strong>trích nguyên văn</strong> các đoạn trong những văn bản dưới đây; "
        "nó không tự soạn nội dung. Khi văn bản không nêu điều được hỏi, trợ lý nói rõ là không tìm thấy và gợi ý "
        "các mục gần nhất. Văn bản loại “bản tin tóm tắt” chỉ là tóm tắt báo chí, không phải toàn văn.</p>"
        "<p class='cchc-muted'>Mẹo: chọn tỉnh hoặc văn bản ở bộ lọc để chỉ tìm trong đó; hỏi tiếp ngắn gọn như "
        "“còn Quảng Ngãi thì sao?”; bấm “Xem toàn văn mục” ở mỗi nguồn để đọc cả mục văn bản. Lập trình viên có thể "
        "gọi trợ lý qua API (gradio_client, các điểm cuối /ask, /chat, /feedback, /documents; xem README).</p>"
    )
    return intro + rendering.documents_html(service.documents)


# -- serving -------------------------------------------------------------------------------------

def load_auth(spec: str | None) -> list[tuple[str, str]] | None:
    """Users from ``ASSISTANT_AUTH``: ``user:pass``, or the path of a file with one ``user:pass`` per line
    (blank lines and ``#`` comments ignored). None when unset."""
    if not spec or not spec.strip():
        return None
    path = Path(spec.strip()).expanduser()
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else [spec]
    users: list[tuple[str, str]] = []
    for lineno, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, password = line.partition(":")
        if not sep or not user.strip() or not password:
            where = f"{path}:{lineno}: " if path.is_file() else ""
            raise ValueError(f"{where}expected user:password")
        users.append((user.strip(), password))
    if not users:
        raise ValueError(f"{path}: no users (one user:password per line)")
    return users


def auth_checker(users: list[tuple[str, str]]) -> Callable[[str, str], bool]:
    table = dict(users)

    def check(username: str, password: str) -> bool:
        expected = table.get(username)
        ok = expected is not None and hmac.compare_digest(expected.encode(), (password or "").encode())
        if not ok:
            log.warning("failed login for user %r", username)
        return ok

    return check


def is_loopback(host: str) -> bool:
    if host.strip().lower() in {"localhost", "localhost."}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(demo: gr.Blocks, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          auth: list[tuple[str, str]] | None = None, prevent_thread_lock: bool = False, quiet: bool = False) -> Any:
    """Queue and launch the app (theme, CSS and the privacy-minded launch options live here)."""
    demo.queue(default_concurrency_limit=QUEUE_CONCURRENCY, max_size=QUEUE_MAX_SIZE)
    return demo.launch(
        server_name=host, server_port=port, auth=auth_checker(auth) if auth else None,
        auth_message=AUTH_MESSAGE, show_error=False, share=False,
        inbrowser=False, prevent_thread_lock=prevent_thread_lock, quiet=quiet, theme=_theme(), css=CSS, head=HEAD,
        footer_links=[], run_history=False, mcp_server=False, ssr_mode=False, pwa=False, enable_monitoring=False,
    )


def main(argv: list[str] | None = None) -> int:
    from assistant.core.settings import get_settings

    parser = argparse.ArgumentParser(prog="python app.py", description="Trợ lý CCHC – web chat")
    parser.add_argument("--host", default=os.environ.get("ASSISTANT_HOST", DEFAULT_HOST),
                        help=f"address to listen on (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=int(os.environ.get("ASSISTANT_PORT", DEFAULT_PORT)),
                        help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--store", type=Path, help="store folder (default: vectorstore/)")
    parser.add_argument("--chroma-url", help="read the index from a Chroma server, e.g. http://10.0.0.5:8000 "
                                             "(default: $ASSISTANT_CHROMA_URL)")
    parser.add_argument("--insecure", action="store_true",
                        help="allow a non-loopback --host without ASSISTANT_AUTH (anyone on the network can use it)")
    args = parser.parse_args(argv)
    settings = get_settings(store=args.store, chroma_url=args.chroma_url)
    logging.basicConfig(level=getattr(logging, str(settings.log_level).upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore", "bm25s", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        auth = load_auth(os.environ.get("ASSISTANT_AUTH"))
    except (OSError, ValueError) as exc:
        print(f"error: ASSISTANT_AUTH: {exc}", file=sys.stderr)
        return 2
    if not is_loopback(args.host) and not auth:
        if not args.insecure:
            print(f"error: refusing to listen on {args.host} without a login. Set ASSISTANT_AUTH=user:password "
                  "(or the path of a file of users), or pass --insecure to serve it open to the network.",
                  file=sys.stderr)
            return 2
        log.warning("serving on %s WITHOUT a login (--insecure)", args.host)

    from assistant.index.store import StoreError
    from assistant.qa.pipeline import get_pipeline

    log.info("loading the pipeline from %s …", settings.chroma_url or settings.store)
    started = time.perf_counter()
    try:
        pipeline = get_pipeline(settings)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    log.info("pipeline loaded in %.1f s (%d documents, %d chunks)", time.perf_counter() - started,
             len(pipeline.documents()), len(pipeline.index.chunks))
    demo = build_app(pipeline)
    if settings.reload_seconds > 0:
        from assistant.web.reload import IndexWatcher

        IndexWatcher(demo.service, settings, settings.reload_seconds).start()  # type: ignore[attr-defined]
    log.info("feedback is stored in %s", pipeline.settings.feedback_db)
    log.info("serving on http://%s:%d%s", args.host, args.port, " (login required)" if auth else "")
    try:
        serve(demo, host=args.host, port=args.port, auth=auth, quiet=True)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0
