"""Which text the full-section viewer shows: the run of indexed chunks that make up a cited section, cut
from the document's canonical text, with the quote located in it (a long section is windowed around
the quote).

Plain text only; :mod:`assistant.web.rendering` turns the result into HTML. The text comes from the
index, never from a file, so no user input reaches the filesystem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: Longest section text shown when a source is expanded (characters); longer sections are windowed
#: around the quote.
SECTION_MAX_CHARS = 12000


@dataclass(frozen=True)
class SectionText:
    """A section (or a window of it) and where the quote sits in it."""

    text: str
    quote_start: int  # offsets into ``text``; -1 when the quote was not found
    quote_end: int
    truncated_before: bool = False
    truncated_after: bool = False


def _meta(chunk: Any) -> dict[str, Any]:
    return chunk.metadata if hasattr(chunk, "metadata") else chunk.get("metadata", {})


def _chunk_id(chunk: Any) -> str:
    return chunk.chunk_id if hasattr(chunk, "chunk_id") else chunk.get("chunk_id", "")


def section_bounds(chunks: Sequence[Any], doc_id: str, section: str, chunk_id: str | None = None,
                   near: int | None = None) -> tuple[int, int] | None:
    """Start and end (in the document's canonical text) of the run of consecutive chunks of
    ``doc_id`` that share ``section`` and contain ``chunk_id`` (or the offset ``near``, or the first
    such run). ``chunks`` are objects or dicts with ``chunk_id`` and ``metadata``."""
    mine = sorted((c for c in chunks if _meta(c).get("doc_id") == doc_id),
                  key=lambda c: (int(_meta(c).get("chunk_index", 0)), int(_meta(c).get("start", 0))))
    runs: list[list[Any]] = []
    for c in mine:
        if _meta(c).get("section") != section:
            continue
        prev = runs[-1][-1] if runs else None
        if prev is not None and int(_meta(c).get("chunk_index", -9)) == int(_meta(prev).get("chunk_index", -9)) + 1:
            runs[-1].append(c)
        else:
            runs.append([c])
    if not runs:
        return None
    chosen = runs[0]
    for run in runs:
        if chunk_id and any(_chunk_id(c) == chunk_id for c in run):
            chosen = run
            break
        if near is not None and any(int(_meta(c)["start"]) <= near < int(_meta(c)["end"]) for c in run):
            chosen = run
            break
    return int(_meta(chosen[0])["start"]), max(int(_meta(c)["end"]) for c in chosen)


def section_text(doc_text: str, bounds: tuple[int, int], quote: str = "", quote_start: int | None = None,
                 max_chars: int = SECTION_MAX_CHARS) -> SectionText:
    """The section's text from the canonical document text, with the quote located in it; a section
    longer than ``max_chars`` is cut to a window around the quote."""
    start, end = bounds
    text = doc_text[start:end]
    qs = -1
    if quote:
        if quote_start is not None and doc_text[quote_start:quote_start + len(quote)] == quote \
                and start <= quote_start <= end - len(quote):
            qs = quote_start - start
        else:
            qs = text.find(quote)
    qe = qs + len(quote) if qs >= 0 else -1
    before = after = False
    if len(text) > max_chars:
        centre = qs if qs >= 0 else 0
        lo = max(0, min(centre - max_chars // 3, len(text) - max_chars))
        hi = lo + max_chars
        before, after = lo > 0, hi < len(text)
        text = text[lo:hi]
        if qs >= 0:
            qs, qe = qs - lo, min(qe - lo, len(text))
    return SectionText(text, qs, qe, before, after)
