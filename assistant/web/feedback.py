"""👍/👎 feedback on answers, kept in SQLite in a data folder outside git (``var/`` by default,
``ASSISTANT_FEEDBACK_DB`` to move it), and exported as CSV with ``python -m assistant feedback export``.

Each vote is one row: time (UTC, ISO 8601), vote (``up``/``down``), the question, the answer as
shown, its citations as JSON, plus the context needed to reproduce it (rewritten question, filters,
answer id). Safe to use from many threads (the web server's workers) and processes: every call opens
its own connection, writes are serialised by a lock, and the database runs in WAL mode.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

COLUMNS = ["id", "ts", "vote", "question", "rewritten_question", "province", "doc_id", "abstained",
           "answer", "citations", "answer_id", "comment", "source"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    question TEXT NOT NULL,
    rewritten_question TEXT,
    province TEXT,
    doc_id TEXT,
    abstained INTEGER,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    answer_id TEXT,
    comment TEXT,
    source TEXT
)
"""

_UP = {"up", "like", "liked", "+1", "1", "true", "👍", "yes"}
_DOWN = {"down", "dislike", "disliked", "-1", "0", "false", "👎", "no"}


def normalise_vote(vote: object) -> str:
    """``"up"`` or ``"down"`` from a bool (Gradio's ``LikeData.liked``), a number or a word."""
    if isinstance(vote, bool):
        return "up" if vote else "down"
    if isinstance(vote, int | float):
        return "up" if vote > 0 else "down"
    word = str(vote).strip().lower()
    if word in _UP:
        return "up"
    if word in _DOWN:
        return "down"
    raise ValueError(f"vote must be 'up' or 'down', not {vote!r}")


def _citations_json(citations: object) -> str:
    if citations is None:
        return "[]"
    if isinstance(citations, str):
        return citations
    items = []
    for c in citations if isinstance(citations, Iterable) else [citations]:
        if is_dataclass(c) and not isinstance(c, type):
            items.append(asdict(c))
        elif isinstance(c, dict):
            items.append(c)
        else:
            items.append(dict(vars(c)))
    return json.dumps(items, ensure_ascii=False)


def _timestamp(ts: datetime | str | float | None) -> str:
    if ts is None:
        return datetime.now(UTC).isoformat(timespec="seconds")
    if isinstance(ts, datetime):
        return (ts if ts.tzinfo else ts.replace(tzinfo=UTC)).astimezone(UTC).isoformat(timespec="seconds")
    if isinstance(ts, int | float):
        return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")
    return str(ts)


def _csv_safe(value: object) -> object:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class FeedbackStore:
    """The feedback table in one SQLite file; the folder is created when needed."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).expanduser()
        self._lock = threading.Lock()
        self._ready = False

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            if not self._ready:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(_SCHEMA)
                conn.commit()
                self._ready = True
            yield conn
        finally:
            conn.close()

    def record(self, question: str, answer: str, citations: object, vote: object,
               ts: datetime | str | float | None = None, *, rewritten_question: str | None = None,
               province: str | None = None, doc_id: str | None = None, abstained: bool | None = None,
               answer_id: str | None = None, comment: str | None = None, source: str | None = None) -> int:
        """Store one vote; returns its row id."""
        row = (_timestamp(ts), normalise_vote(vote), str(question or ""), rewritten_question, province or None,
               doc_id or None, None if abstained is None else int(bool(abstained)), str(answer or ""),
               _citations_json(citations), answer_id, comment or None, source)
        with self._lock, self._connect() as conn:
            cur = conn.execute(
                "INSERT INTO feedback (ts, vote, question, rewritten_question, province, doc_id, abstained, "
                "answer, citations, answer_id, comment, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            conn.commit()
            return int(cur.lastrowid or 0)

    def rows(self) -> list[dict[str, Any]]:
        """All votes, oldest first (citations decoded)."""
        if not self.path.exists():
            return []
        with self._connect() as conn:
            conn.row_factory = sqlite3.Row
            out = [dict(r) for r in conn.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY id")]
        for r in out:
            with suppress(json.JSONDecodeError):
                r["citations"] = json.loads(r["citations"] or "[]")
        return out

    def count(self) -> int:
        if not self.path.exists():
            return 0
        with self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0])

    def export_csv(self, out: Path | str | IO[str]) -> int:
        """Write every vote as CSV (UTF-8 with BOM when writing a file, so spreadsheets read the
        Vietnamese correctly); ``out`` is a path, ``-`` for standard output, or an open text file.
        Returns the number of rows written."""
        rows = self.rows()
        if isinstance(out, str | Path) and str(out) == "-":
            return self._write(rows, sys.stdout)
        if isinstance(out, str | Path):
            path = Path(out).expanduser()
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", encoding="utf-8-sig", newline="") as fh:
                return self._write(rows, fh)
        return self._write(rows, out)

    @staticmethod
    def _write(rows: list[dict[str, Any]], fh: IO[str]) -> int:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for r in rows:
            r = {**r, "citations": json.dumps(r["citations"], ensure_ascii=False)
                 if not isinstance(r["citations"], str) else r["citations"]}
            writer.writerow([_csv_safe(r.get(c)) if r.get(c) is not None else "" for c in COLUMNS])
        fh.flush()
        return len(rows)


def default_store() -> FeedbackStore:
    from assistant.core.settings import get_settings

    return FeedbackStore(get_settings().feedback_db)


def record(question: str, answer: str, citations: object, vote: object,
           ts: datetime | str | float | None = None, *, db: Path | str | None = None, **extra: Any) -> int:
    """Store one vote in the configured database (or ``db``); returns its row id."""
    store = FeedbackStore(db) if db else default_store()
    return store.record(question, answer, citations, vote, ts, **extra)


def export_csv(path: Path | str | IO[str], *, db: Path | str | None = None) -> int:
    """Write all votes of the configured database (or ``db``) as CSV; returns the row count."""
    store = FeedbackStore(db) if db else default_store()
    return store.export_csv(path)
