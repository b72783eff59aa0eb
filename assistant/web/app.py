"""The web chat: ``python app.py [--host HOST] [--port PORT] [--store DIR] [--insecure]``.

This module assembles the page and serves it. One :class:`~assistant.qa.pipeline.Pipeline` is loaded at
start and shared by every browser session and API call through one
:class:`~assistant.web.service.ChatService`. The page is a Gradio Blocks app in Vietnamese with four
tabs: the chat (:mod:`assistant.web.chat_tab`), the commitments explorer
(:mod:`assistant.web.commitments_tab`), "Tài liệu" (:mod:`assistant.web.documents_tab`: the documents, and for
editors upload, replace and delete) and "Về dữ liệu", listing the indexed documents; the API is in
:mod:`assistant.web.api`.

Serving: 127.0.0.1:7860 by default. ``ASSISTANT_AUTH=user:pass`` (or the path of a file with one
``user:pass`` per line) turns on login; a non-loopback ``--host`` is refused without it unless
``--insecure`` is given (:mod:`assistant.web.auth`).

The names tests and ``app.py`` at the repository root use are importable from here.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.web import api, appearance, chat_tab, documents_tab, page, texts
from assistant.web.auth import Access, Users, auth_checker, exposure_error, is_loopback, load_auth
from assistant.web.chat_tab import STREAM_DELAY, chat_turn, record_like
from assistant.web.commitments_tab import build_tab as build_commitments_tab
from assistant.web.documents_desk import DocumentsDesk
from assistant.web.feedback import FeedbackStore
from assistant.web.service import ChatService
from assistant.web.texts import EXAMPLES

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "EXAMPLES", "ChatService", "auth_checker", "build_app", "chat_turn",
           "is_loopback", "load_auth", "main", "record_like", "serve"]

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
#: Gradio queue: events of one kind running at once, and requests allowed to wait.
QUEUE_CONCURRENCY = 8
QUEUE_MAX_SIZE = 64


def build_app(pipeline: Any, *, feedback: FeedbackStore | None = None,
              stream_delay: float = STREAM_DELAY) -> gr.Blocks:
    """The web chat and its API around one shared pipeline."""
    store = feedback or FeedbackStore(pipeline.settings.feedback_db)
    service = ChatService(pipeline, store)
    desk = _documents_desk(service, pipeline.settings)

    with gr.Blocks(title=texts.TITLE, analytics_enabled=False) as demo:
        demo.service = service  # type: ignore[attr-defined]  (for tests and embedding)
        gr.HTML(page.header_html(texts.TITLE, texts.SUBTITLE), elem_id="cchc-header")
        history = gr.State([])  # the user's previous questions, for follow-ups
        turns = gr.State({})  # chat message index -> answer, for 👍/👎
        with gr.Tabs():
            chat = chat_tab.build_tab(service)
            build_commitments_tab(demo, service)
            documents = documents_tab.build_tab(desk)
            with gr.Tab("Về dữ liệu", id="about", elem_id="cchc-tab-about"):
                about = gr.HTML(page.about_html(service.documents), elem_id="cchc-about")
        # documents may have been added or removed since the app started: the lists follow on each page load
        demo.load(lambda: (page.about_html(service.documents), gr.Dropdown(choices=service.province_choices()),
                           gr.Dropdown(choices=service.document_choices())),
                  None, [about, chat.province, chat.document], api_visibility="private", queue=False)
        chat_tab.connect(service, chat, history, turns, stream_delay=stream_delay)
        documents_tab.connect(demo, desk, documents)
        api.register(service, desk, stream_delay=stream_delay)
    demo.desk = desk  # type: ignore[attr-defined]  (serve() sets who may edit)
    return demo


def _documents_desk(service: ChatService, settings: Any) -> DocumentsDesk:
    """The document actions over the app's index; a change switches the chat to the new index at once."""
    from assistant.index.documents import DocumentLibrary
    from assistant.web.reload import IndexWatcher

    watcher = IndexWatcher(service, settings, 0, release_after=60.0)
    return DocumentsDesk(DocumentLibrary(settings), service, watcher.check_once)


def serve(demo: gr.Blocks, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, auth: Users | None = None,
          prevent_thread_lock: bool = False, quiet: bool = False) -> Any:
    """Queue and launch the app (theme, CSS and the privacy-minded launch options live here). Who may change
    the documents follows from the login and the address (:class:`~assistant.web.auth.Access`)."""
    desk = getattr(demo, "desk", None)
    if desk is not None:
        desk.access = access = Access.for_serving(auth, host, desk.library.settings.editor_names)
        who = (", ".join(sorted(access.editors)) or "nobody (set ASSISTANT_EDITORS)") if access.login else (
            "the local user" if access.local else "nobody (no login)")
        log.info("documents may be added, replaced and deleted by: %s", who)
        limit = desk.library.settings.max_file_mb
    else:
        limit = 20
    demo.queue(default_concurrency_limit=QUEUE_CONCURRENCY, max_size=QUEUE_MAX_SIZE)
    return demo.launch(
        server_name=host, server_port=port, auth=auth_checker(auth) if auth else None,
        auth_message=texts.AUTH_MESSAGE, show_error=False, share=False,
        inbrowser=False, prevent_thread_lock=prevent_thread_lock, quiet=quiet, theme=appearance.theme(),
        css=appearance.CSS, head=appearance.HEAD,
        max_file_size=f"{4 * limit}mb",  # larger files get our own message up to this size
        footer_links=[], run_history=False, mcp_server=False, ssr_mode=False, pwa=False, enable_monitoring=False,
    )


# -- the command line ------------------------------------------------------------------------------

def _parse_args(argv: list[str] | None) -> argparse.Namespace:
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
    return parser.parse_args(argv)


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=getattr(logging, str(level).upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore", "bm25s", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _fail(message: str, status: int) -> int:
    """Say on stderr why the app cannot start (one line for the operator, no traceback); returns ``status``."""
    print(f"error: {message}", file=sys.stderr)
    return status


def main(argv: list[str] | None = None) -> int:
    """Load the pipeline and serve the chat until interrupted; 2 for a bad setting, 1 when it cannot serve."""
    from assistant.core.settings import get_settings

    args = _parse_args(argv)
    settings = get_settings(store=args.store, chroma_url=args.chroma_url)
    _configure_logging(settings.log_level)
    try:
        auth = load_auth(os.environ.get("ASSISTANT_AUTH"))
    except (OSError, ValueError) as exc:
        return _fail(f"ASSISTANT_AUTH: {exc}", 2)
    refused = exposure_error(args.host, auth, args.insecure)
    if refused:
        return _fail(refused, 2)

    from assistant.index.store import StoreError
    from assistant.qa.pipeline import get_pipeline

    log.info("loading the pipeline from %s …", settings.chroma_url or settings.store)
    started = time.perf_counter()
    try:
        pipeline = get_pipeline(settings)
    except StoreError as exc:
        return _fail(str(exc), 1)
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
        return _fail(f"cannot listen on {args.host}:{args.port}: {exc}", 1)
    return 0
