"""The indexed documents for the people who manage them: list, check, add, replace and remove.

One service for ``python -m assistant docs …`` and the app's "Tài liệu" tab. Adding is two steps so that an
editor can correct what was read from a document's header before it is published: :meth:`DocumentLibrary.check`
reads the files (OCR for scans) and refuses bad ones with a Vietnamese message saying what to do;
:meth:`DocumentLibrary.publish` indexes the checked files with the corrected metadata. Every change is one run
of :func:`assistant.index.build.ingest` with :class:`~assistant.index.build.Edits`: a new generation, an atomic
switch, and on a failure the published index untouched while readers keep answering. Each change is logged
with the user's name, who is also recorded with the time in the document's registry entry.

Uploaded files are kept under ``settings.uploads`` (``<doc_id>/<version>/<name>``), the source of record for
documents added this way.
"""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.core.settings import Settings
from assistant.index.build import Edits, StepCallback, content_hash, ingest
from assistant.index.generations import IngestBusy
from assistant.index.store import has_index, open_store
from assistant.ingest import intake
from assistant.ingest.intake import Refusal
from assistant.ingest.loaders import LoadError, load_text
from assistant.ingest.metadata import resolve_metadata
from assistant.lexicon.gazetteer import canonical_province
from assistant.lexicon.text import nfc

log = logging.getLogger(__name__)

#: Metadata an editor may correct before publishing.
EDITABLE = ("title", "so_hieu", "province", "date_issued", "doc_type")
#: What a listing shows of each document (never its text or source path).
LISTED = ("title", "so_hieu", "doc_type", "province", "date_issued", "period", "source_kind", "chunks",
          "added_by", "added_at")
STAGING = ".staging"
BAD_DATE = "Ngày ban hành “{value}” không đúng dạng. Hãy ghi theo dạng 31/12/2024 (hoặc 2024-12-31)."
UNKNOWN = "Không có văn bản mã {doc_id} trong kho. Xem danh sách bằng `python -m assistant docs list`."
LAST_ONE = ("{doc_id} là văn bản cuối cùng trong kho; trợ lý cần ít nhất một văn bản để trả lời. Hãy thêm "
            "văn bản khác trước rồi xóa văn bản này.")


@dataclass
class Draft:
    """A checked file waiting to be published: its staged copy and the metadata read from it (editable)."""

    name: str
    path: Path
    doc_id: str
    digest: str
    metadata: dict[str, str]
    replaces: str | None = None


