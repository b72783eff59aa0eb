"""Index generations, the ingest lock and reader locks: why a crash never leaves a half-built index serving.

Every ingest that changes something builds a complete new *generation* beside the serving one and then
switches to it atomically; readers resolve the switch when they open the store. A killed ingest
(SIGKILL included) therefore leaves the previous generation serving, plus an unpublished folder that the
next ingest deletes.

Local layout of the store folder::

    CURRENT              name of the serving generation; replaced with os.replace (atomic on POSIX)
    .ingest.lock         flock'ed by the running ingest (filelock), which writes its pid and start time in
                         it; the kernel releases the lock when the process dies
    g-<time>-<rand>/     one complete Chroma database + documents.json; every process reading it holds a
                         shared flock on its ``.readers`` file, so cleanup never deletes an index in use

A store built before generations existed (``chroma.sqlite3`` directly in the folder, no ``CURRENT``) is
read in place and migrated by the next ingest. With a Chroma server the same names are collection
suffixes and the pointer is a record of a small metadata collection (see :mod:`assistant.index.store`).
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from filelock import FileLock, Timeout

log = logging.getLogger(__name__)

POINTER = "CURRENT"
INGEST_LOCK = ".ingest.lock"
READERS = ".readers"
LEGACY_DB = "chroma.sqlite3"
_NAME = re.compile(r"^g-(\d{8}-\d{6})-[0-9a-f]{6}$")


class IngestBusy(RuntimeError):
    """Another ingest holds the lock on this store; the message says which process and what to do."""


def new_generation_name() -> str:
    """Sortable, unique, valid as a folder name and inside a Chroma collection name."""
    return f"g-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{secrets.token_hex(3)}"


def is_generation(name: str) -> bool:
    return bool(_NAME.match(name))


# -- the pointer (local store) --------------------------------------------------------------------

def read_pointer(root: Path) -> str | None:
    """The serving generation of a local store, or None when none was ever published."""
    try:
        name = (root / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def write_pointer(root: Path, name: str) -> None:
    """Switch readers to ``name``: write a temporary file, fsync it, then os.replace (atomic)."""
    tmp = root / f".{POINTER}.{os.getpid()}.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / POINTER)
    fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(fd)  # the rename itself is durable once the directory is synced
    finally:
        os.close(fd)


# -- locks ------------------------------------------------------------------------------------------

@contextmanager
def ingest_lock(root: Path) -> Iterator[None]:
    """Hold the store's ingest lock, or raise :class:`IngestBusy` at once if another process has it.

    A ``filelock.FileLock`` (an exclusive ``flock`` on Unix, released by the kernel when the process dies),
    tried once without waiting. It never truncates the file when it fails to take it, so the holder's
    "pid N, started …" line, written when the lock is taken, is what a refused ingest reports.
    ``fallback_to_soft=False``: on a filesystem without ``flock`` it fails instead of using a marker file
    that a killed process would leave behind.
    """
    root.mkdir(parents=True, exist_ok=True)
    path = root / INGEST_LOCK
    lock = FileLock(path, blocking=False, fallback_to_soft=False, on_acquired=_write_holder)
    try:
        lock.acquire()
    except Timeout:
        raise IngestBusy(f"another ingest is already running on {root} ({_holder(path)}); wait for it to finish, "
                         "then run this one again (the current index keeps answering meanwhile).") from None
    try:
        yield
    finally:
        lock.release()


def _write_holder(fd: int) -> None:
    """Record who holds the ingest lock in the lock file (through the lock's own descriptor)."""
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}".encode(), 0)


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip() or "another process"
    except OSError:
        return "another process"


class ReaderLock:
    """A shared lock on a generation, held while a process reads it (released when closed or on exit).

    Plain ``fcntl.flock(LOCK_SH)`` on the generation's ``.readers`` file, probed by :func:`_unused` with a
    non-blocking ``LOCK_EX``: ``filelock.FileLock`` only takes exclusive locks, and filelock's
    ``ReadWriteLock`` keeps its state in an SQLite database, not in a ``flock`` on this file, so it would
    change what readers hold and how cleanup sees them.
    """

    def __init__(self, folder: Path) -> None:
        self._fh: IO[str] | None = (folder / READERS).open("a+", encoding="utf-8")
        fcntl.flock(self._fh.fileno(), fcntl.LOCK_SH)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __del__(self) -> None:
        self.close()


def _unused(folder: Path) -> bool:
    """True when no process holds a reader lock on ``folder`` (checked without waiting)."""
    try:
        fh = (folder / READERS).open("a+", encoding="utf-8")
    except OSError:
        return True
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        fh.close()


def remove_stale(root: Path) -> list[str]:
    """Delete every local generation except the serving one, unless a process still reads it; also the
    files of a pre-generation store once a generation serves. Call with the ingest lock held."""
    current = read_pointer(root)
    removed: list[str] = []
    if not root.is_dir():
        return removed
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and is_generation(folder.name) and folder.name != current:
            if _unused(folder):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder.name)
            else:
                log.info("keeping generation %s: a running process still reads it", folder.name)
    if current and (root / LEGACY_DB).exists() and _unused(root):
        for entry in root.iterdir():
            if entry.name in {LEGACY_DB, "documents.json", READERS} or (
                    entry.is_dir() and re.fullmatch(r"[0-9a-f-]{36}", entry.name)):
                shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
        removed.append("(pre-generation store)")
    return removed
