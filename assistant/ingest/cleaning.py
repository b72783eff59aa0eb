"""Cleaning: from the raw text of a document to its logical lines.

Plans are found in the wild hard wrapped mid-sentence, with markdown bold and headings, rules, ``|``
table debris and text pasted from Word tables. Cleaning gives one logical line per paragraph, list item
or table row (cells side by side, separated by " | "), NFC-normalised, with nothing of the text lost:
:mod:`assistant.ingest.parsing` finds the headings in these lines and every offset, chunk and citation
refers to them joined by new lines.

A wrapped line is rejoined to the one before it when it starts in lower case, or, in a hard-wrapped
document, when the line before it does not end a sentence, unless it starts with one of the
:data:`MARKERS` of structure (a heading, a numbered item, a bullet), which no continuation starts with.
"""

from __future__ import annotations

import re

from assistant.lexicon.text import nfc

_MD_BOLD = re.compile(r"\*\*|__")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_MD_ITALIC_OPEN = re.compile(r"^\s*\*(?=\S)(?![*\s])")
_MD_ITALIC_CLOSE = re.compile(r"(?<=\S)\*\s*$")
_RULE_RUN = re.compile(r"_{3,}|-{4,}|={3,}")
_DEBRIS = re.compile(r"^[\s\-_=*~•.·–—]*$")
_BAR_ONLY = re.compile(r"^[\s\-_=*~|]*\|[\s\-_=*~|]*$")
_TERMINAL = re.compile(r"[.;:!?…]['\"”’)\]]*$|\./\.$")


def _lower_start(line: str) -> bool:
    """Starts with a lower-case letter (Vietnamese capitals such as Đ, Ủ, Ở are upper case)."""
    return line[:1].islower()


# Line-start markers of structure; a wrapped continuation line never starts with one of these.
ROMAN = r"[IVX]{1,6}"
MARKERS: list[tuple[str, re.Pattern[str]]] = [
    ("part", re.compile(r"^(?:PHẦN|Phần)\s+(" + ROMAN + r"|\d{1,2}|thứ\s+\w+)\b\s*[.:\-–]?\s*(.*)$")),
    ("chapter", re.compile(r"^(?:CHƯƠNG|Chương)\s+(" + ROMAN + r"|\d{1,2})\b\s*[.:\-–]?\s*(.*)$")),
    ("muc", re.compile(r"^(?:MỤC|Mục)\s+(\d{1,2}|" + ROMAN + r")\b\s*[.:\-–]?\s*(.*)$")),
    ("article", re.compile(r"^(?:ĐIỀU|Điều)\s+(\d{1,3})\s*[.:]\s*(.*)$")),
    ("roman", re.compile(r"^(" + ROMAN + r")\s*(?:[.)]|\s\|)\s*(.*)$")),
    ("arabic", re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,3})\.?(?:\s+|\s*\|\s*)(.*)$")),
    ("arabic", re.compile(r"^(\d{1,2})\s*(?:[.)]|\s\|)\s*(.*)$")),
    ("letter", re.compile(r"^([a-zđ])\s*\)\s*(.*)$")),
    ("ordinal", re.compile(r"^(Thứ\s+(?:nhất|hai|ba|tư|năm|sáu|bảy|tám|chín|mười))\s*[,:.]\s*(.*)$")),
    ("bullet", re.compile(r"^([-+•*–])\s+(.*)$")),
]
FOOTNOTE = re.compile(r"^\[\d{1,3}\]\s+\S")


def starts_with_marker(line: str) -> bool:
    """Whether ``line`` starts with a marker of structure (heading, numbered item, bullet, footnote)."""
    return any(p.match(line) for kind, p in MARKERS) or bool(FOOTNOTE.match(line))


def _heading_marker(line: str) -> bool:
    """A numbered or titled heading marker (not a list bullet)."""
    return any(p.match(line) for kind, p in MARKERS if kind != "bullet")


