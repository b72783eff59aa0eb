"""The "Tài liệu" tab: everyone sees the indexed documents; editors also upload files (one or many), follow each
file's progress, check and correct the metadata read from them before publishing, replace and delete.

Handlers are thin: the work is done by :class:`~assistant.web.documents_desk.DocumentsDesk`, which checks the
user's right to edit on every call (the controls are hidden from others, which is not what protects them). A
check or a publish runs on a worker thread while the event streams its per-file progress and moves Gradio's
progress bar; the chat keeps answering meanwhile. No event here is part of the public API (:mod:`api` is).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.ingest.intake import safe_name
from assistant.web.documents_desk import COLUMNS, DocumentsDesk, NotEditor, Tracker
from assistant.web.templating import render

FILE_TYPES = [".pdf", ".docx", ".html", ".htm", ".txt", ".md"]
NEW_DOCUMENT = ("— Thêm văn bản mới —", "")
EDITOR_HELP = ("**Thêm văn bản**: chọn một hoặc nhiều tệp (PDF, DOCX, HTML, TXT, MD; bản quét PDF được nhận dạng "
               "chữ), bấm **Đọc tệp**, kiểm tra và sửa thông tin trong bảng, rồi bấm **Xuất bản**. Để cập nhật một "
               "văn bản đã có, chọn nó ở ô **Thay thế văn bản** trước khi đọc tệp mới.")
VIEWER_NOTE = "Chỉ biên tập viên (đã đăng nhập) mới thêm, thay thế hoặc xóa được văn bản."
PICK_FILES = "Hãy chọn tệp trước khi bấm Đọc tệp."


@dataclass
class DocumentsTab:
    """The components the tab's events read and write."""

    listing: gr.HTML
    editor: gr.Column
    viewer_note: gr.Markdown
    files: gr.File
    replaces: gr.Dropdown
    check: gr.Button
    progress: gr.HTML
    table: gr.Dataframe
    publish: gr.Button
    result: gr.HTML
    delete_doc: gr.Dropdown
    delete: gr.Button
    drafts: gr.State


def build_tab(desk: DocumentsDesk) -> DocumentsTab:
    """Lay out the tab inside the enclosing ``gr.Tabs``; the editor's part is shown on load to editors only."""
    with gr.Tab("Tài liệu", id="documents", elem_id="cchc-tab-documents"):
        viewer_note = gr.Markdown(VIEWER_NOTE, visible=True, elem_id="cchc-docs-viewer")
        with gr.Column(visible=False, elem_id="cchc-editor") as editor:
            gr.Markdown(EDITOR_HELP)
            files = gr.File(file_count="multiple", file_types=FILE_TYPES, type="filepath", label="Tệp văn bản",
                            elem_id="cchc-upload")
            replaces = gr.Dropdown(choices=[NEW_DOCUMENT], value="", label="Thay thế văn bản", filterable=True,
                                   elem_id="cchc-replaces")
            check = gr.Button("Đọc tệp", variant="secondary", elem_id="cchc-docs-check")
            progress = gr.HTML("", elem_id="cchc-docs-progress")
            table = gr.Dataframe(headers=[label for label, _ in COLUMNS], value=None, interactive=True,
                                 static_columns=[0, 1], wrap=True, visible=False, label="Thông tin văn bản (sửa "
                                 "trực tiếp trong bảng; ngày dạng 31/12/2024)", elem_id="cchc-docs-meta")
            publish = gr.Button("Xuất bản", variant="primary", visible=False, elem_id="cchc-docs-publish")
            result = gr.HTML("", elem_id="cchc-docs-result")
            with gr.Row(equal_height=True):
                delete_doc = gr.Dropdown(choices=[], value=None, label="Xóa văn bản", scale=4, filterable=True,
                                         elem_id="cchc-delete-doc")
                delete = gr.Button("Xóa", variant="stop", scale=1, min_width=80, elem_id="cchc-docs-delete")
        listing = gr.HTML(desk.list_html(), elem_id="cchc-docs-list")
        drafts = gr.State([])
    return DocumentsTab(listing, editor, viewer_note, files, replaces, check, progress, table, publish, result,
                        delete_doc, delete, drafts)


def _user(request: gr.Request | None) -> str | None:
    return getattr(request, "username", None) if request is not None else None


def _run(job: Callable[[], Any], tracker: Tracker, progress: Any, box: dict[str, Any]) -> Iterator[str]:
    """Run ``job`` on a worker thread; yield the per-file progress until it ends (its result in ``box``)."""

    def work() -> None:
        try:
            box["out"] = job()
        except BaseException as exc:  # handed back to the event
            box["error"] = exc

    thread = threading.Thread(target=work, name="documents", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.4)
        progress(tracker.progress(), desc="Đang xử lý tệp…")
        yield tracker.html()
    if "error" in box:
        raise box["error"]


