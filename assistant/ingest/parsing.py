"""Structure-aware parsing of Vietnamese administrative documents.

Input is the raw text of a plan, decision, directive or decree as it is found in the wild: hard
wrapped mid-sentence, with markdown bold, ``|`` table debris, lost headings and lists of related
documents. Output is a :class:`ParsedDocument`: a cleaned canonical text made of logical lines, and
the sections found in it (Phần / Chương / Mục / Điều; I., II.; 1., 1.1., 1.1.1.; a), b), đ);
"Thứ nhất, …") with their breadcrumb paths and character offsets into the canonical text.

Nesting is inferred from the order in which marker kinds appear (the way numbering nests in real
documents), not from a fixed table, so documents with other layouts parse without code changes.
When numbering restarts at the same level (``1.`` … ``2.`` … ``1.``), the document has lost a
heading above it (typical of copies whose Roman-numeral headings were stripped): an inferred part
``[Phần n]`` is opened so that sections of different parts are not confused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.lexicon.text import nfc

PARSER_VERSION = "5"

# --------------------------------------------------------------------------------------------
# Cleaning: from raw text to logical lines


@dataclass(frozen=True)
class Line:
    text: str
    start: int
    end: int


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
_ROMAN = r"[IVX]{1,6}"
MARKERS: list[tuple[str, re.Pattern[str]]] = [
    ("part", re.compile(r"^(?:PHẦN|Phần)\s+(" + _ROMAN + r"|\d{1,2}|thứ\s+\w+)\b\s*[.:\-–]?\s*(.*)$")),
    ("chapter", re.compile(r"^(?:CHƯƠNG|Chương)\s+(" + _ROMAN + r"|\d{1,2})\b\s*[.:\-–]?\s*(.*)$")),
    ("muc", re.compile(r"^(?:MỤC|Mục)\s+(\d{1,2}|" + _ROMAN + r")\b\s*[.:\-–]?\s*(.*)$")),
    ("article", re.compile(r"^(?:ĐIỀU|Điều)\s+(\d{1,3})\s*[.:]\s*(.*)$")),
    ("roman", re.compile(r"^(" + _ROMAN + r")\s*(?:[.)]|\s\|)\s*(.*)$")),
    ("arabic", re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,3})\.?(?:\s+|\s*\|\s*)(.*)$")),
    ("arabic", re.compile(r"^(\d{1,2})\s*(?:[.)]|\s\|)\s*(.*)$")),
    ("letter", re.compile(r"^([a-zđ])\s*\)\s*(.*)$")),
    ("ordinal", re.compile(r"^(Thứ\s+(?:nhất|hai|ba|tư|năm|sáu|bảy|tám|chín|mười))\s*[,:.]\s*(.*)$")),
    ("bullet", re.compile(r"^([-+•*–])\s+(.*)$")),
]
_RELATED_ITEM = re.compile(r"^-\s+\d{1,3}\s+\S")
_FOOTNOTE = re.compile(r"^\[\d{1,3}\]\s+\S")
_DISTRIBUTION = re.compile(r"^Nơi nhận\s*:", re.IGNORECASE)
_SPECIAL_LABELS = {"related_documents": "Văn bản liên quan", "notes": "Chú thích"}
_TITLE_WORDS = re.compile(
    r"^(KẾ HOẠCH|QUYẾT ĐỊNH|CHỈ THỊ|NGHỊ ĐỊNH|NGHỊ QUYẾT|ĐỀ ÁN|CHƯƠNG TRÌNH|PHỤ LỤC|QUY ĐỊNH|QUY CHẾ|"
    r"THÔNG TƯ|HƯỚNG DẪN|DANH MỤC|BÁO CÁO)\b"
)


def starts_with_marker(line: str) -> bool:
    return any(p.match(line) for kind, p in MARKERS) or bool(_FOOTNOTE.match(line))


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


# --------------------------------------------------------------------------------------------
# Sections


@dataclass
class Section:
    """A heading and its own text (children are separate sections)."""

    label: str
    number: str
    kind: str  # preamble | body | related_documents | notes | distribution | title
    path: tuple[str, ...]
    lines: list[Line] = field(default_factory=list)

    @property
    def start(self) -> int:
        return self.lines[0].start

    @property
    def end(self) -> int:
        return self.lines[-1].end

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def breadcrumb(self) -> str:
        return " › ".join(self.path)


@dataclass
class ParsedDocument:
    text: str
    lines: list[Line]
    sections: list[Section]


@dataclass
class _Frame:
    kind: str
    depth: int
    value: int
    number: str
    label: str


_FIXED_RANK = {"title": 0, "part": 1, "chapter": 2, "muc": 3, "article": 4}
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}
_ORDINALS = ["nhất", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười"]
_LETTERS = "abcdđeghiklmnopqrstuvxy"


def _roman_value(s: str) -> int:
    total = 0
    for i, ch in enumerate(s):
        v = _ROMAN_VALUES.get(ch, 0)
        nxt = _ROMAN_VALUES.get(s[i + 1], 0) if i + 1 < len(s) else 0
        total += -v if v < nxt else v
    return total


def _marker_value(kind: str, number: str) -> int:
    if kind in {"roman", "part", "chapter", "muc"} and re.fullmatch(_ROMAN, number):
        return _roman_value(number)
    if kind == "letter":
        return _LETTERS.find(number) + 1
    if kind == "ordinal":
        word = number.split()[-1]
        return _ORDINALS.index(word) + 1 if word in _ORDINALS else 0
    digits = re.findall(r"\d+", number)
    return int(digits[-1]) if digits else 0


_TITLE_MAX = 120


def _heading_title(rest: str) -> str:
    """The heading's own title, or '' when the line is a numbered content item, not a title."""
    rest = rest.split(" | ", 1)[0].strip(" |")
    if not rest:
        return ""
    if rest.isupper():
        return _shorten(rest)
    if len(rest) <= _TITLE_MAX and not re.search(r"[.;!?]\s", rest) and not rest.endswith((".", ";")):
        return rest.rstrip(": ")
    return ""


