"""What a plan commits to: quantified targets (chỉ tiêu) and agencies' responsibilities.

Extraction runs on a :class:`~assistant.ingest.parsing.ParsedDocument`, so every item knows its section
path and its offsets in the canonical text (the same text the chunks slice), and can be cited like
an answer. Everything here is pure: rows go to SQLite in :mod:`assistant.index.commitments_db`.

Targets are found clause by clause (a plan's objectives are lists of "; "-separated clauses with
one or more values each). For each value we keep the qualifier as written ("từ 85% trở lên"), parse
it into a number, a comparator and a unit, and name what it measures from the words around it; the
target year comes from the clause, else from the headings above it ("Đến năm 2025:"), and the
plan's own period is kept separately as ``effective_year``.

Responsibilities follow how Vietnamese plans assign work: "Sở X chủ trì, phối hợp với Sở Y …",
"Sở X là cơ quan thường trực", "Đề nghị Ủy ban MTTQ …", and headings or list lines that name the
agency once for the tasks below them ("3. Sở Tài chính:" / "- Sở Nội vụ chủ trì …:" + "+ …").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from assistant.ingest.parsing import ParsedDocument, Section
from assistant.lexicon import facts as extract
from assistant.lexicon.areas import area_of, indicator_key
from assistant.lexicon.text import squash

EXTRACTOR_VERSION = "5"

# --------------------------------------------------------------------------------------------
# Agencies: more surface forms than the answerer needs, and one canonical name for each body

_DEPT_ABBREVIATIONS = {
    "TT&TT": "Thông tin và Truyền thông", "TTTT": "Thông tin và Truyền thông", "KH&ĐT": "Kế hoạch và Đầu tư",
    "KHĐT": "Kế hoạch và Đầu tư", "GD&ĐT": "Giáo dục và Đào tạo", "GDĐT": "Giáo dục và Đào tạo",
    "LĐTB&XH": "Lao động - Thương binh và Xã hội", "LĐ-TB&XH": "Lao động - Thương binh và Xã hội",
    "NN&PTNT": "Nông nghiệp và Phát triển nông thôn", "TN&MT": "Tài nguyên và Môi trường",
    "TNMT": "Tài nguyên và Môi trường", "KH&CN": "Khoa học và Công nghệ", "KHCN": "Khoa học và Công nghệ",
    "VHTT&DL": "Văn hóa, Thể thao và Du lịch", "GTVT": "Giao thông vận tải", "NN&MT": "Nông nghiệp và Môi trường",
}
_EXTRA_AGENCY = re.compile(
    r"(?<![\wÀ-ỹ])("
    r"Sở\s+(?:" + "|".join(re.escape(a) for a in sorted(_DEPT_ABBREVIATIONS, key=len, reverse=True)) + r")"
    r"|Sở\s+Lao\s+động,\s+Thương\s+binh\s+và\s+Xã\s+hội"
    r"|[Cc]ác\s+[Ss]ở,?\s+(?:ban,?\s+)?ngành(?:,\s+đơn\s+vị)?(?:\s+tỉnh)?"
    r"|Báo\s+và\s+Phát\s+thanh,\s+Truyền\s+hình(?:\s+tỉnh|(?:\s+[A-ZĐ][\wÀ-ỹ]+){1,2})?"
    r"|[Cc]ác\s+cơ\s+quan,\s+đơn\s+vị(?:,\s+địa\s+phương)?(?:\s+(?:có\s+)?liên\s+quan)?"
    r"|[Cc]ác\s+(?:cơ\s+quan|đơn\s+vị)(?:,?\s+đơn\s+vị)?\s+(?:có\s+)?liên\s+quan"
    r"|[Cc]ác\s+đơn\s+vị(?=\s+được\s+giao)"
    r"|[Cc]ác\s+cơ\s+quan\s+báo\s+chí(?:,\s+truyền\s+thông)?"
    r"|[Cc]ác\s+tổ\s+chức\s+chính\s+trị\s*-\s*xã\s+hội(?:\s+tỉnh)?"
    r"|[Cc]ác\s+cơ\s+quan\s+Trung\s+ương(?:\s+đóng)?\s+trên\s+địa\s+bàn(?:\s+tỉnh)?"
    r"|(?:[Cc]ác\s+)?Trung\s+tâm\s+bồi\s+dưỡng\s+chính\s+trị(?:\s+cấp\s+huyện)?"
    r"|Cổng\s+Thông\s+tin\s+điện\s+tử(?:\s+của)?\s+tỉnh"
    r"|(?:Ủy|Uỷ)\s+ban\s+(?:Mặt\s+trận\s+Tổ\s+quốc|MTTQ)(?:\s+Việt\s+Nam)?(?:\s+tỉnh)?"
    r"|(?:UBND|(?:Ủy|Uỷ)\s+ban\s+nhân\s+dân)\s+các\s+huyện(?:,\s+(?:thị\s+xã|thành\s+phố))*"
    r"|(?:UBND|(?:Ủy|Uỷ)\s+ban\s+nhân\s+dân)\s+(?:các\s+)?xã,\s+phường(?:,\s+thị\s+trấn)?"
    r")"
)


def find_agencies(text: str) -> list[extract.Found]:
    """Agencies in ``text``, longest match first where two forms overlap."""
    found = extract.agencies(text) + [extract.Found(squash(m.group(1)), m.start(1), m.end(1))
                                      for m in _EXTRA_AGENCY.finditer(text)]
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    out: list[extract.Found] = []
    for f in found:
        if out and f.start < out[-1].end:
            if f.end - f.start > out[-1].end - out[-1].start:  # overlapping forms: keep the longer
                out[-1] = f
            continue
        out.append(f)
    return out


_STATUTORY = {f"sở {d}".lower(): f"Sở {d}" for d in extract.DEPARTMENTS}
_UBND_WORDS = re.compile(r"(?:Ủy|Uỷ|ủy|uỷ)\s+ban\s+nhân\s+dân", re.IGNORECASE)


def canonical_agency(name: str) -> str:
    """One name per body: "Văn phòng Ủy ban nhân dân tỉnh" and "Văn phòng UBND tỉnh" are the same office."""
    s = _UBND_WORDS.sub("UBND", squash(name)).strip(" ,;:.")
    s = re.sub(r"^(?:Thủ trưởng|Chủ tịch|Giám đốc|Lãnh đạo)\s+", "", s)
    low = s.lower()
    if low.startswith("văn phòng ubnd"):
        return "Văn phòng UBND tỉnh"
    if re.match(r"ubnd\s+(?:các\s+)?(?:cấp\s+)?(?:huyện|thị xã|thành phố thuộc)", low):
        return "UBND cấp huyện"
    if re.match(r"ubnd\s+(?:các\s+)?(?:cấp\s+)?(?:xã|phường)", low):
        return "UBND cấp xã"
    if re.match(r"ubnd\s+(?:cấp\s+)?tỉnh", low):
        return "UBND tỉnh"
    if re.match(r"các\s+sở,?\s+(?:ban,?\s+)?ngành", low):
        return "Các sở, ban, ngành"
    if re.match(r"các\s+(?:cơ\s+quan,\s+đơn\s+vị|(?:cơ\s+quan|đơn\s+vị)\s+(?:có\s+)?liên\s+quan|đơn\s+vị$)", low):
        return "Các cơ quan, đơn vị"
    if re.match(r"các\s+trung tâm\s", low):  # "các Trung tâm bồi dưỡng …": the plural of one kind of body
        s = s[4:]
    if re.match(r"(?:ủy|uỷ)\s+ban\s+(?:mặt trận tổ quốc|mttq)", low):
        return "Ủy ban MTTQ Việt Nam tỉnh"
    if re.match(r"ban chỉ đạo (?:cchc|cải cách hành chính)", low):
        return "Ban Chỉ đạo CCHC tỉnh"
    m = re.match(r"Sở\s+(\S+)$", s)
    if m and m.group(1) in _DEPT_ABBREVIATIONS:
        return "Sở " + _DEPT_ABBREVIATIONS[m.group(1)]
    if low == "sở lao động, thương binh và xã hội":
        return "Sở Lao động - Thương binh và Xã hội"
    statutory = _STATUTORY.get(low)
    if statutory:  # "Sở Nông Nghiệp và Môi Trường" -> the statutory spelling
        return statutory
    if re.match(r"(?:thanh tra|công an|trung tâm phục vụ hành chính công)$", low.split(" tỉnh")[0]) and \
            not low.endswith("tỉnh"):
        s += " tỉnh"
    return s[:1].upper() + s[1:]


# --------------------------------------------------------------------------------------------
# Clauses: the unit a target or a responsibility is read from

_SENTENCE_BREAK = r"(?<=[.!?])\s+(?=[\"“(\[]?[A-ZĐÀ-Ỹ0-9+\-•])|\n"
_CLAUSE_BREAK = re.compile(r";\s+|" + _SENTENCE_BREAK)
_SENTENCE_ONLY = re.compile(_SENTENCE_BREAK)


@dataclass(frozen=True)
class Clause:
    text: str
    start: int  # offset in the canonical text
    end: int
    line: int  # index of the line in its section


def clauses(section: Section, *, split_semicolons: bool = True) -> Iterator[Clause]:
    """The section's lines cut at sentence ends (and at "; " unless told not to), with offsets."""
    breaks = _CLAUSE_BREAK if split_semicolons else _SENTENCE_ONLY
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