def _outcome_html(outcome: Any, switched: bool = True) -> str:
    refused = [{"name": r.name, "message": r.message} for r in outcome.refused]
    return str(render("documents.html.j2", "outcome", outcome.added, outcome.updated, outcome.removed, refused,
                      switched))


def _message(text: str) -> str:
    return str(render("documents.html.j2", "outcome", [], [], [], [{"name": "", "message": text}], False))


def connect(demo: gr.Blocks, desk: DocumentsDesk, tab: DocumentsTab) -> None:
    """Wire the tab's events (all private: the API has its own endpoints)."""
    private: dict[str, Any] = {"api_visibility": "private", "concurrency_id": "documents", "concurrency_limit": 1}

    def pickers() -> tuple[Any, Any]:
        choices = desk.choices()
        return gr.Dropdown(choices=[NEW_DOCUMENT, *choices], value=""), gr.Dropdown(choices=choices, value=None)

    def on_load(request: gr.Request) -> tuple[Any, ...]:
        editor = desk.may_edit(_user(request))
        return (gr.Column(visible=editor), gr.Markdown(visible=not editor), desk.list_html(), *pickers())

    demo.load(on_load, None, [tab.editor, tab.viewer_note, tab.listing, tab.replaces, tab.delete_doc],
              api_visibility="private", queue=False)

    def on_check(files: list[str] | None, replaces: str, request: gr.Request,
                 progress: gr.Progress = gr.Progress()) -> Iterator[tuple[Any, ...]]:  # noqa: B008 (Gradio's idiom)
        paths = [Path(f) for f in files or []]
        if not paths:
            yield "", gr.Dataframe(visible=False), [], gr.Button(visible=False), _message(PICK_FILES)
            return
        tracker, box = Tracker([safe_name(p.name) for p in paths]), {}  # the names the checks report
        try:
            for html in _run(lambda: desk.check(_user(request), paths, replaces=replaces or None, tracker=tracker),
                             tracker, progress, box):
                yield html, gr.skip(), gr.skip(), gr.skip(), ""
        except NotEditor as exc:
            yield "", gr.Dataframe(visible=False), [], gr.Button(visible=False), _message(str(exc))
            return
        drafts, refused = box["out"]
        tracker.finish(None, refused, "checked")
        rows = desk.table(drafts)
        yield (tracker.html(), gr.Dataframe(value=rows or None, visible=bool(rows)), drafts,
               gr.Button(visible=bool(drafts)), "")

    tab.check.click(on_check, [tab.files, tab.replaces], [tab.progress, tab.table, tab.drafts, tab.publish,
                                                         tab.result], **private)

    def on_publish(drafts: list[Any], table: Any, request: gr.Request,
                   progress: gr.Progress = gr.Progress()) -> Iterator[tuple[Any, ...]]:  # noqa: B008
        rows = table.values.tolist() if hasattr(table, "values") else list(table or [])
        tracker, box = Tracker([d.name for d in drafts]), {}
        skip = (gr.skip(),) * 7
        try:
            for html in _run(lambda: desk.publish(_user(request), drafts, rows, tracker), tracker, progress, box):
                yield (html, *skip)
        except NotEditor as exc:
            yield ("", _message(str(exc)), *skip[1:])
            return
        outcome = box["out"]
        tracker.finish(outcome, outcome.refused, "done")
        yield (tracker.html(), _outcome_html(outcome), desk.list_html(), [], gr.Dataframe(value=None, visible=False),
               gr.Button(visible=False), *pickers())

    tab.publish.click(on_publish, [tab.drafts, tab.table],
                      [tab.progress, tab.result, tab.listing, tab.drafts, tab.table, tab.publish, tab.replaces,
                       tab.delete_doc], **private)

    def on_delete(doc_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        if not doc_id:
            return (gr.skip(),) * 4
        try:
            outcome = desk.remove(_user(request), doc_id)
        except NotEditor as exc:
            return _message(str(exc)), gr.skip(), gr.skip(), gr.skip()
        return _outcome_html(outcome), desk.list_html(), *pickers()

    tab.delete.click(on_delete, [tab.delete_doc], [tab.result, tab.listing, tab.replaces, tab.delete_doc],
                     js="(d) => (d && confirm('Xóa văn bản ' + d + ' khỏi kho?')) ? d : null", **private)
