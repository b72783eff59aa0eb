"""When a target is due: the year of a clause, of the headings above it, or of the plan's period.

A year stated once governs what follows it ("Đến năm 2025:" as a heading, "phấn đấu đến năm 2025, …"
in a clause); "hằng năm" is kept as written. Years that are not target years are ignored: baselines
("so với năm 2020") and full dates. A clause about the past ("Năm 2020, … đạt 80%") states no
commitment at all.
"""

from __future__ import annotations

import re

from assistant.ingest.commitments.clauses import section_headings
from assistant.ingest.parsing import Section

_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_FUTURE = re.compile(r"\b(?:đến|tới|phấn đấu|định hướng|trước|kết thúc|hết)\b", re.IGNORECASE)
_ANNUAL = re.compile(r"\bh[aằ]ng năm\b", re.IGNORECASE)

# Years that are not target years: a baseline ("so với năm 2020", "so với dự toán … giai đoạn 2017 - 2021")
# and full dates ("tính đến hết ngày 31 tháng 5 năm 2020").
_BASELINE = re.compile(r"so với\s+[^.;]{0,60}?\d{4}(?:\s*[-–]\s*\d{4})?"
                       r"|(?:ngày\s+)?\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}|\b\d{1,2}/\d{1,2}/\d{4}\b", re.IGNORECASE)


def time_of(clause: str) -> tuple[str | None, str | None]:
    """Target year and the time phrase as written, from one clause."""
    clause = _BASELINE.sub(" ", clause)
    if _ANNUAL.search(clause):
        return "hằng năm", _ANNUAL.search(clause).group(0)  # type: ignore[union-attr]
    m = re.search(r"(?:(?:đến|tới|trước|trong|hết|cuối)\s+(?:hết\s+)?(?:năm\s+)?|định hướng(?: đến)?\s+năm\s+|"
                  r"giai đoạn\s+\d{4}\s*[-–]\s*|năm\s+)(\d{4})", clause, re.IGNORECASE)
    if m and 2000 <= int(m.group(1)) <= 2100:
        return m.group(1), m.group(0)
    m = re.search(r"kết thúc giai đoạn", clause, re.IGNORECASE)
    if m:
        return None, m.group(0)
    return None, None


def heading_year(section: Section) -> str | None:
    """The year named by the nearest heading above ``section`` that names one ("Đến năm 2025")."""
    for heading in section_headings(section):
        year, _ = time_of(heading)
        if year:
            return year
    return None


def period_end_year(period: str) -> str | None:
    """The last year of a plan's period ("2021-2025" -> "2025")."""
    years = _YEAR.findall(period or "")
    return years[-1] if years else None


def is_past(clause: str, doc_year: int) -> bool:
    """A figure of the past ("Năm 2020, Chỉ số CCHC đạt 85%") rather than a commitment."""
    clause = _BASELINE.sub(" ", clause)
    years = [int(y) for y in _YEAR.findall(clause)]
    if not years or not doc_year:
        return bool(re.search(r"\bđã đạt\b|\bhiện nay\b|\bhiện đạt\b", clause, re.IGNORECASE))
    return max(years) <= doc_year and not _FUTURE.search(clause)