def _headings(section: Section, by_path: Mapping[tuple[str, ...], Section] | None = None) -> list[str]:
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


# --------------------------------------------------------------------------------------------
# Targets


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
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_FUTURE = re.compile(r"\b(?:đến|tới|phấn đấu|định hướng|trước|kết thúc|hết)\b", re.IGNORECASE)
_ANNUAL = re.compile(r"\bh[aằ]ng năm\b", re.IGNORECASE)
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


# Years that are not target years: a baseline ("so với năm 2020", "so với dự toán … giai đoạn 2017 - 2021")
# and full dates ("tính đến hết ngày 31 tháng 5 năm 2020").
_BASELINE = re.compile(r"so với\s+[^.;]{0,60}?\d{4}(?:\s*[-–]\s*\d{4})?"
                       r"|(?:ngày\s+)?\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}|\b\d{1,2}/\d{1,2}/\d{4}\b", re.IGNORECASE)


def _time_of(clause: str) -> tuple[str | None, str | None]:
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


def _heading_year(section: Section) -> str | None:
    for heading in _headings(section):
        year, _ = _time_of(heading)
        if year:
            return year
    return None


def _period_end(period: str) -> str | None:
    years = _YEAR.findall(period or "")
    return years[-1] if years else None


def _is_past(clause: str, doc_year: int) -> bool:
    """A figure of the past ("Năm 2020, Chỉ số CCHC đạt 85%") rather than a commitment."""
    clause = _BASELINE.sub(" ", clause)
    years = [int(y) for y in _YEAR.findall(clause)]
    if not years or not doc_year:
        return bool(re.search(r"\bđã đạt\b|\bhiện nay\b|\bhiện đạt\b", clause, re.IGNORECASE))
    return max(years) <= doc_year and not _FUTURE.search(clause)


