"""The layout of a retrieved chunk as the answerer reads and quotes it: lines with the list labels that
govern them, list markers, items enumerated in one line, clauses, and quotes located exactly in the chunk.

Every quote of an answer must be an exact substring of the cited section; the functions that cut and
extend quotes live here, next to the reading of the chunk's lines, so that rule is kept in one place.
"""

from __future__ import annotations

import re

from assistant.ingest.parsing import MARKERS
from assistant.qa.answer.model import Evidence
from assistant.qa.answer.weights import QUOTE_MAX


def match_marker(line: str) -> tuple[str, str, str] | None:
    """(kind, number, rest) of a line that starts with a structure marker ("6.1.", "a)", "- "), else None.

    The same matching as the parser's (its ``MARKERS``, first match wins); ``assistant.ingest.parsing``
    has no public function for it."""
    for kind, pattern in MARKERS:
        m = pattern.match(line)
        if m:
            return kind, m.group(1), m.group(2)
    return None


def lines_with_governors(text: str) -> list[tuple[str, int, list[str]]]:
    """Each line of a chunk with where it starts and the lines that govern it: the label lines of
    shallower list levels above it ("- Sở Tài chính chủ trì …:" governs the "+ …" items under it), and an
    unnumbered paragraph ending with ":" that introduces the items after it."""
    out = []
    stack: list[tuple[str, str]] = []
    pos = 0
    for line in text.split("\n"):
        start = pos
        pos += len(line) + 1
        marker = match_marker(line.strip())
        key = (marker[1] if marker[0] == "bullet" else marker[0]) if marker else ""
        if key:
            idx = next((i for i, (k, _) in enumerate(stack) if k == key), None)
            if idx is not None:
                # "- item\nĐến hết năm 2045:\n- item": a lead-in written after the earlier sibling governs this one
                lead = [s for s in stack[idx + 1:] if s[0] == _LEAD_IN][-1:]
                stack = stack[:idx] + lead
        elif line.strip():
            stack = [s for s in stack if s[0] != _LEAD_IN]  # a new paragraph ends the list it introduced
        out.append((line, start, [ln for _, ln in stack]))
        if key:
            stack.append((key, line))
        elif line.rstrip(" *").endswith(":"):
            stack.append((_LEAD_IN, line))  # "… bao gồm:" / "… các trường hợp sau:" governs the items below
    return out


#: The level of an unnumbered paragraph that ends with a colon and introduces the list under it.
_LEAD_IN = "lead-in"


def strip_marker(line: str) -> str:
    """A list item's text without its marker, shortened to 160 characters at a word."""
    marker = match_marker(line.strip())
    text = marker[2] if marker else line.strip()
    return text if len(text) <= 160 else text[:160].rsplit(" ", 1)[0] + "…"


def inline_items(line: str) -> list[str]:
    """Items enumerated inside one line after a colon: "gồm: A; B; C" or "đó là: (1) A; (2) B; (3) C"."""
    head, sep, rest = line.partition(":")
    if not sep or rest.count(";") < 2 or len(head) > 400:
        return []
    items = [re.sub(r"^\s*(?:\(?\d+\)|[a-zđ]\)|[-+•])\s*", "", x).strip(" .") for x in rest.split(";")]
    return [x if len(x) <= 160 else x[:160].rsplit(" ", 1)[0] + "…" for x in items if x]


def clause(sentence: str, start: int, end: int) -> str:
    """The clause around a match: from the previous ';' (or sentence start) to the next ';'."""
    lo = sentence.rfind(";", 0, start) + 1
    hi = sentence.find(";", end)
    return sentence[lo: hi if hi >= 0 else len(sentence)]


def quote(e: Evidence) -> str:
    """The whole line (paragraph or list item) holding the sentence, trimmed around it if very long."""
    line = e.line.strip()
    if len(line) <= QUOTE_MAX:
        return line
    start = line.find(e.sentence.strip())
    if start < 0:
        return e.sentence.strip()[:QUOTE_MAX]
    lo = max(0, start - 150)
    lo = line.rfind(" ", 0, lo) + 1 if lo > 0 else 0
    hi = min(len(line), start + len(e.sentence) + 150)
    hi = line.find(" ", hi) if line.find(" ", hi) > 0 else len(line)
    return line[lo:hi].strip()


def with_label_line(e: Evidence, quoted: str, limit: int = 1500) -> str:
    """Extend the quote back to the nearest line above it that holds the fact (an agency heading or a
    "- Sở Tài chính chủ trì …:" label), as one contiguous passage of the chunk."""
    text = e.doc.page_content
    fact = (e.fact or "").split("; ")[0]
    label = text.rfind(fact, 0, e.line_start)
    if label < 0:
        return quoted
    start = text.rfind("\n", 0, label) + 1
    end = e.line_start + len(e.line)
    if end - start > limit:
        return quoted
    return text[start:end].strip()


def locate(text: str, quoted: str, near: int) -> tuple[int, int]:
    """(start, end) of the quote in its chunk: exact when contiguous, else first to last line."""
    lines = quoted.split("\n")
    first = text.rfind(lines[0], 0, near + len(lines[0]) + 1)
    if first < 0:
        first = max(0, text.find(lines[0]))
    if text.startswith(quoted, first):
        return first, first + len(quoted)
    last = text.find(lines[-1], first)
    return first, (last + len(lines[-1])) if last >= 0 else first + len(lines[0])