def _shorten(text: str, limit: int = _TITLE_MAX) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def _label(kind: str, number: str, title: str) -> str:
    if kind == "article":
        head = f"Điều {number}."
    elif kind in {"part", "chapter", "muc"}:
        head = {"part": "Phần", "chapter": "Chương", "muc": "Mục"}[kind] + f" {number}."
    elif kind == "letter":
        head = f"{number})"
    elif kind == "ordinal":
        head = number
    elif kind == "arabic" and "." in number:
        head = number if not title else f"{number}."
    else:
        head = f"{number}."
    return f"{head} {title}" if title else head


def _is_caps_title(line: str) -> bool:
    """An upper-case title line (a trailing "(Ban hành kèm theo …)" note is allowed)."""
    head = line.split("(", 1)[0].strip()
    letters = [c for c in head if c.isalpha()]
    return len(letters) >= 4 and head.upper() == head


def parse_document(raw: str) -> ParsedDocument:
    """Clean ``raw`` and find its sections. Pure function of the input text."""
    logical = clean_lines(raw)
    lines: list[Line] = []
    pos = 0
    for text in logical:
        lines.append(Line(text, pos, pos + len(text)))
        pos += len(text) + 1
    canonical = "\n".join(logical)

    sections: list[Section] = []
    stack: list[_Frame] = []
    inferred_parts = 1
    seen_heading = False
    related = _related_document_lines(logical)

    def open_section(kind: str, number: str, path: tuple[str, ...], label: str) -> Section:
        sec = Section(label=label, number=number, kind=kind, path=path)
        sections.append(sec)
        return sec

    current = open_section("preamble", "", ("Phần mở đầu",), "Phần mở đầu")
    i = 0
    while i < len(lines):
        line = lines[i]
        text = line.text
        special = "related_documents" if i in related else "notes" if _FOOTNOTE.match(text) and seen_heading \
            else None
        if special:  # lists of related documents and footnotes are sections of their own
            if current.kind != special:
                stack = []
                label = _SPECIAL_LABELS[special]
                current = open_section(special, "", (label,), label)
            current.lines.append(line)
            i += 1
            continue
        if _DISTRIBUTION.match(text):
            stack = []
            current = open_section("distribution", "", ("Nơi nhận",), "Nơi nhận")
            current.lines.append(line)
            i += 1
            continue
        if seen_heading and _TITLE_WORDS.match(text) and _is_caps_title(text.split(" | ")[0]):
            title = _shorten(re.split(r"\s\((?:Ban hành|Kèm theo|kèm theo)", text, maxsplit=1)[0], 90)
            stack = [_Frame("title", 0, 0, "", title)]
            current = open_section("title", "", (title,), title)
            current.lines.append(line)
            i += 1
            continue

        marker = _match_marker(text)
        if marker is None or marker[0] == "bullet":
            if current.kind in {"related_documents", "notes"}:
                stack = []
                label = "Phần kết" if seen_heading else "Phần mở đầu"
                current = open_section("preamble" if not seen_heading else "body", "", (label,), label)
            current.lines.append(line)
            i += 1
            continue

        kind, number, rest = marker
        depth = number.count(".") + 1 if kind == "arabic" else 1
        value = _marker_value(kind, number)
        title = _heading_title(rest)
        heading_lines = [line]
        if kind in {"part", "chapter", "muc"} and not rest and i + 1 < len(lines):
            nxt = lines[i + 1].text
            if _is_caps_title(nxt) and not _match_marker(nxt):
                title = nxt
                heading_lines.append(lines[i + 1])
        stack, inferred_parts = _place(stack, _Frame(kind, depth, value, number, _label(kind, number, title)),
                                       inferred_parts)
        seen_heading = True
        path = tuple(f.label for f in stack)
        current = open_section("body", number, path, path[-1])
        current.lines.extend(heading_lines)
        i += len(heading_lines)

    sections = [s for s in sections if s.lines]
    return ParsedDocument(text=canonical, lines=lines, sections=sections)