def _strip_markup(line: str) -> str:
    line = _MD_HEADING.sub("", line)
    line = _MD_BOLD.sub("", line)
    line = _MD_ITALIC_OPEN.sub("", line)
    line = _MD_ITALIC_CLOSE.sub("", line)
    line = _RULE_RUN.sub(" ", line)
    return line.strip()


def _classify(raw_line: str) -> tuple[str, str]:
    """('text', s) | ('bar', '') | ('blank', '') for one physical line."""
    if _BAR_ONLY.match(raw_line):
        return "bar", ""
    line = _strip_markup(raw_line)
    if not line or _DEBRIS.match(line):
        return "blank", ""
    line = re.sub(r"^\|\s*|\s*\|$", "", line).strip()
    line = re.sub(r"\s*\|\s*", " | ", line)
    return ("text", line) if line else ("blank", "")


def is_hard_wrapped(lines: list[str]) -> bool:
    """True when many lines end mid-sentence and continue on a lower-case line."""
    pairs = continued = 0
    for a, b in zip(lines, lines[1:], strict=False):
        if not a or not b:
            continue
        pairs += 1
        if not _TERMINAL.search(a) and _lower_start(b) and not starts_with_marker(b):
            continued += 1
    return pairs > 0 and continued / pairs > 0.12


def _first_word_caps(line: str) -> bool:
    word = line.split(" ", 1)[0]
    return any(c.isalpha() for c in word) and word.upper() == word


def _join_paragraph(lines: list[str], hard_wrapped: bool) -> list[str]:
    out: list[str] = []
    for line in lines:
        if out:
            prev = out[-1]
            marker_line = starts_with_marker(line)
            lower_cont = _lower_start(line) and not marker_line
            wrap_cont = hard_wrapped and not _TERMINAL.search(prev) and not marker_line
            if wrap_cont and not lower_cont and _heading_marker(prev) and len(prev) <= 60:
                # "1. Nhiệm vụ chung" + "Các sở, …": a short heading is complete unless it is an
                # upper-case title wrapped onto another upper-case line.
                wrap_cont = prev.upper() == prev and _first_word_caps(line)
            if lower_cont or wrap_cont:
                out[-1] = prev + " " + line
                continue
        out.append(line)
    return out


def clean_lines(raw: str) -> list[str]:
    """Raw document text -> logical lines (paragraphs, list items, table rows), nothing lost."""
    text = nfc(raw.replace("\r\n", "\n").replace("\r", "\n"))
    entries = [_classify(line) for line in text.split("\n")]
    wrapped = is_hard_wrapped([t for kind, t in entries])
    # Paragraphs are runs of text lines; a single bar between two paragraphs separates cells of
    # one table row, a blank line or a double bar ends the row.
    rows: list[list[list[str]]] = []  # row -> cells -> physical lines
    cell: list[str] = []
    row: list[list[str]] = []
    bars = 0
    blank = True

    def end_cell() -> None:
        nonlocal cell
        if cell:
            row.append(cell)
        cell = []

    def end_row() -> None:
        nonlocal row
        end_cell()
        if row:
            rows.append(row)
        row = []

    for kind, value in entries:
        if kind == "text":
            if bars >= 2 or (blank and bars == 0):
                end_row()
            elif bars == 1:
                end_cell()
            cell.append(value)
            bars, blank = 0, False
        elif kind == "bar":
            bars += 1
        else:
            blank = True
            if bars == 0:
                end_row()
    end_row()

    logical: list[str] = []
    for r in rows:
        joined_cells = [_join_paragraph(c, wrapped) for c in r]
        if len(joined_cells) == 1:
            logical.extend(joined_cells[0])
        else:
            # A table row: cells side by side; multi-paragraph cells keep their own lines.
            flat = [" ".join(c) if not any(starts_with_marker(x) for x in c[1:]) else None
                    for c in joined_cells]
            if all(f is not None for f in flat):
                logical.append(" | ".join(f for f in flat if f is not None))
            else:
                for c in joined_cells:
                    logical.extend(c)
    return [re.sub(r"\s+", " ", line).strip() for line in logical if line.strip()]