def extract_targets(parsed: ParsedDocument, meta: Mapping[str, Any]) -> list[Target]:
    doc_id, province = str(meta.get("doc_id", "")), str(meta.get("province", ""))
    doc_year = int(meta.get("year") or 0)
    period_end = _period_end(str(meta.get("period", "")))
    out: list[Target] = []
    by_path = {section.path: section for section in parsed.sections}
    for section in parsed.sections:
        if section.kind not in {"body", "preamble"} or not section.lines:
            continue
        if any(_ASSESSMENT_HEADING.search(h) for h in section.path):
            continue
        # A year stated once governs what follows it in the section ("Thứ hai, … phấn đấu đến năm 2025, …"
        # then the targets, then "Đến năm 2030, …"); "kết thúc giai đoạn" is the end of the plan's period.
        headings = _headings(section, by_path)
        current_year = _heading_year(section)
        for clause in clauses(section):
            if _is_past(clause.text, doc_year):
                continue  # neither its figures nor its year ("Năm 2020, … đạt 80%") are commitments
            clause_year, period_text = _time_of(clause.text)
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


# --------------------------------------------------------------------------------------------
# Responsibilities

ROLES = ("chủ trì", "phối hợp", "thường trực", "tham mưu", "đề nghị", "chịu trách nhiệm")
_ROLE_WORD = re.compile(r"(?<![\wÀ-ỹ])(chủ trì|phối hợp|thường trực|tham mưu|đề nghị|(?:chịu|có) trách nhiệm)"
                        r"(?![\wÀ-ỹ])", re.IGNORECASE)
