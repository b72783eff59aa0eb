"""Ingest documents into the store: read, parse, chunk, embed, upsert; incremental by content hash."""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from assistant.chunking import Chunk, chunk_document
from assistant.commitment_store import CommitmentStore, commitments_for
from assistant.commitments import extract_responsibilities, extract_targets
from assistant.config import Settings, get_settings
from assistant.loaders import SUPPORTED, LoadError, load_text
from assistant.metadata import load_catalog, resolve_metadata
from assistant.parsing import PARSER_VERSION, ParsedDocument, parse_document
from assistant.store import Store, indexed_text, iter_batches

log = logging.getLogger(__name__)


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


def discover(paths: list[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Supported files under ``paths`` (recursively, symlink loops and hidden files skipped)."""
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
            if path.suffix.lower() in SUPPORTED:
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


def open_store(settings: Settings, *, create: bool = True) -> Store:
    from assistant.embeddings import resolve_model_name

    model = resolve_model_name(settings.embedding_model, settings.model_dir)
    return Store(settings.store, collection=settings.collection, model=model, threads=settings.torch_threads,
                 create=create)


def _index_commitments(db: CommitmentStore, meta: dict[str, Any], parsed: ParsedDocument, chunks: list[Chunk],
                       digest: str) -> None:
    db.replace_document(meta, digest, extract_targets(parsed, meta), extract_responsibilities(parsed, meta), chunks)


def ingest(paths: list[Path], settings: Settings, *, rebuild: bool = False, progress: bool = True) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport()
    if rebuild and settings.store.exists():
        shutil.rmtree(settings.store)
        # chromadb caches one client per path: forget it, or it keeps writing to the deleted database
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
    store = open_store(settings)
    db = commitments_for(settings.store)
    files, report.failed = discover(paths)
    catalogs: dict[Path, dict[str, dict[str, str]]] = {}
    known = store.documents()
    current: set[str] = set()
    bar = tqdm(total=len(files), desc="Ingest", unit="doc", disable=not progress, file=sys.stderr)
    for path in files:
        bar.set_postfix_str(path.name[:40])
        try:
            text, data = load_text(path)
        except LoadError as exc:
            report.failed.append((str(path), str(exc).split(": ", 1)[-1]))
            bar.update()
            continue
        catalog = catalogs.setdefault(path.parent, load_catalog(path.parent))
        meta = resolve_metadata(text, path, catalog)
        if meta.doc_id in current:
            report.failed.append((str(path), f"another file already has the id {meta.doc_id!r}; rename one"))
            bar.update()
            continue
        current.add(meta.doc_id)
        digest = content_hash(data, settings)
        previous = known.get(meta.doc_id)
        if previous and previous.get("hash") == digest:
            if not db.is_current(meta.doc_id, digest):  # extractor changed: no need to embed again
                parsed = parse_document(text)
                chunks = chunk_document(meta.doc_id, parsed, max_tokens=settings.chunk_max_tokens,
                                        min_tokens=settings.chunk_min_tokens)
                _index_commitments(db, meta.to_dict(), parsed, chunks, digest)
            report.skipped.append(meta.doc_id)
            bar.update()
            continue
        duplicate = next((d for d, info in known.items() if d != meta.doc_id and info.get("hash") == digest), None)
        if duplicate:
            report.failed.append((str(path), f"same content as the indexed document {duplicate!r}"))
            bar.update()
            continue
        parsed = parse_document(text)
        chunks = chunk_document(meta.doc_id, parsed, max_tokens=settings.chunk_max_tokens,
                                min_tokens=settings.chunk_min_tokens)
        if not chunks:
            report.failed.append((str(path), "no text to index after cleaning"))
            bar.update()
            continue
        info = meta.to_dict()
        texts = [indexed_text(meta.title, meta.so_hieu, c.section, c.text) for c in chunks]
        vectors: list[list[float]] = []
        for batch in iter_batches(texts, 16):
            vectors += store.embedding_function._inner.embed_documents(list(batch))
        store.replace_document(info, chunks, vectors, content_hash=digest, text=parsed.text)
        _index_commitments(db, info, parsed, chunks, digest)
        (report.updated if previous else report.added).append(meta.doc_id)
        report.chunks[meta.doc_id] = len(chunks)
        bar.update()
    bar.close()
    # Documents that came from a scanned folder and are gone from it are removed from the index.
    scanned_dirs = [p.resolve() for p in paths if p.is_dir()]
    for doc_id, info in list(store.documents().items()):
        src = Path(info.get("source_path", ""))
        if doc_id not in current and any(d in src.parents for d in scanned_dirs) and not src.exists():
            store.delete_document(doc_id)
            report.removed.append(doc_id)
    db.retain(store.documents())
    counts = db.counts()
    report.commitments = {"targets": counts["targets"], "responsibilities": counts["responsibilities"]}
    report.seconds = time.perf_counter() - started
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ingest.py",
        description="Index documents (.txt .md .html .docx .pdf) into the assistant's Chroma store.",
    )
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the corpus in data/)")
    parser.add_argument("--store", type=Path, help="store folder (default: vectorstore/ or $ASSISTANT_STORE)")
    parser.add_argument("--rebuild", action="store_true", help="delete the store and index everything again")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = get_settings(store=args.store)
    paths = args.paths or [settings.data_dir]
    try:
        report = ingest(paths, settings, rebuild=args.rebuild, progress=not args.quiet)
    except Exception as exc:  # a clear one-line message instead of a traceback
        from assistant.store import StoreError

        if isinstance(exc, StoreError | RuntimeError):
            print(f"error: {exc}", file=sys.stderr)
            return 1
        raise
    print(report.summary())
    return 0 if not report.failed or report.added or report.updated or report.skipped else 1
