"""Agencies in a plan's sentences, and one canonical name for each body.

More surface forms than the answerer needs (department abbreviations such as "Sở TT&TT", "các sở, ban,
ngành", district and commune people's committees in their plural forms), found on top of
:func:`assistant.lexicon.facts.agencies`; and a canonical name for each body, so that "Văn phòng Ủy ban
nhân dân tỉnh" and "Văn phòng UBND tỉnh" are counted as one office in the responsibilities table.
"""

from __future__ import annotations

import re

from assistant.lexicon import facts as extract
from assistant.lexicon import vocabulary
from assistant.lexicon.text import squash

_DEPT_ABBREVIATIONS = vocabulary.department_abbreviations()  # lexicon/data/agencies.toml
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