_TITLE = r"(?:Chánh|Thủ trưởng|Chủ tịch|Giám đốc|Lãnh đạo|Trưởng ban|Người đứng đầu)"
# What may separate agencies listed together: "Chánh Văn phòng UBND tỉnh; Thủ trưởng các sở, …
# và các cơ quan …".
_CONNECTOR = re.compile(r"^[\s,;*]*(?:(?:và|cùng|với|cùng với)\s+)?(?:" + _TITLE + r"\s+)?[\s,;*]*$", re.IGNORECASE)
_OPENER = re.compile(r"^(?:[-+•*]\s*|\d{1,2}(?:\.\d{1,2})*\.?\s+|[a-zđ]\)\s*|Điều\s+\d+\.?\s*)*"
                     r"(?:(?:Căn cứ|Trên cơ sở|Theo)\s[^,;:]{0,60},\s*)?"
                     r"(?:(?:Giao|Đề nghị|Yêu cầu)\s+)?(?:" + _TITLE + r"\s+)?", re.IGNORECASE)


@dataclass(frozen=True)
class Responsibility:
    doc_id: str
    province: str
    agency: str
    agency_text: str
    role: str
    task: str
    area: str
    section: str
    sentence: str
    start: int
    end: int
    agency_from_heading: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _leading_agencies(text: str, stop: int | None = None,
                      agencies: list[extract.Found] | None = None) -> list[extract.Found]:
    """The agencies that open a clause, as a list: "- Sở Nội vụ: …", "Giao Sở Tài chính chủ trì …",
    "Chánh Văn phòng UBND tỉnh; Thủ trưởng các sở, ban ngành … chịu trách nhiệm …". ``agencies``: the
    clause's agencies when the caller has found them already."""
    opener = _OPENER.match(text)
    skip = opener.end() if opener else 0
    found = [f for f in (find_agencies(text) if agencies is None else agencies)
             if f.start >= skip and (stop is None or f.end <= stop)]
    if not found or found[0].start - skip > 2:
        return []
    return _list_after(text, found, found[0].start, len(text) if stop is None else stop)


def _section_owners(section: Section, by_path: Mapping[tuple[str, ...], Section]) -> list[str]:
    """Agencies named above the section own the tasks under it: a heading ("3. Sở Tài chính:"), or
    the line that closes a parent's own text ("Các sở, ban ngành và UBND cấp huyện:" before a), b) …)."""
    for depth in range(len(section.path), 0, -1):
        heading = section.path[depth - 1]
        found = _leading_agencies(heading)
        if found and len(heading) - found[-1].end < 40:
            return [f.text for f in found]
        parent = by_path.get(section.path[:depth])
        if parent is not None and parent is not section and parent.lines:
            last = parent.lines[-1].text.strip()
            found = _leading_agencies(last)
            if found and last.endswith(":") and len(last) - found[-1].end < 40:
                return [f.text for f in found]
    return []