@dataclass
class Outcome:
    """What a change did: documents added, updated, removed, and the files refused with the reason."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.changed and not self.refused, "added": self.added, "updated": self.updated,
                "removed": self.removed, "refused": [{"name": r.name, "message": r.message} for r in self.refused],
                "seconds": round(self.seconds, 1)}


def clean_metadata(values: dict[str, Any]) -> tuple[dict[str, str], str | None]:
    """The editable fields of ``values``, normalised (NFC, trimmed; a province by its canonical name; a date
    as ISO ``YYYY-MM-DD``), or a message saying which value to fix."""
    out: dict[str, str] = {}
    for key in EDITABLE:
        value = nfc(str(values.get(key) or "")).strip()
        if key == "province" and value:
            value = canonical_province(value) or value
        if key == "date_issued" and value:
            m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", value) or None
            if m:
                value = f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
            elif not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                return {}, BAD_DATE.format(value=value)
        out[key] = value
    return out, None


class DocumentLibrary:
    """List, check, add, replace and remove documents of the index described by ``settings``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    # -- reading -------------------------------------------------------------------------------------
    def registry(self) -> dict[str, dict[str, Any]]:
        """The published documents' registry entries (empty when no index was built yet)."""
        if not has_index(self.settings):
            return {}
        store = open_store(self.settings)
        try:
            return dict(store.documents())
        finally:
            store.close()

    def documents(self) -> list[dict[str, Any]]:
        """The indexed documents, each with ``doc_id`` and the :data:`LISTED` fields, by province then id."""
        rows = [{"doc_id": doc_id, **{k: info.get(k) for k in LISTED}} for doc_id, info in self.registry().items()]
        return sorted(rows, key=lambda r: (str(r.get("province") or ""), r["doc_id"]))

    # -- adding ----------------------------------------------------------------------------------------
    def check(self, files: Sequence[Path], names: Sequence[str] | None = None, *, replaces: str | None = None,
              on_step: StepCallback | None = None) -> tuple[list[Draft], list[Refusal]]:
        """Read ``files`` (shown to the user as ``names``) into drafts, or refuse each bad one; nothing is
        indexed. ``replaces``: the id of the document the (single) file is a new version of."""
        names = list(names or [f.name for f in files])
        batch = intake.too_many(len(files), 1 if replaces else self.settings.max_files)
        if batch:
            return [], [Refusal("", batch)]
        known = self.registry()
        if replaces and replaces not in known:
            return [], [Refusal(names[0], UNKNOWN.format(doc_id=replaces))]
        staging = self._staging()
        drafts: list[Draft] = []
        refused: list[Refusal] = []
        for index, (file, shown) in enumerate(zip(files, names, strict=True)):
            # each file in its own folder: two uploads may share a name
            got = self._check_one(Path(file), intake.safe_name(shown), staging / str(index), known, replaces,
                                  on_step)
            if isinstance(got, Refusal):
                refused.append(got)
            elif any(d.doc_id == got.doc_id for d in drafts):
                refused.append(Refusal(got.name, intake.SAME_ID_IN_BATCH.format(doc_id=got.doc_id)))
            elif any(d.digest == got.digest for d in drafts):
                refused.append(Refusal(got.name, intake.DUPLICATE.format(title=got.name, doc_id=got.doc_id)))
            else:
                drafts.append(got)
        kept = {d.path.parent for d in drafts}
        for folder in staging.glob("*"):
            if folder not in kept:
                shutil.rmtree(folder, ignore_errors=True)
        if not drafts:
            shutil.rmtree(staging, ignore_errors=True)
        return drafts, refused

    def _staging(self) -> Path:
        """A new staging folder for one check; those of checks never published are dropped after a day."""
        root = self.settings.uploads / STAGING
        if root.is_dir():
            for old in root.iterdir():
                if old.is_dir() and time.time() - old.stat().st_mtime > 86400:
                    shutil.rmtree(old, ignore_errors=True)
        return root / f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(4)}"

    def _check_one(self, file: Path, name: str, staging: Path, known: dict[str, dict[str, Any]],
                   replaces: str | None, on_step: StepCallback | None) -> Draft | Refusal:
        limit = self.settings.max_file_mb
        try:
            early = intake.precheck(file, name, limit)
        except OSError as exc:
            return Refusal(name, intake.MESSAGES["unreadable"].format(detail=exc.strerror))
        if early:
            return Refusal(name, early.message)
        staged = staging / name
        staged.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, staged)
        step = on_step or (lambda *_: None)
        step(name, "read", 0.0)
        try:
            text, data = load_text(staged, max_bytes=limit * 2**20, ocr_languages=self.settings.ocr_languages,
                                   ocr_dpi=self.settings.ocr_dpi, on_page=lambda d, t: step(name, "ocr", d / max(t, 1)))
        except LoadError as exc:
            message = intake.explain(exc, staged, limit)
            staged.unlink(missing_ok=True)
            return Refusal(name, message)
        meta = resolve_metadata(text, staged, {})
        doc_id = replaces or meta.doc_id
        digest = content_hash(data, self.settings)
        same = next((d for d, info in known.items() if info.get("hash") == digest), None)
        if same:
            staged.unlink(missing_ok=True)
            return Refusal(name, intake.DUPLICATE.format(title=known[same].get("title") or same, doc_id=same))
        if not replaces and doc_id in known:
            staged.unlink(missing_ok=True)
            return Refusal(name, intake.SAME_ID.format(doc_id=doc_id, title=known[doc_id].get("title") or doc_id))
        values = meta.to_dict()
        return Draft(name=name, path=staged, doc_id=doc_id, digest=digest, replaces=replaces,
                     metadata={k: str(values.get(k) or "") for k in EDITABLE})

    def publish(self, drafts: Sequence[Draft], *, user: str, on_step: StepCallback | None = None) -> Outcome:
        """Index the checked ``drafts`` (with their metadata as corrected) in one new generation."""
        started = time.perf_counter()
        outcome = Outcome()
        # unique per publish: an add and a replace within the same second must not share a folder
        version = f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(4)}"
        edits = Edits(on_step=on_step)
        placed: list[tuple[Draft, Path]] = []
        for draft in drafts:
            metadata, problem = clean_metadata(draft.metadata)
            if problem:
                outcome.refused.append(Refusal(draft.name, problem))
                continue
            final = self.settings.uploads / draft.doc_id / version / draft.name
            final.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(draft.path, final)
            placed.append((draft, final))
            edits.metadata[final.resolve()] = {**metadata, "doc_id": draft.doc_id, "added_by": user,
                                               "added_at": time.strftime("%Y-%m-%d %H:%M:%S"),
                                               "original_name": draft.name}
        if placed:
            self._run([final for _, final in placed], edits, outcome, user)
        self._tidy(placed, outcome, version)
        for draft in drafts:  # the staging folders
            shutil.rmtree(draft.path.parent, ignore_errors=True)
            with contextlib.suppress(OSError):
                draft.path.parent.parent.rmdir()  # once empty
        outcome.seconds = time.perf_counter() - started
        return outcome

    def add(self, files: Sequence[Path], *, user: str, metadata: dict[str, Any] | None = None,
            names: Sequence[str] | None = None, on_step: StepCallback | None = None) -> Outcome:
        """Check and publish ``files`` at once; ``metadata`` (non-empty values) overrides what was read."""
        drafts, refused = self.check(files, names, on_step=on_step)
        return self._publish_drafts(drafts, refused, user, metadata, on_step)

    def replace(self, doc_id: str, file: Path, *, user: str, metadata: dict[str, Any] | None = None,
                name: str | None = None, on_step: StepCallback | None = None) -> Outcome:
        """Publish ``file`` as the new version of the document ``doc_id`` (same id, new text)."""
        drafts, refused = self.check([file], [name or file.name], replaces=doc_id, on_step=on_step)
        return self._publish_drafts(drafts, refused, user, metadata, on_step)

    def _publish_drafts(self, drafts: list[Draft], refused: list[Refusal], user: str,
                        metadata: dict[str, Any] | None, on_step: StepCallback | None) -> Outcome:
        for draft in drafts:
            draft.metadata.update({k: str(v) for k, v in (metadata or {}).items() if k in EDITABLE and v})
        outcome = self.publish(drafts, user=user, on_step=on_step) if drafts else Outcome()
        outcome.refused[:0] = refused
        return outcome

    def remove(self, doc_id: str, *, user: str) -> Outcome:
        """Remove the document ``doc_id`` from the index (a new generation without it)."""
        started = time.perf_counter()
        outcome = Outcome()
        known = self.registry()
        if doc_id not in known:
            outcome.refused.append(Refusal(doc_id, UNKNOWN.format(doc_id=doc_id)))
        elif len(known) == 1:
            outcome.refused.append(Refusal(doc_id, LAST_ONE.format(doc_id=doc_id)))
        else:
            self._run([], Edits(remove={doc_id}), outcome, user)
            if doc_id in outcome.removed:
                shutil.rmtree(self.settings.uploads / doc_id, ignore_errors=True)
        outcome.seconds = time.perf_counter() - started
        return outcome

    # -- the run -----------------------------------------------------------------------------------------
    def _run(self, paths: list[Path], edits: Edits, outcome: Outcome, user: str) -> None:
        try:
            report = ingest(paths, self.settings, progress=False, edits=edits)
        except IngestBusy:
            outcome.refused.append(Refusal("", intake.BUSY))
            return
        except Exception:
            ref = secrets.token_hex(4)
            log.exception("change by %s failed (ref %s); the published index is unchanged", user, ref)
            outcome.refused.append(Refusal("", f"Lỗi hệ thống khi cập nhật kho (mã lỗi {ref}); kho văn bản không "
                                               "thay đổi. Hãy thử lại; nếu lỗi lặp lại, báo quản trị viên kèm mã lỗi."))
            return
        outcome.added += report.added
        outcome.updated += report.updated
        outcome.removed += report.removed
        outcome.refused += [Refusal(Path(p).name, intake.MESSAGES["unreadable"].format(detail=why))
                            for p, why in report.failed]
        registry = self.registry() if outcome.changed else {}
        for verb, ids in (("added", report.added), ("replaced", report.updated), ("removed", report.removed)):
            for doc_id in ids:
                info = registry.get(doc_id, {})
                log.info("user %s %s document %s (%s, %s chunks)", user, verb, doc_id, info.get("title", ""),
                         info.get("chunks", 0))

    def _tidy(self, placed: list[tuple[Draft, Path]], outcome: Outcome, version: str) -> None:
        """Keep the uploaded file of each published version and drop the older ones; drop the rest."""
        done = set(outcome.added) | set(outcome.updated)
        for draft, final in placed:
            folder = self.settings.uploads / draft.doc_id
            if draft.doc_id in done:
                for old in folder.iterdir():
                    if old.is_dir() and old.name != version:
                        shutil.rmtree(old, ignore_errors=True)
            else:
                shutil.rmtree(final.parent, ignore_errors=True)
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
