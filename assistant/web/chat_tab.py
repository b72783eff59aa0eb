"""The "Hỏi đáp" tab: its components, and what happens on each of its events (a question sent, an example
clicked, 👍/👎, a new conversation, the province filter changed).

The handlers are plain functions over a :class:`~assistant.web.service.ChatService` (``chat_turn``,
``record_like``), so they are tested without a browser; :func:`connect` wires them to the components.
No event here is part of the public API (see :mod:`assistant.web.api`).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.web import page, rendering, texts
from assistant.web.feedback import normalise_vote
from assistant.web.service import SHOWN, ChatService

log = logging.getLogger(__name__)

#: Pause between streamed frames (seconds).
STREAM_DELAY = 0.04
#: The chat fills the screen below the header, filters and input box (phones included).
CHAT_HEIGHT = "calc(100dvh - 360px)"
CHAT_LAYOUT = "panel"


@dataclass
class ChatTab:
    """The components the chat's events read and write."""

    province: gr.Dropdown
    document: gr.Dropdown
    chatbot: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    notice: gr.HTML
    new_chat: gr.Button
    use_llm: gr.Checkbox


def build_tab(service: ChatService) -> ChatTab:
    """Lay out the tab inside the enclosing ``gr.Tabs``; events are connected later by :func:`connect`."""
    with gr.Tab("Hỏi đáp", id="chat", elem_id="cchc-tab-chat"):
        with gr.Row(equal_height=True, elem_id="cchc-filters"):
            province = gr.Dropdown(choices=service.province_choices(), value="", label="Tỉnh",
                                   elem_id="cchc-province", scale=1, min_width=140, filterable=False)
            document = gr.Dropdown(choices=service.document_choices(), value="", label="Văn bản",
                                   elem_id="cchc-document", scale=1, min_width=140, filterable=False)
        chatbot = gr.Chatbot(
            label="Hội thoại", show_label=False, elem_id="cchc-chat", height=CHAT_HEIGHT,
            min_height=320, placeholder=page.welcome_html(), buttons=[], latex_delimiters=[],
            examples=[{"text": q} for _, q in texts.EXAMPLES],
            feedback_options=("Like", "Dislike"), autoscroll=False, layout=CHAT_LAYOUT,
            group_consecutive_messages=False)
        with gr.Row(equal_height=True, elem_id="cchc-input-row"):
            question = gr.Textbox(
                placeholder=texts.QUESTION_PLACEHOLDER, show_label=False, label="Câu hỏi",
                lines=1, max_lines=6, scale=5, min_width=180, elem_id="cchc-question", autofocus=True,
                submit_btn=False, container=False)
            send = gr.Button("Gửi", variant="primary", scale=0, min_width=72, elem_id="cchc-send")
        notice = gr.HTML("", elem_id="cchc-notice")
        with gr.Row(elem_id="cchc-actions"):
            new_chat = gr.Button("Cuộc trò chuyện mới", variant="secondary", size="sm", scale=0,
                                 min_width=160, elem_id="cchc-new")
            # shown only when an LLM is configured; its answers are verified, else the extractive one is shown
            use_llm = gr.Checkbox(value=bool(getattr(service.pipeline.settings, "llm_default", False)),
                                  label="Dùng LLM", info=texts.LLM_SWITCH_INFO, visible=service.llm_available,
                                  elem_id="cchc-llm")
        gr.Markdown(texts.FOOTER, elem_id="cchc-footer")
    return ChatTab(province, document, chatbot, question, send, notice, new_chat, use_llm)


# -- handlers --------------------------------------------------------------------------------------

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
        chat[-1] = _message("assistant", rendering.notice_html(texts.CHAT_FAILED.format(ref=ref), "error"))
        yield list(chat), gr.skip(), past, answered, ""
        return
    for frame in frames[:-1]:
        chat[-1] = _message("assistant", frame)
        yield list(chat), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        time.sleep(stream_delay)
    chat[-1] = _message("assistant", frames[-1])
    if result["status"] in SHOWN:
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


# -- wiring ----------------------------------------------------------------------------------------

def connect(service: ChatService, tab: ChatTab, history: gr.State, turns: gr.State, *,
            stream_delay: float = STREAM_DELAY) -> None:
    """Connect the tab's events; ``history`` holds the user's earlier questions (for follow-ups) and
    ``turns`` the answers by chat message index (for 👍/👎)."""

    def respond(message: str, chat: list[dict[str, Any]], past: list[str], answered: dict[str, Any],
                prov: str, doc: str, llm: bool) -> Iterator[tuple[Any, ...]]:
        yield from chat_turn(service, message, chat, past, answered, prov, doc, stream_delay=stream_delay,
                             llm=bool(llm))

    inputs = [tab.question, tab.chatbot, history, turns, tab.province, tab.document, tab.use_llm]
    outputs = [tab.chatbot, tab.question, history, turns, tab.notice]
    common: dict[str, Any] = {"api_visibility": "private", "concurrency_id": "chat", "show_progress": "hidden"}
    tab.question.submit(respond, inputs, outputs, **common)
    tab.send.click(respond, inputs, outputs, **common)

    def use_example(data: gr.SelectData) -> str:
        value = data.value
        return value.get("text", "") if isinstance(value, dict) else str(value or "")

    tab.chatbot.example_select(use_example, None, tab.question, api_visibility="private", queue=False).then(
        respond, inputs, outputs, **common)

    def on_like(answered: dict[str, Any], data: gr.LikeData) -> Any:
        # acknowledged under the input box: Gradio's toasts carry an English title
        try:
            vote = record_like(service, answered, data.index, data.liked)
        except Exception:
            log.exception("could not store feedback")
            return rendering.notice_html(texts.FEEDBACK_NOT_SAVED, "error")
        return rendering.notice_html(texts.FEEDBACK_THANKS, "info") if vote else gr.skip()

    tab.chatbot.like(on_like, [turns], [tab.notice], api_visibility="private", concurrency_limit=None)

    def reset() -> tuple[Any, ...]:
        return [], [], {}, "", ""

    tab.new_chat.click(reset, None, [tab.chatbot, history, turns, tab.notice, tab.question],
                       api_visibility="private", queue=False)
    tab.chatbot.clear(lambda: ([], {}, ""), None, [history, turns, tab.notice], api_visibility="private",
                      queue=False)

    def on_province(prov: str, doc: str) -> Any:
        choices = service.document_choices(prov or None)
        keep = doc if doc in {value for _, value in choices} else ""
        return gr.Dropdown(choices=choices, value=keep)

    tab.province.change(on_province, [tab.province, tab.document], tab.document, api_visibility="private",
                        queue=False)