def _list_after(text: str, agencies_found: list[extract.Found], start: int, stop: int) -> list[extract.Found]:
    """Agencies listed one after another from ``start``: "phối hợp với Sở Tư pháp, Sở Nội vụ và …"."""
    out: list[extract.Found] = []
    cursor = start
    for found in agencies_found:
        if found.start < start or found.start >= stop:
            continue
        if not _CONNECTOR.match(text[cursor:found.start]):
            break
        out.append(found)
        cursor = found.end
    return out


def _task(clause: str, role_end: int, section: Section) -> str:
    rest = re.sub(r"^[\s,:]*(?:phối hợp\s+)?(?:với\s+)?(?:các\s+cơ\s+quan,?\s+(?:đơn\s+vị\s+)?(?:có\s+)?liên\s+quan"
                  r"\s*)?", "", clause[role_end:], flags=re.IGNORECASE)
    rest = rest.strip(" ,:;.")
    words = rest.split()
    if len(words) >= 3:
        return " ".join(words[:25]) + (" …" if len(words) > 25 else "")
    label = re.sub(r"^\S+\s+", "", section.label) if re.match(r"^[\dIVXa-zđ]", section.label) else section.label
    return label.strip(" :")


def _subjects(clause: str, every: list[extract.Found], found: list[extract.Found], first_role: int,
              owners: list[str]) -> tuple[list[str], bool]:
    """Who performs the clause's roles, and whether they come from a heading rather than the clause.
    ``every``: all agencies of the clause; ``found``: those that can act (not "đề xuất của X")."""
    leading = _leading_agencies(clause, stop=first_role, agencies=every)
    if leading:
        return [f.text for f in leading], False
    before = [a for a in found if a.end <= first_role and first_role - a.end <= 30
              and not re.search(r"[;.:]", clause[a.end:first_role])]
    if before:
        return [before[-1].text], False
    if owners and (not found or found[0].start > first_role):
        return owners, True  # "- Chủ trì, phối hợp …" under a heading that names the agency
    return [], False


# Task lists often name the agencies in labelled fields: "Đơn vị chủ trì thực hiện: Sở Tư pháp. Đơn vị phối
# hợp: Sở Nội vụ, các cơ quan liên quan." (also "Cơ quan chủ trì:", "Đơn vị chủ trì tham mưu thực hiện:").
_FIELD = re.compile(r"(?:Đơn vị|Cơ quan)\s+(chủ trì|phối hợp)(\s+tham mưu)?(?:\s+thực hiện)?\s*:\s*", re.IGNORECASE)


def _fields(clause: str, found: list[extract.Found]) -> list[tuple[str, str, bool]] | None:
    matches = list(_FIELD.finditer(clause))
    if not matches:
        return None
    out: list[tuple[str, str, bool]] = []
    for i, m in enumerate(matches):
        stop = matches[i + 1].start() if i + 1 < len(matches) else len(clause)
        listed = _list_after(clause, found, m.end(), stop)
        role = m.group(1).lower()
        out += [(a.text, role, False) for a in listed]
        if m.group(2):
            out += [(a.text, "tham mưu", False) for a in listed]
    return out