def _match_marker(text: str) -> tuple[str, str, str] | None:
    for kind, pattern in MARKERS:
        m = pattern.match(text)
        if m:
            return kind, m.group(1), m.group(2)
    return None


def _place(stack: list[_Frame], frame: _Frame, inferred: int) -> tuple[list[_Frame], int]:
    """Put ``frame`` on the heading stack, popping what it closes; returns (stack, inferred parts)."""
    if frame.kind in _FIXED_RANK:
        rank = _FIXED_RANK[frame.kind]
        keep = [f for f in stack if f.kind in _FIXED_RANK and _FIXED_RANK[f.kind] < rank]
        # fixed-rank frames sit on top of each other; anything dynamic below them is closed too
        cut = len(keep)
        return stack[:cut] + [frame] if stack[:cut] == keep else keep + [frame], inferred

    if frame.kind == "arabic" and frame.depth > 1:
        parent_number = frame.number.rsplit(".", 1)[0]
        parent_idx = _find(stack, "arabic", frame.depth - 1)
        if parent_idx is not None and stack[parent_idx].number != parent_number:
            implicit = _Frame("arabic", frame.depth - 1, _marker_value("arabic", parent_number), parent_number,
                              parent_number)
            stack, inferred = _place(stack, implicit, inferred)
        same = _find(stack, "arabic", frame.depth)
        if same is not None:
            return stack[:same] + [frame], inferred
        return stack + [frame], inferred

    same = _find(stack, frame.kind, frame.depth)
    if same is None:
        return stack + [frame], inferred
    if frame.value <= stack[same].value and frame.value <= 1 or frame.value < stack[same].value:
        # numbering restarted at this level without a new parent: a heading above was lost
        inferred += 1
        anchor = _find(stack, "inferred", 1)
        base = stack[:anchor] if anchor is not None else stack[:same]
        return base + [_Frame("inferred", 1, inferred, "", f"[Phần {inferred}]"), frame], inferred
    return stack[:same] + [frame], inferred


def _find(stack: list[_Frame], kind: str, depth: int) -> int | None:
    for idx in range(len(stack) - 1, -1, -1):
        if stack[idx].kind == kind and stack[idx].depth == depth:
            return idx
    return None


def _related_document_lines(lines: list[str]) -> set[int]:
    """Indices of runs of '- 1 Luật …' lines (lists of related documents) of three or more."""
    found: set[int] = set()
    run: list[int] = []
    for idx, line in enumerate([*lines, ""]):
        if _RELATED_ITEM.match(line):
            run.append(idx)
            continue
        if len(run) >= 3:
            found.update(run)
        run = []
    return found
