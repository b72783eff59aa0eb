"""Clauses: the unit a target or a responsibility is read from, with its offsets in the canonical text.

A section's lines are cut at sentence ends (and at "; ", which separates the clauses of a plan's lists
of objectives); every clause keeps its offsets in the canonical text, so what is extracted from it can
be cited like an answer. The headings above a section are read with the topic their first line names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from assistant.ingest.parsing import Section
from assistant.lexicon.patterns import CLAUSE_BREAK, CLAUSE_SENTENCE_BREAK


@dataclass(frozen=True)
class Clause:
    text: str
    start: int  # offset in the canonical text
    end: int
    line: int  # index of the line in its section


def clauses(section: Section, *, split_semicolons: bool = True) -> Iterator[Clause]:
    """The section's lines cut at sentence ends (and at "; " unless told not to), with offsets."""
    breaks = CLAUSE_BREAK if split_semicolons else CLAUSE_SENTENCE_BREAK
    for index, line in enumerate(section.lines):
        pos = 0
        for m in [*breaks.finditer(line.text), None]:
            stop = m.start() if m else len(line.text)
            piece = line.text[pos:stop]
            lead = len(piece) - len(piece.lstrip())
            piece = piece.strip()
            if piece:
                yield Clause(piece, line.start + pos + lead, line.start + pos + lead + len(piece), index)
            if m:
                pos = m.end()


def section_headings(section: Section, by_path: Mapping[tuple[str, ...], Section] | None = None) -> list[str]:
    """The section's headings, innermost first. With ``by_path``, each heading is read with the start
    of its section's first line, because a short label ("Thứ hai") often hides the topic that the
    line goes on to name ("Thứ hai, về cải cách thủ tục hành chính, …"): its "về …" topic is kept."""
    out = []
    for depth in range(len(section.path), 0, -1):
        label = section.path[depth - 1]
        owner = by_path.get(section.path[:depth]) if by_path else None
        first = owner.lines[0].text[:120] if owner is not None and owner.lines else ""
        topic = re.match(r"^.{0,24}?\bvề\s+([^,.;:]{3,80})", first)
        out.append(f"{label} {topic.group(1)}" if topic else label)
    return out