def _assign(clause: str, owners: list[str]) -> list[tuple[str, str, bool]]:
    """(agency as written, role, from heading) for one clause."""
    roles_found = list(_ROLE_WORD.finditer(clause))
    if not roles_found:
        return []
    every = find_agencies(clause)
    found = [a for a in every if not re.search(r"\bcủa\s+$", clause[:a.start])]  # not "đề xuất của X"
    fielded = _fields(clause, found)
    if fielded is not None:
        return _unique(fielded)
    subjects, from_heading = _subjects(clause, every, found, roles_found[0].start(), owners)
    leads = any(m.group(1).lower() == "chủ trì" for m in roles_found)
    out: list[tuple[str, str, bool]] = []
    for i, m in enumerate(roles_found):
        role = re.sub(r"^có ", "chịu ", m.group(1).lower())
        stop = roles_found[i + 1].start() if i + 1 < len(roles_found) else len(clause)
        prefix = clause[max(0, m.start() - 12):m.start()].lower()
        if re.search(r"(?:hiệu quả|công tác|sự|việc|cơ chế|quy chế|mối)\s+$", prefix):
            continue  # "nâng cao hiệu quả phối hợp …": the word as a noun assigns nothing
        if role == "đề nghị":
            if "theo" in prefix or "của" in clause[m.end():m.end() + 6]:
                continue  # "theo đề nghị của Sở Nội vụ" cites a proposal, it assigns nothing
            out += [(a.text, role, False) for a in _list_after(clause, found, m.end(), stop)]
            continue
        if role == "phối hợp":
            partners_at = m.end() + re.match(r"\s*(?:với\s+)?", clause[m.end():]).end()  # type: ignore[union-attr]
            partners = _list_after(clause, found, partners_at, stop)
            if leads or not subjects:
                # "X chủ trì, phối hợp với Y": Y is the partner
                out += [(a.text, role, False) for a in partners]
            else:
                # "X phối hợp với Y": X is the partner of Y, who leads
                out += [(a, role, from_heading) for a in subjects]
            continue
        if role == "chủ trì":
            after = re.match(r"\s*(?::|là)\s*", clause[m.end():])
            listed = _list_after(clause, found, m.end() + after.end(), stop) if after else []
            if listed:  # "Chủ trì: Sở Nội vụ"
                out += [(a.text, role, False) for a in listed]
                continue
        if role == "thường trực" and re.search(r"ban chỉ đạo|hội đồng", clause[m.end():m.end() + 20], re.IGNORECASE) \
                and "cơ quan" not in prefix:
            continue  # "Thường trực Ban Chỉ đạo" is a body, not a role given here
        out += [(a, role, from_heading) for a in subjects]
    return _unique(out)


def _unique(found: list[tuple[str, str, bool]]) -> list[tuple[str, str, bool]]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for agency, role, heading in found:
        key = (canonical_agency(agency), role)
        if key not in seen:
            seen.add(key)
            unique.append((agency, role, heading))
    return unique


_LINE_OWNER = re.compile(r"^[-•*]\s+")


def extract_responsibilities(parsed: ParsedDocument, meta: Mapping[str, Any]) -> list[Responsibility]:
    """Responsibilities, read sentence by sentence (not clause by clause: a list of agencies joined by
    ";" is often the subject of one role, as in "Điều 3. Chánh Văn phòng …; Thủ trưởng … chịu trách nhiệm")."""
    doc_id, province = str(meta.get("doc_id", "")), str(meta.get("province", ""))
    out: list[Responsibility] = []
    by_path = {section.path: section for section in parsed.sections}
    for section in parsed.sections:
        if section.kind not in {"body", "preamble"} or not section.lines:
            continue
        owners = _section_owners(section, by_path)
        headings = _headings(section, by_path)
        line_owners: list[str] = []
        for clause in clauses(section, split_semicolons=False):
            text = clause.text
            if not text.startswith("+"):
                # "- Sở Nội vụ chủ trì, phối hợp …:" owns the "+" items below it
                lead = _leading_agencies(text) if _LINE_OWNER.match(text) else []
                line_owners = [f.text for f in lead] if lead and (text.rstrip().endswith(":") or len(text) < 160) else []
            current = line_owners if text.startswith("+") and line_owners else owners
            assigned = _assign(text, current)
            if not assigned:
                continue
            role_match = _ROLE_WORD.search(text)
            task = _task(text, role_match.end() if role_match else 0, section)
            area = area_of(text, headings)
            for agency_text, role, from_heading in assigned:
                out.append(Responsibility(
                    doc_id=doc_id, province=province, agency=canonical_agency(agency_text), agency_text=agency_text,
                    role=role, task=task, area=area, section=section.breadcrumb, sentence=text,
                    start=clause.start, end=clause.end, agency_from_heading=from_heading,
                ))
    return out


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
