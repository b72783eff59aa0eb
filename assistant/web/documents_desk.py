"""What the "Tài liệu" tab and the document API do, without Gradio: check uploads, publish them with the
corrected metadata, replace, delete, and track each file's progress (read → parse → embed → publish).

Every action checks that the user may edit (:class:`~assistant.web.auth.Access`) before anything else; a change
runs through :class:`~assistant.index.documents.DocumentLibrary` (a new generation, switched atomically), and the
chat is then switched to the new index at once (:class:`~assistant.web.reload.IndexWatcher`), answering from the
old one until it is loaded.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.index.documents import EDITABLE, DocumentLibrary, Draft, Outcome
from assistant.ingest.intake import Refusal
from assistant.web.auth import Access
from assistant.web.templating import render

log = logging.getLogger(__name__)

NOT_EDITOR = ("Bạn không có quyền thêm, thay thế hay xóa văn bản. Hãy đăng nhập bằng tài khoản biên tập viên "
              "(quản trị viên khai báo trong ASSISTANT_EDITORS).")
#: The metadata table's columns: (label, draft field); the first two are not editable.
COLUMNS = [("Tệp", "name"), ("Mã", "doc_id"), ("Tiêu đề", "title"), ("Số hiệu", "so_hieu"), ("Tỉnh", "province"),
           ("Ngày ban hành", "date_issued"), ("Loại văn bản", "doc_type")]
STEP_LABELS = {"waiting": "Chờ", "read": "Đọc tệp", "ocr": "Nhận dạng chữ (OCR)", "parse": "Phân tích",
               "embed": "Tạo vector", "publish": "Xuất bản", "checked": "Đã đọc — kiểm tra thông tin rồi bấm Xuất bản",
               "done": "Xong", "refused": "Không nhận"}
#: Where each step sits on a file's progress bar (from, to).
STEP_SPAN = {"waiting": (0.0, 0.0), "read": (0.0, 0.1), "ocr": (0.1, 0.4), "parse": (0.4, 0.45),
             "embed": (0.45, 0.9), "publish": (0.9, 0.99), "checked": (1.0, 1.0), "done": (1.0, 1.0),
             "refused": (1.0, 1.0)}


class NotEditor(PermissionError):
    """The user may not change the documents (HTTP 403 in the API)."""


class Tracker:
    """Per-file progress of one check or publish, written by the worker thread and read by the event."""

    def __init__(self, names: Sequence[str]) -> None:
        self._lock = threading.Lock()
        self.files: dict[str, dict[str, Any]] = {n: {"step": "waiting", "fraction": 0.0, "message": ""}
                                                 for n in names}

    def __call__(self, name: str, step: str, fraction: float = 0.0) -> None:
        """The ingest's step callback; an empty name (publishing) applies to every file still running."""
        with self._lock:
            targets = [name] if name else [n for n, f in self.files.items() if f["step"] not in {"refused", "done"}]
            for target in targets:
                self.files.setdefault(target, {"message": ""}).update(step=step, fraction=fraction)

    def finish(self, outcome: Outcome | None, refused: Sequence[Refusal], final: str) -> None:
        """Mark refused files with their reason and the others ``final`` (checked or done)."""
        with self._lock:
            reasons = {r.name: r.message for r in refused}
            for name, state in self.files.items():
                if name in reasons:
                    state.update(step="refused", message=reasons[name])
                elif state["step"] != "refused":
                    state.update(step=final, fraction=1.0)
            for name, message in reasons.items():
                self.files.setdefault(name, {"step": "refused", "fraction": 1.0, "message": message})

    def progress(self) -> float:
        with self._lock:
            if not self.files:
                return 0.0
            spans = [STEP_SPAN.get(f["step"], (0.0, 0.0)) for f in self.files.values()]
            fractions = [f.get("fraction") or 0.0 for f in self.files.values()]
            return sum(lo + (hi - lo) * fr for (lo, hi), fr in zip(spans, fractions, strict=True)) / len(spans)

    def html(self) -> str:
        with self._lock:
            rows = [{"name": name or "(cả lượt)", "step": STEP_LABELS.get(f["step"], f["step"]),
                     "state": f["step"], "percent": round(100 * _file_progress(f)), "message": f.get("message", "")}
                    for name, f in self.files.items()]
        return str(render("documents.html.j2", "progress", rows))


