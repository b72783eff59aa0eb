"""Quantified targets (chỉ tiêu): each value of a clause, its qualifier, what it measures and when.

Targets are found clause by clause (a plan's objectives are lists of "; "-separated clauses with one or
more values each). For each value we keep the qualifier as written ("từ 85% trở lên"), parse it into a
number, a comparator and a unit, and name what it measures from the words around it ("Chỉ số CCHC …
đạt 85%", "100% hồ sơ …"). The target year comes from :mod:`.years`; sections that assess the past
("Kết quả", "Thực trạng") are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from assistant.ingest.commitments.clauses import clauses, section_headings
from assistant.ingest.commitments.years import heading_year, is_past, period_end_year, time_of
from assistant.ingest.parsing import ParsedDocument
from assistant.lexicon import facts as extract
from assistant.lexicon.areas import area_of, indicator_key


@dataclass(frozen=True)
class Target:
    doc_id: str
    province: str
    indicator: str
    indicator_key: str | None
    value: str
    number: float
    number_max: float | None
    unit: str
    comparator: str
    year: str | None
    period_text: str | None
    effective_year: str | None
    area: str
    section: str
    sentence: str
    start: int  # offsets of the sentence (clause) in the canonical text
    end: int
    value_start: int
    value_end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_STRUCTURAL = re.compile(r"^\d+\s+(?:nhóm|nhiệm vụ|mục tiêu|giải pháp|lĩnh vực|chỉ tiêu)\b", re.IGNORECASE)
_ASSESSMENT_HEADING = re.compile(r"kết quả|thực trạng|đánh giá|tình hình|căn cứ", re.IGNORECASE)
_VERB_PREFIX = re.compile(r"^(?:phấn đấu\s+)?đạt\s+(?=\S)", re.IGNORECASE)
_NUM = re.compile(r"\d+(?:[.,]\d+)?")
_LEAD = re.compile(
    r"^(?:[-+•*]\s*|\d{1,2}(?:\.\d{1,2})*\.?\s+|[a-zđ]\)\s*|Thứ\s+\w+\s*[,:]\s*)*"
    r"(?:(?:Kết thúc giai đoạn|Đến năm \d{4}|Đến hết năm \d{4}|Đến năm|Giai đoạn [\d\s\-–]+|Năm \d{4}|"
    r"Phấn đấu|Phấn đấu đến năm \d{4}|Hằng năm|Hàng năm)\s*,?\s*)*",
    re.IGNORECASE,
)
_MEASURE_TAIL = re.compile(r"\s*(?:phấn đấu\s+)?(?:đạt(?:\s+mức)?|là|chiếm|ở mức|bằng)?\s*$", re.IGNORECASE)
_ACTION_TAIL = re.compile(r"(?:giảm|tăng|cắt giảm|đơn giản hóa|tinh giản|hoàn thành|có|ít nhất có|bảo đảm|đảm bảo)\s*$",
                          re.IGNORECASE)


def _parse_value(value: str) -> tuple[float, float | None, str, str] | None:
    nums = [float(n.replace(",", ".")) for n in _NUM.findall(value)]
    if not nums:
        return None
    low = value.lower()
    unit = ""
    ratio = re.search(r"/(\d+)", value)
    if ratio:
        unit = "/" + ratio.group(1)
        nums = [n for n in nums if n != float(ratio.group(1))] or nums
    elif "%" in value:
        unit = "%"
    else:
        m = re.search(r"\d\s*([^\d\s].*?)(?:\s+trở (?:lên|xuống))?$", value)
        unit = m.group(1).strip() if m else ""
    number, number_max = nums[0], (nums[1] if len(nums) > 1 and re.search(r"\d\s*%?\s*[-–]\s*\d", value) else None)
    if number_max is not None:
        comparator = "range"
    elif re.search(r"nhóm|tốp|top|xếp hạng|thứ hạng", low):
        comparator = "top"
    elif re.search(r"tối thiểu|ít nhất|không dưới|trở lên|^từ\b|đạt từ", low):
        comparator = ">="
    elif re.search(r"^(?:trên|hơn|đạt trên)\b", low):
        comparator = ">"
    elif re.search(r"tối đa|không quá|trở xuống", low):
        comparator = "<="
    elif re.search(r"^dưới\b", low):
        comparator = "<"
    else:
        comparator = "="
    return number, number_max, unit, comparator


# Values the general pattern misses: "gấp 30 lần", "tối thiểu 01 sàn giao dịch", "ít nhất 10 doanh nghiệp".
_EXTRA_VALUE = re.compile(r"(?<![\wÀ-ỹ])(?:gấp\s+\d+(?:[.,]\d+)?\s+lần|(?:tối thiểu|ít nhất|tối đa|không dưới|không quá)\s+\d+"
                          r"(?![\d%/.,])(?:\s+[a-zà-ỹđ]+){1,2})", re.IGNORECASE)


def _values(clause: str) -> list[extract.Found]:
    found = [f for f in extract.targets(clause) if _is_target_value(f, clause)]
    for m in _EXTRA_VALUE.finditer(clause):
        if not any(f.start < m.end() and m.start() < f.end for f in found):
            value = re.sub(r"^((?:tối thiểu|ít nhất|tối đa|không dưới|không quá)\s+\d+).*$", r"\1", m.group(0),
                           flags=re.IGNORECASE)
            found.append(extract.Found(value, m.start(), m.start() + len(value)))
    return sorted(found, key=lambda f: f.start)


def _is_target_value(found: extract.Found, clause: str = "") -> bool:
    text = found.text
    if not re.search(r"\d", text) or _STRUCTURAL.match(re.sub(r"^\D+", "", text)):
        return False
    if re.search(r"đồng|VNĐ|VND", text):  # budget figures are not targets here
        return False
    ratio = re.search(r"(\d+)\s*/\s*(\d+)", text)
    if ratio and re.search(r"\bngày\s*$", clause[:found.start], re.IGNORECASE):
        return False  # "Ngày 10/10" is a date
    return not (ratio and (int(ratio.group(2)) > 1000 or int(ratio.group(1)) > int(ratio.group(2))))


def _after_head(text: str, limit: int = 12) -> str:
    """The noun phrase after a value: up to a clause break, a comparison or the next value."""
    m = re.search(r"[;:.()\[\]]|\s+so với\b|\s+và\s+(?=\d)|,\s+(?:trong (?:đó|số đó)|đồng thời)\b|"
                  r"\s+(?:đạt|phấn đấu|trở lên)\b", text)
    words = (text[:m.start()] if m else text).split()
    return " ".join(words[:limit]).strip(" ,")


_INDICATOR_NOUN = re.compile(r"^(?:Chỉ số|Bộ chỉ số|Tỷ lệ|Mức độ|Số lượng|Điểm|Thứ hạng|Kết quả)\b")


def _indicator(before: str, after: str, value: str, *, follows_value: bool = False) -> str:
    """What a value measures, from the words before it ("Chỉ số CCHC … đạt") or after it ("100% hồ sơ …").

    ``follows_value``: another value precedes in the clause, whose own noun phrase opens ``before``
    ("20% số quy định và cắt giảm 20% chi phí …"); only the words after the last "và"/comma are ours.
    """
    if follows_value:
        before = re.split(r"\s+và\s+|,\s+|;\s*", before.strip())[-1]
    segment = _LEAD.sub("", re.split(r"[;:]|,\s+trong (?:đó|số đó),?", before)[-1].strip())
    segment = _LEAD.sub("", re.sub(r"^.*?\b(?:phấn đấu|mục tiêu)(?:\s+(?:đến|tới)\s+năm\s+\d{4})?\s*,?\s*", "",
                                   segment, flags=re.IGNORECASE))
    segment = re.sub(r",?\s*(?:đến|tới|trong|giai đoạn|hết)\s+(?:năm\s+)?\d{4}(?:\s*[-–]\s*\d{4})?", "", segment)
    segment = re.sub(r"^trong (?:đó|số đó),?\s*", "", segment.strip(" ,"), flags=re.IGNORECASE)
    head = _after_head(after.strip())
    trimmed = _MEASURE_TAIL.sub("", segment).strip(" ,")
    indicator_like = _INDICATOR_NOUN.match(trimmed) or re.match(r"(?:xếp|thứ hạng|nằm|thuộc)", value, re.IGNORECASE)
    if len(trimmed.split()) >= 2 and (trimmed != segment or indicator_like):
        # "Chỉ số CCHC của tỉnh đạt …": the indicator is before the value, from its head noun on
        heads = list(re.finditer(r"(?:Chỉ số|Bộ chỉ số|Tỷ lệ|Mức độ|Số lượng|tỷ lệ|mức độ)\b", trimmed))
        return trimmed[heads[0].start():] if heads else " ".join(trimmed.split()[-14:])
    if len(segment.split()) <= 1 and not _ACTION_TAIL.search(segment):
        return head  # "100% văn bản quy phạm pháp luật …": the indicator follows the value
    words = segment.split()
    lead = " ".join(words if len(words) <= 10 else words[-8:])
    return f"{lead} {head}".strip() if head else lead


def extract_targets(parsed: ParsedDocument, meta: Mapping[str, Any]) -> list[Target]:
    """The targets of the plan's body and preamble, in document order (sections that assess the past
    and clauses about past figures are skipped)."""
    doc_id, province = str(meta.get("doc_id", "")), str(meta.get("province", ""))
    doc_year = int(meta.get("year") or 0)
    period_end = period_end_year(str(meta.get("period", "")))
    out: list[Target] = []
    by_path = {section.path: section for section in parsed.sections}
    for section in parsed.sections:
        if section.kind not in {"body", "preamble"} or not section.lines:
            continue
        if any(_ASSESSMENT_HEADING.search(h) for h in section.path):
            continue
        # A year stated once governs what follows it in the section ("Thứ hai, … phấn đấu đến năm 2025, …"
        # then the targets, then "Đến năm 2030, …"); "kết thúc giai đoạn" is the end of the plan's period.
        headings = section_headings(section, by_path)
        current_year = heading_year(section)
        for clause in clauses(section):
            if is_past(clause.text, doc_year):
                continue  # neither its figures nor its year ("Năm 2020, … đạt 80%") are commitments
            clause_year, period_text = time_of(clause.text)
            if clause_year is None and period_text and re.match(r"kết thúc giai đoạn", period_text, re.IGNORECASE):
                clause_year = period_end
            current_year = clause_year or current_year
            values = _values(clause.text)
            if not values:
                continue
            year = current_year
            area = area_of(clause.text, headings)
            previous_end = 0
            for i, found in enumerate(values):
                value = _VERB_PREFIX.sub("", found.text)
                start = found.start + (len(found.text) - len(value))
                parsed_value = _parse_value(value)
                if parsed_value is None:
                    continue
                next_start = values[i + 1].start if i + 1 < len(values) else len(clause.text)
                indicator = _indicator(clause.text[previous_end:start], clause.text[found.end:next_start], value,
                                       follows_value=i > 0)
                previous_end = found.end
                number, number_max, unit, comparator = parsed_value
                out.append(Target(
                    doc_id=doc_id, province=province, indicator=indicator or value,
                    indicator_key=indicator_key(indicator or clause.text), value=value, number=number,
                    number_max=number_max, unit=unit, comparator=comparator, year=year, period_text=period_text,
                    effective_year=year or period_end, area=area, section=section.breadcrumb,
                    sentence=clause.text, start=clause.start, end=clause.end,
                    value_start=clause.start + start, value_end=clause.start + found.end,
                ))
    return out
