"""Structure-aware parsing of Vietnamese administrative documents: their sections and headings.

Input is the raw text of a plan, decision, directive or decree as it is found in the wild; it is first
cleaned into logical lines by :mod:`assistant.ingest.cleaning` (hard wraps rejoined, markdown and ``|``
table debris removed). Output is a :class:`ParsedDocument`: the canonical text made of those lines, and
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

from assistant.ingest.cleaning import (
    FOOTNOTE,
    MARKERS,
    ROMAN,
    clean_lines,
    is_hard_wrapped,
    starts_with_marker,
)

__all__ = [
    "MARKERS", "PARSER_VERSION", "Line", "ParsedDocument", "Section", "clean_lines", "is_hard_wrapped",
    "parse_document", "starts_with_marker",
]

#: Part of every document's content hash: a new version makes ingest read (and embed) every document again.
PARSER_VERSION = "5"

_RELATED_ITEM = re.compile(r"^-\s+\d{1,3}\s+\S")
_DISTRIBUTION = re.compile(r"^Nơi nhận\s*:", re.IGNORECASE)
_SPECIAL_LABELS = {"related_documents": "Văn bản liên quan", "notes": "Chú thích"}
_TITLE_WORDS = re.compile(
    r"^(KẾ HOẠCH|QUYẾT ĐỊNH|CHỈ THỊ|NGHỊ ĐỊNH|NGHỊ QUYẾT|ĐỀ ÁN|CHƯƠNG TRÌNH|PHỤ LỤC|QUY ĐỊNH|QUY CHẾ|"
    r"THÔNG TƯ|HƯỚNG DẪN|DANH MỤC|BÁO CÁO)\b"
)


@dataclass(frozen=True)
class Line:
    """A logical line and its offsets in the canonical text."""

    text: str
    start: int
    end: int


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
ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}
_ORDINALS = ["nhất", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười"]
_LETTERS = "abcdđeghiklmnopqrstuvxy"


def _roman_value(s: str) -> int:
    total = 0
    for i, ch in enumerate(s):
        v = ROMAN_VALUES.get(ch, 0)
        nxt = ROMAN_VALUES.get(s[i + 1], 0) if i + 1 < len(s) else 0
        total += -v if v < nxt else v
    return total


def _marker_value(kind: str, number: str) -> int:
    if kind in {"roman", "part", "chapter", "muc"} and re.fullmatch(ROMAN, number):
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
    walk = _Walk(lines, _related_document_lines(logical))
    walk.open("preamble", "", ("Phần mở đầu",), "Phần mở đầu")
    i = 0
    while i < len(lines):
        i += walk.read(i)
    sections = [s for s in walk.sections if s.lines]
    return ParsedDocument(text="\n".join(logical), lines=lines, sections=sections)


@dataclass
class _Walk:
    """:func:`parse_document` reading the lines in order: the sections so far and the open headings."""

    lines: list[Line]
    related: set[int]  # indices of the lines of related-document lists
    sections: list[Section] = field(default_factory=list)
    stack: list[_Frame] = field(default_factory=list)
    inferred_parts: int = 1
    seen_heading: bool = False

    @property
    def current(self) -> Section:
        return self.sections[-1]

    def open(self, kind: str, number: str, path: tuple[str, ...], label: str) -> None:
        self.sections.append(Section(label=label, number=number, kind=kind, path=path))

    def read(self, i: int) -> int:
        """Put the line at ``i`` in its section; returns how many lines were read (a part, chapter or
        section heading may take the title on the next line with it)."""
        line = self.lines[i]
        if self._outside_hierarchy(i, line):
            return 1
        marker = _match_marker(line.text)
        if marker is not None and marker[0] != "bullet":
            return self._heading(i, marker)
        if self.current.kind in {"related_documents", "notes"}:  # text after a list: back to the body
            self.stack = []
            label = "Phần kết" if self.seen_heading else "Phần mở đầu"
            self.open("preamble" if not self.seen_heading else "body", "", (label,), label)
        self.current.lines.append(line)
        return 1

    def _outside_hierarchy(self, i: int, line: Line) -> bool:
        """Lists of related documents, footnotes, the distribution list ("Nơi nhận:") and the title of an
        attached document are sections of their own, outside the heading hierarchy."""
        text = line.text
        special = "related_documents" if i in self.related else "notes" if FOOTNOTE.match(text) and \
            self.seen_heading else None
        if special:
            if self.current.kind != special:
                self.stack = []
                label = _SPECIAL_LABELS[special]
                self.open(special, "", (label,), label)
        elif _DISTRIBUTION.match(text):
            self.stack = []
            self.open("distribution", "", ("Nơi nhận",), "Nơi nhận")
        elif self.seen_heading and _TITLE_WORDS.match(text) and _is_caps_title(text.split(" | ")[0]):
            title = _shorten(re.split(r"\s\((?:Ban hành|Kèm theo|kèm theo)", text, maxsplit=1)[0], 90)
            self.stack = [_Frame("title", 0, 0, "", title)]
            self.open("title", "", (title,), title)
        else:
            return False
        self.current.lines.append(line)
        return True

    def _heading(self, i: int, marker: tuple[str, str, str]) -> int:
        kind, number, rest = marker
        depth = number.count(".") + 1 if kind == "arabic" else 1
        value = _marker_value(kind, number)
        title = _heading_title(rest)
        heading_lines = [self.lines[i]]
        if kind in {"part", "chapter", "muc"} and not rest and i + 1 < len(self.lines):
            nxt = self.lines[i + 1].text
            if _is_caps_title(nxt) and not _match_marker(nxt):
                title = nxt
                heading_lines.append(self.lines[i + 1])
        frame = _Frame(kind, depth, value, number, _label(kind, number, title))
        self.stack, self.inferred_parts = _place(self.stack, frame, self.inferred_parts)
        self.seen_heading = True
        path = tuple(f.label for f in self.stack)
        self.open("body", number, path, path[-1])
        self.current.lines.extend(heading_lines)
        return len(heading_lines)


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