def _file_progress(state: dict[str, Any]) -> float:
    lo, hi = STEP_SPAN.get(state["step"], (0.0, 0.0))
    return lo + (hi - lo) * (state.get("fraction") or 0.0)


class DocumentsDesk:
    """The document actions of the app for one index; ``access`` is set when the app is served."""

    def __init__(self, library: DocumentLibrary, service: Any, switch: Callable[[], bool] | None = None) -> None:
        self.library = library
        self.service = service
        self.switch = switch or (lambda: False)
        self.access = Access()

    def may_edit(self, username: str | None) -> bool:
        return self.access.may_edit(username)

    def _require(self, username: str | None) -> str:
        if not self.may_edit(username):
            log.warning("refused a document change by %s: not an editor", username or "an anonymous user")
            raise NotEditor(NOT_EDITOR)
        return Access.name(username)

    # -- listing -----------------------------------------------------------------------------------------
    def documents(self) -> dict[str, dict[str, Any]]:
        """The documents the chat answers from (switched right after each change)."""
        return dict(self.service.documents)

    def list_html(self) -> str:
        from assistant.web.page import document_rows

        return str(render("documents.html.j2", "listing", document_rows(self.documents())))

    def choices(self) -> list[tuple[str, str]]:
        """(label, doc_id) of every document, for the replace and delete pickers."""
        return [(f"{d.get('title') or doc_id} ({doc_id})", doc_id) for doc_id, d in sorted(self.documents().items())]

    # -- changing ----------------------------------------------------------------------------------------
    def check(self, username: str | None, files: Sequence[Path], names: Sequence[str] | None = None,
              replaces: str | None = None, tracker: Tracker | None = None) -> tuple[list[Draft], list[Refusal]]:
        """Read uploaded files into drafts whose metadata the editor can correct; nothing is published."""
        self._require(username)
        return self.library.check(files, names, replaces=replaces or None, on_step=tracker)

    def publish(self, username: str | None, drafts: Sequence[Draft], table: Sequence[Sequence[Any]] | None = None,
                tracker: Tracker | None = None) -> Outcome:
        """Publish ``drafts`` with the metadata of the edited ``table`` (rows in :data:`COLUMNS` order)."""
        user = self._require(username)
        by_name = {str(row[0]): row for row in table or [] if row}
        for draft in drafts:
            row = by_name.get(draft.name)
            if row is not None:
                draft.metadata.update({field: str(row[i] or "").strip() for i, (_, field) in enumerate(COLUMNS)
                                       if field in EDITABLE and i < len(row)})
        outcome = self.library.publish(drafts, user=user, on_step=tracker)
        self._after(outcome)
        return outcome

    def remove(self, username: str | None, doc_id: str) -> Outcome:
        user = self._require(username)
        outcome = self.library.remove(doc_id, user=user)
        self._after(outcome)
        return outcome

    def add_now(self, username: str | None, files: Sequence[Path], names: Sequence[str], *,
                replaces: str | None = None, metadata: dict[str, Any] | None = None) -> Outcome:
        """Check and publish at once (the API: no correction step; ``metadata`` overrides what was read)."""
        user = self._require(username)
        if replaces:
            outcome = self.library.replace(replaces, files[0], name=names[0], user=user, metadata=metadata)
        else:
            outcome = self.library.add(files, names=names, user=user, metadata=metadata)
        self._after(outcome)
        return outcome

    def _after(self, outcome: Outcome) -> None:
        """Answer from the new index now rather than at the next poll."""
        if outcome.changed:
            try:
                self.switch()
            except Exception:  # the poller will retry; the old index keeps answering
                log.exception("could not switch to the new index yet")

    @staticmethod
    def table(drafts: Sequence[Draft]) -> list[list[str]]:
        """The metadata table for ``drafts``."""
        return [[draft.name, draft.doc_id, *(draft.metadata.get(f, "") for _, f in COLUMNS[2:])] for draft in drafts]
