"""What a plan commits to: quantified targets (chỉ tiêu) and agencies' responsibilities (phân công).

Extraction runs on a :class:`~assistant.ingest.parsing.ParsedDocument`, so every item knows its section
path and its offsets in the canonical text (the same text the chunks slice), and can be cited like an
answer. Everything here is pure: rows go to SQLite in :mod:`assistant.index.commitments_db`.

One module per job: :mod:`.agencies` (finding agencies and naming each body once), :mod:`.clauses`
(the unit things are read from), :mod:`.years` (when a target is due), :mod:`.targets` and
:mod:`.responsibilities` (the two extractors). This module is the entry point used at ingest:
:func:`commitment_rows`, and :data:`EXTRACTOR_VERSION`, which makes ingest read every document again
(without embedding it again) when the extractor changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from assistant.ingest.commitments.agencies import canonical_agency, find_agencies
from assistant.ingest.commitments.clauses import Clause, clauses
from assistant.ingest.commitments.responsibilities import ROLES, Responsibility, extract_responsibilities
from assistant.ingest.commitments.targets import Target, extract_targets
from assistant.ingest.parsing import ParsedDocument

__all__ = [
    "EXTRACTOR_VERSION", "ROLES", "Clause", "Responsibility", "Target", "canonical_agency", "chunk_for", "clauses",
    "commitment_rows", "extract_responsibilities", "extract_targets", "find_agencies",
]

EXTRACTOR_VERSION = "5"


def chunk_for(offset: int, chunks: Sequence[Any]) -> str | None:
    """The id of the chunk whose text contains ``offset`` (chunks are exact slices of the canonical text)."""
    for chunk in chunks:
        if chunk.start <= offset < chunk.end:
            return str(chunk.chunk_id)
    return None


def commitment_rows(parsed: ParsedDocument, meta: Mapping[str, Any], chunks: Sequence[Any]) -> dict[str, Any]:
    """A document's targets and responsibilities as plain rows, each linked to the chunk it cites; stored in
    the index registry with the document (JSON), from which the SQLite tables are built."""
    return {
        "version": EXTRACTOR_VERSION,
        "targets": [{**t.to_dict(), "chunk_id": chunk_for(t.value_start, chunks)}
                    for t in extract_targets(parsed, meta)],
        "responsibilities": [{**r.to_dict(), "chunk_id": chunk_for(r.start, chunks)}
                             for r in extract_responsibilities(parsed, meta)],
    }
