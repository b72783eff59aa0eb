"""The ingest run: read, parse, chunk, embed and publish documents; incremental by content hash.

Each run holds the store's ingest lock, builds a complete new generation (unchanged documents are carried
over with their embeddings, changed ones embedded again, removed ones dropped) and publishes it in one
atomic switch, so readers never see a half-built index (:mod:`assistant.index.generations`). Opening the
published index is :func:`assistant.index.store.open_store`: answering never imports this module.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from assistant.core.settings import Settings, get_settings
from assistant.index.commitments_db import commitments_of
from assistant.index.generations import IngestBusy, ingest_lock, remove_stale
from assistant.index.lexical import lexical_of
from assistant.index.store import (
    Store,
    StoreError,
    current_generation,
    has_index,
    indexed_text,
    iter_batches,
    open_store,
    remove_stale_server_generations,
)
from assistant.ingest.chunking import Chunk, chunk_document
from assistant.ingest.commitments import EXTRACTOR_VERSION, commitment_rows
from assistant.ingest.loaders import SUPPORTED, LoadError, load_text
from assistant.ingest.metadata import DocMeta, changed_metadata, load_catalog, resolve_metadata
from assistant.ingest.parsing import PARSER_VERSION, ParsedDocument, parse_document

if TYPE_CHECKING:
    from assistant.index.embeddings import SentenceEmbeddings

log = logging.getLogger(__name__)

#: Exit status when another ingest holds the lock (EX_TEMPFAIL: try again later).
EXIT_BUSY = 75


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks: dict[str, int] = field(default_factory=dict)
    commitments: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        total = sum(self.chunks.values())
        lines = [
            f"documents: {len(self.added)} added, {len(self.updated)} updated, {len(self.skipped)} unchanged, "
            f"{len(self.removed)} removed, {len(self.failed)} failed",
            f"chunks written: {total} in {self.seconds:.1f}s"
            + (f" ({total / self.seconds:.1f} chunks/s)" if total and self.seconds else ""),
        ]
        lines += [f"  {doc}: {n} chunks" for doc, n in self.chunks.items()]
        if self.commitments:
            lines.append(f"commitments: {self.commitments.get('targets', 0)} targets, "
                         f"{self.commitments.get('responsibilities', 0)} responsibilities")
        lines += [f"  skipped {path}: {reason}" for path, reason in self.failed]
        return "\n".join(lines)


#: Called as ``on_step(file name, step, fraction)``; steps: read, ocr, parse, embed, publish.
StepCallback = Callable[[str, str, float], None]
_META_FIELDS = {f.name for f in fields(DocMeta)}


@dataclass
class Edits:
    """What the documents service (:mod:`assistant.index.documents`) adds to a run besides the files: metadata
    per file (keys of :class:`DocMeta` replace what was extracted, ``doc_id`` included, so a file of another
    name replaces a document; other keys, such as who added it and when, go into its registry entry), the
    ids of documents to remove, and a progress callback."""

    metadata: dict[Path, dict[str, Any]] = field(default_factory=dict)
    remove: set[str] = field(default_factory=set)
    on_step: StepCallback | None = None

    def apply(self, path: Path, meta: DocMeta) -> tuple[DocMeta, dict[str, Any]]:
        given = self.metadata.get(path.resolve(), {})
        overrides = {k: v for k, v in given.items() if k in _META_FIELDS and v not in (None, "")}
        return replace(meta, **overrides), {k: v for k, v in given.items() if k not in _META_FIELDS}

    def step(self, name: str, step: str, fraction: float = 0.0) -> None:
        if self.on_step is not None:
            self.on_step(name, step, fraction)


#: A folder's own documentation (README.md, CATALOG.md, index.html, LICENSE.txt …) describes the documents and is
#: not one of them: folder listings skip it (a file named on the command line is still indexed). Matched on the
#: file name before its first dot, in any case.
FOLDER_DOCUMENTATION = frozenset({"readme", "catalog", "catalogue", "index", "license", "licence"})


def is_folder_documentation(path: Path) -> bool:
    """Whether ``path`` is named like a folder's README/CATALOG/INDEX/LICENSE file."""
    return path.name.split(".", 1)[0].lower() in FOLDER_DOCUMENTATION


