"""SQLite tables of targets and responsibilities, one file beside each published index.

SQLite because the explorer needs what a vector store does not do: exact filters (province, area,
year, agency, role), grouping for comparisons and full-text search, over a few thousand rows.

The rows themselves are extracted at ingest and kept in the index registry with their document (see
:func:`assistant.ingest.commitments.commitment_rows`), so they are carried over, published and rolled back
with the document's chunks, in a local store as on a Chroma server; only changed documents (or all of
them, when the extractor changes) are read again. The SQLite file is built from the registry of one
generation: inside the generation's folder at ingest, or in a local cache for a Chroma server.

Full-text search uses FTS5 over a diacritic-folded copy of each row, so "tai chinh cong" finds
"tài chính công".
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from assistant.lexicon.text import fold

log = logging.getLogger(__name__)

FILENAME = "commitments.sqlite3"

_SCHEMA = """
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY, content_hash TEXT, extractor_version TEXT,
    province TEXT, title TEXT, so_hieu TEXT, doc_type TEXT, year INTEGER, period TEXT
);
CREATE TABLE targets (
    id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    province TEXT, indicator TEXT, indicator_key TEXT, value TEXT, number REAL, number_max REAL, unit TEXT,
    comparator TEXT, year TEXT, period_text TEXT, effective_year TEXT, area TEXT, section TEXT, chunk_id TEXT,
    sentence TEXT, start INTEGER, "end" INTEGER, value_start INTEGER, value_end INTEGER
);
CREATE TABLE responsibilities (
    id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    province TEXT, agency TEXT, agency_text TEXT, role TEXT, task TEXT, area TEXT, section TEXT, chunk_id TEXT,
    sentence TEXT, start INTEGER, "end" INTEGER, agency_from_heading INTEGER
);
CREATE INDEX targets_doc ON targets(doc_id);
CREATE INDEX responsibilities_doc ON responsibilities(doc_id);
CREATE VIRTUAL TABLE search USING fts5(kind UNINDEXED, ref UNINDEXED, doc_id UNINDEXED, body);
"""

_TARGET_COLUMNS = ["doc_id", "province", "indicator", "indicator_key", "value", "number", "number_max", "unit",
                   "comparator", "year", "period_text", "effective_year", "area", "section", "sentence", "start",
                   "end", "value_start", "value_end", "chunk_id"]
_RESPONSIBILITY_COLUMNS = ["doc_id", "province", "agency", "agency_text", "role", "task", "area", "section",
                           "sentence", "start", "end", "agency_from_heading", "chunk_id"]
_SEARCHABLE = {"target": ("indicator", "value", "sentence", "province", "section"),
               "responsibility": ("agency", "agency_text", "role", "task", "sentence", "province", "section")}


def _quoted(columns: Iterable[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


class CommitmentStore:
    """Query the commitments tables. Connections are opened per call, so it is thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not self.path.exists():
            raise FileNotFoundError(
                f"no commitments table at {self.path}; build the index first: python ingest.py")
        conn = sqlite3.connect(self.path, timeout=30)
        conn.row_factory = sqlite3.Row
        with closing(conn):
            yield conn

    @property
    def exists(self) -> bool:
        return self.path.exists()

    def build(self, documents: Mapping[str, Mapping[str, Any]]) -> None:
        """Write the tables for ``documents`` (registry entries with their ``commitments`` rows) into a new
        file and move it into place atomically: readers see the old tables or the new ones, never half."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        conn = sqlite3.connect(tmp)
        try:
            with conn:
                conn.executescript(_SCHEMA)
                for doc_id, info in documents.items():
                    rows = info.get("commitments") or {}
                    conn.execute("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 (doc_id, info.get("hash"), rows.get("version"), info.get("province"),
                                  info.get("title"), info.get("so_hieu"), info.get("doc_type"), info.get("year"),
                                  info.get("period")))
                    for row in rows.get("targets", []):
                        self._insert(conn, "target", row)
                    for row in rows.get("responsibilities", []):
                        self._insert(conn, "responsibility", row)
        finally:
            conn.close()
        os.replace(tmp, self.path)
        log.debug("commitments tables written to %s", self.path)

    @staticmethod
    def _insert(conn: sqlite3.Connection, kind: str, row: Mapping[str, Any]) -> None:
        table, columns = ("targets", _TARGET_COLUMNS) if kind == "target" else \
            ("responsibilities", _RESPONSIBILITY_COLUMNS)
        cur = conn.execute(f"INSERT INTO {table} ({_quoted(columns)}) VALUES ({', '.join('?' * len(columns))})",
                           [row.get(c) for c in columns])
        body = " ".join(str(row.get(c) or "") for c in _SEARCHABLE[kind])
        conn.execute("INSERT INTO search VALUES (?, ?, ?, ?)", (kind, cur.lastrowid, row.get("doc_id"), fold(body)))

    # ----------------------------------------------------------------------------------------- reads

    def _search_refs(self, conn: sqlite3.Connection, kind: str, text: str) -> list[int] | None:
        tokens = [t for t in fold(text).replace('"', " ").split() if any(ch.isalnum() for ch in t)]
        if not tokens:
            return None
        query = " ".join('"' + t.strip(".,;:()") + '"' for t in tokens if t.strip(".,;:()"))
        rows = conn.execute("SELECT ref FROM search WHERE search MATCH ? AND kind = ?", (query, kind))
        return [int(r["ref"]) for r in rows]

    def _select(self, table: str, kind: str, filters: Mapping[str, Any], text: str | None,
                extra: Sequence[tuple[str, Sequence[Any]]] = ()) -> list[dict[str, Any]]:
        if not self.exists:
            return []
        where, params = [], []
        for column, value in filters.items():
            if value not in (None, ""):
                where.append(f't."{column}" = ?')
                params.append(value)
        for clause, values in extra:
            where.append(clause)
            params += list(values)
        with self._connect() as conn:
            if text and text.strip():
                refs = self._search_refs(conn, kind, text)
                if refs is not None:
                    if not refs:
                        return []
                    where.append(f"t.id IN ({', '.join('?' * len(refs))})")
                    params += refs
            sql = (f"SELECT t.*, d.title, d.so_hieu FROM {table} t JOIN documents d USING (doc_id)"
                   + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY t.province, t.doc_id, t.start")
            return [dict(r) for r in conn.execute(sql, params)]

    def targets(self, *, province: str | None = None, area: str | None = None, year: str | None = None,
                indicator_key: str | None = None, doc_id: str | None = None, text: str | None = None,
                ) -> list[dict[str, Any]]:
        """Targets matching every given filter. ``year`` matches the stated or the plan's target year."""
        extra = [("(t.year = ? OR (t.year IS NULL AND t.effective_year = ?))", (year, year))] if year else []
        return self._select("targets", "target", {"province": province, "area": area, "doc_id": doc_id,
                                                  "indicator_key": indicator_key}, text, extra)

    def responsibilities(self, *, province: str | None = None, area: str | None = None,
                         agency: str | None = None, role: str | None = None, doc_id: str | None = None,
                         text: str | None = None) -> list[dict[str, Any]]:
        return self._select("responsibilities", "responsibility",
                            {"province": province, "area": area, "agency": agency, "role": role, "doc_id": doc_id},
                            text)

    def distinct(self, table: str, column: str) -> list[str]:
        if table not in {"targets", "responsibilities", "documents"} or not self.exists:
            return []
        with self._connect() as conn:
            rows = conn.execute(f'SELECT DISTINCT "{column}" AS v FROM {table} WHERE "{column}" IS NOT NULL '
                                f'ORDER BY v')
            return [str(r["v"]) for r in rows]

    def counts(self) -> dict[str, int]:
        if not self.exists:
            return {"documents": 0, "targets": 0, "responsibilities": 0}
        with self._connect() as conn:
            return {t: int(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
                    for t in ("documents", "targets", "responsibilities")}


def commitments_of(store: Any, store_root: Path) -> CommitmentStore:
    """The commitments tables of an opened index generation (an :class:`assistant.index.store.Store`).

    A local generation has them in its own folder (written at ingest); for a Chroma server, or a store
    folder that cannot be written, they are built from the registry into ``<store_root>/.cache`` on first use.
    """
    cache_dir = Path(store_root) / ".cache"
    folder = getattr(store, "folder", None)
    generation = getattr(store, "generation", "") or "current"
    db = CommitmentStore(Path(folder) / FILENAME if folder is not None else
                         Path(cache_dir) / f"commitments-{generation}.sqlite3")
    if not db.exists:
        try:
            db.build(store.documents())
        except OSError as exc:  # a read-only store folder: fall back to the cache
            log.warning("cannot write %s (%s); using %s", db.path, exc, cache_dir)
            db = CommitmentStore(Path(cache_dir) / f"commitments-{generation}.sqlite3")
            db.build(store.documents())
    return db
