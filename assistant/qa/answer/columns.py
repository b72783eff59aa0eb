"""What a table row's cells mean, read from the header row above it in the document.

Task and target tables (appendices of plans, decisions and notices) put the answer in a column: the lead
body, the partners, the deadline, the value for one year. A chunk often holds a few rows without their
header, so the header is looked up in the document's canonical text: the nearest row above with as many
cells whose cells are labels ("STT | Tên nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian hoàn
thành"). The words that say what a column holds are data (``lexicon/data/columns.toml``).
"""

from __future__ import annotations

import bisect
import re

from assistant.lexicon import vocabulary
from assistant.lexicon.facts import names_organisation
from assistant.lexicon.text import fold

SEPARATOR = " | "
#: A header cell is a short label; a longer one is a data cell.
_LABEL_MAX = 70
#: Rows farther above than this (characters) are another table's.
_HEADER_REACH = 60_000
_CELL_TIME = re.compile(
    r"^(?:(?:trước|đến|từ|trong)\s+)?(?:(?:năm|tháng|qu[ýí])\s+[\dIVX]{1,4}(?:\s*[/-]\s*\d{4})?"
    r"|\d{1,2}/\d{4}|\d{1,2}/\d{1,2}/\d{4}|\d{4}(?:\s*[-–]\s*\d{4})?|(?:hằng|hàng)\s+(?:năm|quý|tháng)"
    r"|thường xuyên|đã thực hiện|(?:trước\s+)?ngày\s+[\d/]+)(?:\s*[;,]\s*.{0,40})?$", re.IGNORECASE)


def cells(row: str) -> list[str]:
    """The cells of a row, without the emphasis marks a converted document leaves around them."""
    return [c.strip().strip("*_").strip() for c in row.split(SEPARATOR)]


def is_header(row_cells: list[str]) -> bool:
    """A row of short labels that starts with "STT" or names at least two kinds of column."""
    if len(row_cells) < 2 or any(len(c) > _LABEL_MAX for c in row_cells):
        return False
    folded = [fold(c).strip(" .") for c in row_cells]
    words = vocabulary.table_columns()
    if folded[0] in words["first_cell"]:
        return True
    kinds = {k for c in folded for k in ("lead", "partner", "time", "subject") if any(w in c for w in words[k])}
    return len(kinds) >= 2 and not any(re.fullmatch(r"[\d.,%]+", c) for c in folded)


def headers(text: str) -> list[tuple[int, list[str]]]:
    """(offset, cells) of every header row of a document's canonical text, in order."""
    out = []
    at = 0
    for line in text.split("\n"):
        if SEPARATOR in line:
            row = cells(line)
            if is_header(row):
                out.append((at, row))
        at += len(line) + 1
    return out


def header_above(table_headers: list[tuple[int, list[str]]], pos: int, width: int) -> list[str] | None:
    """The nearest header above offset ``pos`` with ``width`` cells (a row of the same table)."""
    i = bisect.bisect_right([o for o, _ in table_headers], pos) - 1
    while i >= 0:
        offset, row = table_headers[i]
        if pos - offset > _HEADER_REACH:
            return None
        if len(row) == width:
            return row
        i -= 1
    return None


def column(header: list[str], want: str, year: int | None = None) -> int | None:
    """The index of the column holding ``want`` ("lead", "partner", "time", or "year" with ``year``)."""
    folded = [fold(c) for c in header]
    words = vocabulary.table_columns()
    if want == "year":
        return next((i for i, c in enumerate(folded) if year is not None and str(year) in c), None)
    if want == "lead":
        lead = [i for i, c in enumerate(folded) if any(w in c for w in words["lead"])
                and not any(w in c for w in words["partner"])]
        return next((i for i in lead if "chu tri" in folded[i]), lead[0] if lead else None)
    return next((i for i, c in enumerate(folded) if any(w in c for w in words[want])), None)


def answer_cell(row: str, want: str, header: list[str] | None, year: int | None = None) -> str | None:
    """The cell of ``row`` that holds ``want``: by the header when there is one, else by what the cells
    look like (the first cell naming a body leads, the next one supports; the last time-only cell)."""
    row_cells = cells(row)
    if header is not None and len(header) == len(row_cells):
        at = column(header, want, year)
        if at is not None:
            return row_cells[at] or None
        if want == "year":
            return None
    if want == "year":
        return None
    if want == "time":
        return next((c for c in reversed(row_cells[1:]) if _CELL_TIME.match(c)), None)
    bodies = [c for c in row_cells[1:] if c and len(c) <= 200 and names_organisation(c)]
    index = 1 if want == "partner" else 0
    return bodies[index] if len(bodies) > index else None