def discover(paths: list[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Supported files under ``paths`` (recursively, symlink loops, hidden files and a folder's own
    documentation files skipped)."""
    found: list[Path] = []
    problems: list[tuple[str, str]] = []
    seen: set[Path] = set()
    for root in paths:
        if not root.exists():
            problems.append((str(root), "no such file or directory"))
            continue
        if root.is_file():
            candidates = [root]
        else:
            candidates = []
            for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
                real = Path(dirpath).resolve()
                if real in seen:
                    dirnames.clear()
                    continue
                seen.add(real)
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                candidates += [Path(dirpath) / f for f in sorted(filenames) if not f.startswith(".")]
        for path in candidates:
            if path.suffix.lower() in SUPPORTED and path is not root and is_folder_documentation(path):
                log.info("skipping %s: a folder's README/CATALOG/INDEX/LICENSE file, not a document "
                         "(name it on the command line to index it)", path)
            elif path.suffix.lower() in SUPPORTED:
                found.append(path)
            elif root.is_file():
                problems.append((str(path), f"unsupported file type; use one of {', '.join(sorted(SUPPORTED))}"))
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values()), problems


def content_hash(data: bytes, settings: Settings) -> str:
    recipe = f"{PARSER_VERSION}|{settings.chunk_max_tokens}|{settings.chunk_min_tokens}".encode()
    return hashlib.sha256(recipe + b"\0" + data).hexdigest()


def ingest(paths: list[Path], settings: Settings, *, rebuild: bool = False, progress: bool = True,
           edits: Edits | None = None) -> IngestReport:
    """Index ``paths`` incrementally into a new generation and switch to it atomically.

    Holds the store's ingest lock (a second ingest fails at once with :class:`IngestBusy`). Unchanged
    documents are carried over with their embeddings; nothing is written to the serving generation, so
    readers keep answering and a crash at any point leaves the previous index intact. When nothing
    changed, no generation is built. ``rebuild`` ignores the current index (even a damaged one). ``edits``:
    metadata overrides, removals and progress for the documents service.
    """
    started = time.perf_counter()
    report = IngestReport()
    with ingest_lock(settings.store):
        log.info("ingest lock taken on %s", settings.chroma_url or settings.store)
        old = open_store(settings) if not rebuild and has_index(settings) else None
        new: Store | None = None
        published = False
        try:
            new = _ingest_into(paths, settings, old, report, progress, edits or Edits())
            if new is not None:
                (edits or Edits()).step("", "publish")
                commitments_of(new, settings.store)  # built beside the chunks, before the switch
                lexical_of(new)  # BM25 and the lexical tables too, so no reader builds them at start
                log.info("publishing generation %s", new.generation)
                new.publish(previous=old.generation if old else _published(settings))
                published = True
                log.info("switched to generation %s", new.generation)
        except BaseException:
            if new is not None and not published:
                new.discard()
            raise
        finally:
            if old is not None:
                old.close()
        _remove_stale(settings, new)
        serving = new or old
        if serving is not None:
            report.commitments = _count_commitments(serving.documents())
    report.seconds = time.perf_counter() - started
    return report


def _count_commitments(documents: dict[str, dict[str, Any]]) -> dict[str, int]:
    rows = [d.get("commitments") or {} for d in documents.values()]
    return {"targets": sum(len(r.get("targets", [])) for r in rows),
            "responsibilities": sum(len(r.get("responsibilities", [])) for r in rows)}


def _published(settings: Settings) -> str | None:
    """The serving generation's name even when it is not opened (``--rebuild``, or a damaged index)."""
    try:
        return current_generation(settings.store, settings.chroma_url or None, settings.collection) or None
    except Exception:  # unreachable or damaged: nothing to keep for readers
        return None


def _remove_stale(settings: Settings, new: Store | None) -> None:
    if settings.chroma_url:
        removed = remove_stale_server_generations(new.client, settings.collection) if new is not None else []
    else:
        removed = remove_stale(settings.store)
    if removed:
        log.info("removed old generations: %s", ", ".join(removed))


def _ingest_into(paths: list[Path], settings: Settings, old: Store | None, report: IngestReport,
                 progress: bool, edits: Edits) -> Store | None:
    """Process the files; returns the new (unpublished) generation, or None when nothing changed."""
    building: list[Store] = []
    try:
        return _build(paths, _Run(settings, old, report, building, edits), progress)
    except BaseException:
        for store in building:  # an error (not a kill): drop the unfinished generation now
            store.discard()
        raise


@dataclass
class _Run:
    """One ingest run while it reads the files: the index it starts from and what it has done so far."""

    settings: Settings
    old: Store | None
    report: IngestReport
    building: list[Store]  # the generation being built, once created (discarded by the caller on an error)
    edits: Edits = field(default_factory=Edits)
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)  # registry fields from the edits, per doc_id
    known: dict[str, dict[str, Any]] = field(init=False)  # the registry of the index it starts from
    written: dict[str, dict[str, Any]] = field(default_factory=dict)  # registry entries of documents embedded
    #: commitments of unchanged documents that a new extractor version read again (no new embedding)
    refreshed: dict[str, dict[str, Any]] = field(default_factory=dict)
    current: set[str] = field(default_factory=set)  # ids of the documents read in this run
    catalogs: dict[Path, dict[str, dict[str, str]]] = field(default_factory=dict)  # per folder
    new: Store | None = None
    embedder: SentenceEmbeddings | None = None

    def __post_init__(self) -> None:
        self.known = self.old.documents() if self.old else {}

    def generation(self) -> Store:
        """The new generation, created on first use."""
        if self.new is None:
            self.new = open_store(self.settings, create=True)
            self.building.append(self.new)
        return self.new


def _build(paths: list[Path], run: _Run, progress: bool) -> Store | None:
    files, run.report.failed = discover(paths)
    bar = tqdm(total=len(files), desc="Ingest", unit="doc", disable=not progress, file=sys.stderr)
    for path in files:
        bar.set_postfix_str(path.name[:40])
        bar.update()
        _read_file(run, path)
    bar.close()
    return _carry_over(run, paths)


def _chunks(doc_id: str, parsed: ParsedDocument, settings: Settings) -> list[Chunk]:
    return chunk_document(doc_id, parsed, max_tokens=settings.chunk_max_tokens, min_tokens=settings.chunk_min_tokens)


def _read_file(run: _Run, path: Path) -> None:
    """Read one file and index it into the new generation, unless it is unchanged, a duplicate or unreadable."""
    report = run.report
    log.info("reading %s", path)
    run.edits.step(path.name, "read")
    settings = run.settings
    try:
        text, data = load_text(path, max_bytes=settings.max_file_mb * 2**20, ocr_languages=settings.ocr_languages,
                               ocr_dpi=settings.ocr_dpi,
                               on_page=lambda done, total: run.edits.step(path.name, "ocr", done / max(total, 1)))
    except LoadError as exc:
        report.failed.append((str(path), str(exc).split(": ", 1)[-1]))
        return
    catalog = run.catalogs.setdefault(path.parent, load_catalog(path.parent))
    meta, extra = run.edits.apply(path, resolve_metadata(text, path, catalog))
    if meta.doc_id in run.current:
        report.failed.append((str(path), f"another file already has the id {meta.doc_id!r}; rename one"))
        return
    run.current.add(meta.doc_id)
    digest = content_hash(data, run.settings)
    previous = run.known.get(meta.doc_id)
    unchanged = bool(previous) and previous.get("hash") == digest
    # a better reading of the same file (a new metadata extractor): its number, title and province are in
    # every chunk's metadata and embedded text, so the document is indexed again
    changed = changed_metadata(previous, {**meta.to_dict(), **extra}) if unchanged else []
    if changed:
        log.info("metadata of %s changed (%s): indexing it again", meta.doc_id, ", ".join(changed))
    if unchanged and not changed:
        if (previous.get("commitments") or {}).get("version") != EXTRACTOR_VERSION:
            # a new commitments extractor: read the document again, without embedding it again
            parsed = parse_document(text)
            chunks = _chunks(meta.doc_id, parsed, run.settings)
            run.refreshed[meta.doc_id] = commitment_rows(parsed, meta.to_dict(), chunks)
        report.skipped.append(meta.doc_id)
        return
    indexed = {**run.known, **run.written}
    duplicate = next((d for d, info in indexed.items() if d != meta.doc_id and info.get("hash") == digest), None)
    if duplicate:
        report.failed.append((str(path), f"same content as the indexed document {duplicate!r}"))
        return
    run.extra[meta.doc_id] = extra
    _index_document(run, path, meta, text, digest)


def _index_document(run: _Run, path: Path, meta: DocMeta, text: str, digest: str) -> None:
    """Parse, chunk, embed and write one new or changed document into the new generation."""
    from assistant.index.embeddings import SentenceEmbeddings

    log.info("parsing %s", meta.doc_id)
    run.edits.step(path.name, "parse")
    parsed = parse_document(text)
    chunks = _chunks(meta.doc_id, parsed, run.settings)
    if not chunks:
        run.report.failed.append((str(path), "no text to index after cleaning"))
        return
    if run.new is None:
        new = run.generation()
        run.embedder = SentenceEmbeddings(new.model, run.settings.torch_threads)
        log.info("building generation %s", new.generation)
    new, embedder = run.generation(), run.embedder
    assert embedder is not None
    texts = [indexed_text(meta.title, meta.so_hieu, c.section, c.text) for c in chunks]
    log.info("embedding %s (%d chunks)", meta.doc_id, len(chunks))
    vectors: list[list[float]] = []
    for batch in iter_batches(texts, 16):
        run.edits.step(path.name, "embed", len(vectors) / len(texts))
        vectors += embedder.embed_documents(list(batch))
    info = {**meta.to_dict(), **run.extra.get(meta.doc_id, {})}
    # the document's targets and responsibilities travel with its registry entry, so they are carried
    # over, published and rolled back together with its chunks (in a local store or on a Chroma server)
    info["commitments"] = commitment_rows(parsed, info, chunks)
    new.replace_document(info, chunks, vectors, content_hash=digest, text=parsed.text)
    run.written[meta.doc_id] = new.documents()[meta.doc_id]
    (run.report.updated if run.known.get(meta.doc_id) else run.report.added).append(meta.doc_id)
    run.report.chunks[meta.doc_id] = len(chunks)


def _carry_over(run: _Run, paths: list[Path]) -> Store | None:
    """Documents that came from a scanned folder and are gone from it are removed from the index; the
    others (unchanged, or indexed from elsewhere) are carried over into the new generation. Returns the
    new generation, or None when nothing changed."""
    scanned_dirs = [p.resolve() for p in paths if p.is_dir()]
    carry = []
    for doc_id, info in run.known.items():
        if doc_id in run.written:
            continue
        if doc_id in run.edits.remove:
            run.report.removed.append(doc_id)
            continue
        src = Path(info.get("source_path", ""))
        if doc_id not in run.current and any(d in src.parents for d in scanned_dirs) and not src.exists():
            run.report.removed.append(doc_id)
        else:
            carry.append(doc_id)
    if run.new is None and not run.report.removed and not run.refreshed:
        return None
    new = run.generation()
    if run.old is not None and carry:
        log.info("copying %d unchanged documents into generation %s", len(carry), new.generation)
        for doc_id in carry:
            new.copy_document(run.old, doc_id)
            if doc_id in run.refreshed:
                new.documents()[doc_id]["commitments"] = run.refreshed[doc_id]
    return new


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ingest.py",
        description="Index documents (.txt .md .html .docx .pdf) into the assistant's Chroma store.",
    )
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the corpus in data/)")
    parser.add_argument("--store", type=Path, help="store folder (default: vectorstore/ or $ASSISTANT_STORE)")
    parser.add_argument("--rebuild", action="store_true",
                        help="index only PATHS from scratch (the old index serves until the new one is ready)")
    parser.add_argument("--chroma-url", help="index into a Chroma server, e.g. http://127.0.0.1:8000 "
                                             "(default: $ASSISTANT_CHROMA_URL; unset = the local store folder)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each step (file read, embedded, switch)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.verbose:
        logging.getLogger("assistant").setLevel(logging.INFO)
    settings = get_settings(store=args.store, chroma_url=args.chroma_url)
    paths = args.paths or [settings.data_dir]
    try:
        report = ingest(paths, settings, rebuild=args.rebuild, progress=not args.quiet)
    except IngestBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except Exception as exc:  # a clear one-line message instead of a traceback
        if isinstance(exc, StoreError | RuntimeError):
            print(f"error: {exc}", file=sys.stderr)
            return 1
        raise
    print(report.summary())
    return 0 if not report.failed or report.added or report.updated or report.skipped else 1
