"""SQLite tables of targets and responsibilities, one file beside the Chroma store.

SQLite because the explorer needs what a vector store does not do: exact filters (province, area,
year, agency, role), grouping for comparisons and full-text search, over a few thousand rows. The
file is rebuilt incrementally with the index: a document's rows are replaced when its content hash
or :data:`~assistant.commitments.EXTRACTOR_VERSION` changes, in one transaction.

Full-text search uses FTS5 over a diacritic-folded copy of each row, so "tai chinh cong" finds
"tài chính công".
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from assistant.commitments import EXTRACTOR_VERSION, Responsibility, Target
from assistant.vntext import fold

log = logging.getLogger(__name__)

FILENAME = "commitments.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, extractor_version TEXT NOT NULL,
    province TEXT, title TEXT, so_hieu TEXT, doc_type TEXT, year INTEGER, period TEXT
);
CREATE TABLE IF NOT EXISTS targets (
    id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    province TEXT, indicator TEXT, indicator_key TEXT, value TEXT, number REAL, number_max REAL, unit TEXT,
    comparator TEXT, year TEXT, period_text TEXT, effective_year TEXT, area TEXT, section TEXT, chunk_id TEXT,
    sentence TEXT, start INTEGER, "end" INTEGER, value_start INTEGER, value_end INTEGER
);
CREATE TABLE IF NOT EXISTS responsibilities (
    id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    province TEXT, agency TEXT, agency_text TEXT, role TEXT, task TEXT, area TEXT, section TEXT, chunk_id TEXT,
    sentence TEXT, start INTEGER, "end" INTEGER, agency_from_heading INTEGER
);
CREATE INDEX IF NOT EXISTS targets_doc ON targets(doc_id);
CREATE INDEX IF NOT EXISTS responsibilities_doc ON responsibilities(doc_id);
CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(kind UNINDEXED, ref UNINDEXED, doc_id UNINDEXED, body);
"""

_TARGET_COLUMNS = ["doc_id", "province", "indicator", "indicator_key", "value", "number", "number_max", "unit",
                   "comparator", "year", "period_text", "effective_year", "area", "section", "sentence", "start",
                   "end", "value_start", "value_end"]
_RESPONSIBILITY_COLUMNS = ["doc_id", "province", "agency", "agency_text", "role", "task", "area", "section",
                           "sentence", "start", "end", "agency_from_heading"]


def _quoted(columns: Iterable[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def chunk_for(offset: int, chunks: Sequence[Any]) -> str | None:
    """The id of the chunk whose text contains ``offset`` (chunks are exact slices of the canonical text)."""
    for chunk in chunks:
        if chunk.start <= offset < chunk.end:
            return str(chunk.chunk_id)
    return None


class CommitmentStore:
    """Read and write the commitments tables. Connections are opened per call, so it is thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @contextmanager
    def _connect(self, *, write: bool = False):  # type: ignore[no-untyped-def]
        if write:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif not self.path.exists():
            raise FileNotFoundError(
                f"no commitments table at {self.path}; build the index first: python ingest.py")
        conn = sqlite3.connect(self.path, timeout=30)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        with closing(conn):
            if write:
                conn.executescript(_SCHEMA)
            yield conn

    @property
    def exists(self) -> bool:
        return self.path.exists()

    # ---------------------------------------------------------------------------------------- writes

    def is_current(self, doc_id: str, content_hash: str) -> bool:
        if not self.exists:
            return False
        with self._connect(write=True) as conn:
            row = conn.execute("SELECT content_hash, extractor_version FROM documents WHERE doc_id = ?",
                               (doc_id,)).fetchone()
        return bool(row) and row["content_hash"] == content_hash and row["extractor_version"] == EXTRACTOR_VERSION

    def replace_document(self, meta: Mapping[str, Any], content_hash: str, targets: Sequence[Target],
                         responsibilities: Sequence[Responsibility], chunks: Sequence[Any] = ()) -> None:
        doc_id = str(meta["doc_id"])
        with self._connect(write=True) as conn, conn:
            self._delete(conn, doc_id)
            conn.execute(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (doc_id, content_hash, EXTRACTOR_VERSION, meta.get("province"), meta.get("title"),
                 meta.get("so_hieu"), meta.get("doc_type"), meta.get("year"), meta.get("period")))
            for t in targets:
                self._insert(conn, "target", t.to_dict(), chunk_for(t.value_start, chunks),
                             [t.indicator, t.value, t.sentence, t.province, t.section])
            for r in responsibilities:
                self._insert(conn, "responsibility", r.to_dict(), chunk_for(r.start, chunks),
                             [r.agency, r.agency_text, r.role, r.task, r.sentence, r.province, r.section])
        log.debug("commitments: %s: %d targets, %d responsibilities", doc_id, len(targets), len(responsibilities))

    @staticmethod
    def _insert(conn: sqlite3.Connection, kind: str, row: Mapping[str, Any], chunk_id: str | None,
                searchable: Sequence[str]) -> None:
        table, columns = ("targets", _TARGET_COLUMNS) if kind == "target" else \
            ("responsibilities", _RESPONSIBILITY_COLUMNS)
        cur = conn.execute(f"INSERT INTO {table} ({_quoted(columns)}, chunk_id) "
                           f"VALUES ({', '.join('?' * (len(columns) + 1))})", [row[c] for c in columns] + [chunk_id])
        conn.execute("INSERT INTO search VALUES (?, ?, ?, ?)",
                     (kind, cur.lastrowid, row["doc_id"], fold(" ".join(searchable))))

    @staticmethod
    def _delete(conn: sqlite3.Connection, doc_id: str) -> None:
        conn.execute("DELETE FROM search WHERE doc_id = ?", (doc_id,))
        conn.execute("DELETE FROM targets WHERE doc_id = ?", (doc_id,))
        conn.execute("DELETE FROM responsibilities WHERE doc_id = ?", (doc_id,))
        conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    def delete_document(self, doc_id: str) -> None:
        if self.exists:
            with self._connect(write=True) as conn, conn:
                self._delete(conn, doc_id)

    def retain(self, doc_ids: Iterable[str]) -> list[str]:
        """Delete the rows of every document not in ``doc_ids``; returns the ids removed."""
        keep = set(doc_ids)
        if not self.exists:
            return []
        with self._connect(write=True) as conn:
            known = [r["doc_id"] for r in conn.execute("SELECT doc_id FROM documents")]
        gone = [d for d in known if d not in keep]
        for doc_id in gone:
            self.delete_document(doc_id)
        return gone

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


def commitments_for(store_dir: Path) -> CommitmentStore:
    """The commitments tables of the vector store in ``store_dir`` (the file sits inside that folder)."""
    return CommitmentStore(Path(store_dir) / FILENAME)
