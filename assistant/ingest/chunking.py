"""Turn a parsed document into retrieval chunks that follow its sections.

A chunk is always one contiguous slice of the document's canonical text, so its offsets, its
citation and the quoted passage agree exactly. Sections are the units; a small unit is merged
with its siblings (or a bare heading with its first children), a long one is split at line, list
item or sentence boundaries. Sizes are measured in ``cl100k_base`` tokens.

The splitting of long sections (:func:`_atoms`, :func:`_pack`) is our own rather than one of
LangChain's tiktoken-aware splitters, because none gives the same chunks, and chunk ids, offsets and
citations follow from them. Measured on the eleven documents of ``data/`` and
``corpus-extra`` (92 sections long enough to be split, budget 380 tokens):

* ``RecursiveCharacterTextSplitter.from_tiktoken_encoder`` with the same separators (line, then
  sentence, then word; ``keep_separator="end"``) reproduces 83 of the 92; with its default separators,
  75. When a line is over the budget it splits that line on its own and never packs its last
  sentences with the lines that follow, so it makes more and smaller chunks; and it sizes a chunk
  by adding up its pieces' token counts instead of counting the chunk.
* ``TokenTextSplitter`` cuts between tokens, inside words; 8 of its chunks were not exact slices of
  the text and 3 went over the budget once decoded.

Here every range is packed greedily from lines (over-long lines cut into sentences, over-long
sentences into words) and measured as the exact slice it will be.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from assistant.ingest.parsing import ParsedDocument, Section
from assistant.lexicon.patterns import CHUNK_BREAK

if TYPE_CHECKING:
    import tiktoken



@lru_cache(maxsize=1)
def _encoding() -> tiktoken.Encoding:
    import tiktoken

    return tiktoken.get_encoding("cl100k_base")


def count_tokens(text: str) -> int:
    """Length of ``text`` in ``cl100k_base`` tokens (special-token strings count as ordinary text)."""
    return len(_encoding().encode(text, disallowed_special=()))


@dataclass(frozen=True)
class Chunk:
    """A retrieval chunk: the slice ``text[start:end]`` of the canonical text, with its section label."""

    chunk_id: str
    doc_id: str
    index: int
    section: str
    section_number: str
    kind: str
    text: str
    start: int
    end: int
    tokens: int


@dataclass
class _Unit:
    """A section, or a part of a long one: what chunks are merged from."""

    path: tuple[str, ...]
    number: str
    kind: str
    start: int
    end: int
    tokens: int
    heading_only: bool


def _atoms(text: str, start: int, end: int, max_tokens: int) -> list[tuple[int, int]]:
    """Split [start, end) into lines, and over-long lines into sentences (offset ranges)."""
    atoms: list[tuple[int, int]] = []
    pos = start
    for line in text[start:end].split("\n"):
        lo, hi = pos, pos + len(line)
        pos = hi + 1
        if not line.strip():
            continue
        if count_tokens(line) <= max_tokens:
            atoms.append((lo, hi))
            continue
        cut = lo
        for m in CHUNK_BREAK.finditer(line):
            atoms.append((cut, lo + m.start()))
            cut = lo + m.end()
        atoms.append((cut, hi))
    # a single sentence longer than the budget is split at word boundaries
    out: list[tuple[int, int]] = []
    for lo, hi in atoms:
        if hi <= lo:
            continue
        if count_tokens(text[lo:hi]) <= max_tokens:
            out.append((lo, hi))
            continue
        words = list(re.finditer(r"\S+", text[lo:hi]))
        piece_lo = lo
        acc = 0
        for w in words:
            wt = count_tokens(w.group()) + 1
            if acc + wt > max_tokens and acc:
                out.append((piece_lo, lo + w.start() - 1))
                piece_lo, acc = lo + w.start(), 0
            acc += wt
        out.append((piece_lo, hi))
    return out


def _pack(text: str, atoms: list[tuple[int, int]], max_tokens: int) -> list[tuple[int, int]]:
    """Consecutive atoms joined greedily into ranges of at most ``max_tokens`` (measured on the slice)."""
    ranges: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    for lo, hi in atoms:
        if cur is None:
            cur = (lo, hi)
        elif count_tokens(text[cur[0]:hi]) <= max_tokens:
            cur = (cur[0], hi)
        else:
            ranges.append(cur)
            cur = (lo, hi)
    if cur is not None:
        ranges.append(cur)
    return ranges


def _short(label: str) -> str:
    return label.split(" ", 1)[0].rstrip(".") if re.match(r"^[\dIVX]", label) else label


def section_label(paths: list[tuple[str, ...]]) -> str:
    """Breadcrumb for a chunk made of one or more units: common path, then the first–last child."""
    common: list[str] = []
    for parts in zip(*paths, strict=False):
        if all(p == parts[0] for p in parts):
            common.append(parts[0])
        else:
            break
    nexts: list[str] = []
    for p in paths:
        if len(p) > len(common) and p[len(common)] not in nexts:
            nexts.append(p[len(common)])
    if len(nexts) == 1:
        common.append(nexts[0])
    elif nexts:
        common.append(f"{_short(nexts[0])}–{_short(nexts[-1])}")
    return " › ".join(common)


def _units(parsed: ParsedDocument, max_tokens: int) -> list[_Unit]:
    """Each section as one unit, or several when it is over ``max_tokens``, in document order."""
    text = parsed.text
    units: list[_Unit] = []
    sections: list[Section] = parsed.sections
    for idx, sec in enumerate(sections):
        nxt = sections[idx + 1] if idx + 1 < len(sections) else None
        has_children = nxt is not None and nxt.path[: len(sec.path)] == sec.path and len(nxt.path) > len(sec.path)
        heading_only = len(sec.lines) == 1 and has_children and len(sec.lines[0].text) <= 160
        for lo, hi in _pack(text, _atoms(text, sec.start, sec.end, max_tokens), max_tokens):
            units.append(_Unit(sec.path, sec.number, sec.kind, lo, hi, count_tokens(text[lo:hi]), heading_only))
    return units


def _mergeable(group: list[_Unit], unit: _Unit, text: str, max_tokens: int, min_tokens: int) -> bool:
    """Whether ``unit`` joins the chunk being built: siblings, the children of a bare heading or the rest of
    the same section, while the chunk stays within budget and one of them is still small."""
    last = group[-1]
    if unit.kind != last.kind:
        return False
    if count_tokens(text[group[0].start:unit.end]) > max_tokens:
        return False
    first = group[0]
    siblings = unit.path[:-1] == first.path[:-1] and len(unit.path) == len(first.path)
    child_of_heading = any(g.heading_only and unit.path[: len(g.path)] == g.path for g in group)
    same_section = unit.path == last.path
    if not (siblings or child_of_heading or same_section):
        return False
    if unit.heading_only and not child_of_heading:
        return False  # a heading opens its own chunk with its children
    if last.heading_only:
        return True
    size = count_tokens(text[first.start:last.end])
    return size < min_tokens or unit.tokens < min_tokens


def chunk_document(doc_id: str, parsed: ParsedDocument, *, max_tokens: int = 380, min_tokens: int = 60) -> list[Chunk]:
    """Chunks of ``parsed`` in document order; deterministic for the same input and settings."""
    text = parsed.text
    groups: list[list[_Unit]] = []
    for unit in _units(parsed, max_tokens):
        if groups and _mergeable(groups[-1], unit, text, max_tokens, min_tokens):
            groups[-1].append(unit)
        else:
            groups.append([unit])
    chunks: list[Chunk] = []
    for index, group in enumerate(groups):
        start, end = group[0].start, group[-1].end
        section = section_label([u.path for u in group])
        digest = hashlib.sha1(f"{doc_id}\x1f{section}\x1f{index}".encode()).hexdigest()[:10]
        chunks.append(
            Chunk(
                chunk_id=f"{doc_id}:{index:04d}:{digest}",
                doc_id=doc_id,
                index=index,
                section=section,
                section_number=group[0].number,
                kind=group[0].kind,
                text=text[start:end],
                start=start,
                end=end,
                tokens=count_tokens(text[start:end]),
            )
        )
    return chunks
