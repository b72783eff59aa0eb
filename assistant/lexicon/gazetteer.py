"""Vietnamese provinces and the domain's abbreviations, for metadata extraction and query analysis."""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.lexicon.text import fold

PROVINCES = [
    "An Giang", "Bà Rịa - Vũng Tàu", "Bắc Giang", "Bắc Kạn", "Bạc Liêu", "Bắc Ninh", "Bến Tre", "Bình Định",
    "Bình Dương", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng", "Cần Thơ", "Đà Nẵng", "Đắk Lắk", "Đắk Nông",
    "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang", "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương",
    "Hải Phòng", "Hậu Giang", "Hòa Bình", "Hồ Chí Minh", "Huế", "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum",
    "Lai Châu", "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An", "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận",
    "Phú Thọ", "Phú Yên", "Quảng Bình", "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng",
    "Sơn La", "Tây Ninh", "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế", "Tiền Giang", "Trà Vinh",
    "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
]

# Abbreviation -> expansions. Used both ways: a question using either form matches text using the other.
ABBREVIATIONS: dict[str, list[str]] = {
    "CCHC": ["cải cách hành chính"],
    "TTHC": ["thủ tục hành chính"],
    "UBND": ["Ủy ban nhân dân"],
    "HĐND": ["Hội đồng nhân dân"],
    "CBCCVC": ["cán bộ, công chức, viên chức"],
    "CBCC": ["cán bộ, công chức"],
    "VBQPPL": ["văn bản quy phạm pháp luật"],
    "ĐVSNCL": ["đơn vị sự nghiệp công lập"],
    "DVC": ["dịch vụ công"],
    "DVCTT": ["dịch vụ công trực tuyến"],
    "CNTT": ["công nghệ thông tin"],
    "CQĐT": ["chính quyền điện tử"],
    "PAR INDEX": ["Chỉ số cải cách hành chính", "Chỉ số CCHC"],
    "SIPAS": ["Chỉ số hài lòng về sự phục vụ hành chính", "mức độ hài lòng của người dân, tổ chức"],
    "PAPI": ["Chỉ số hiệu quả quản trị và hành chính công"],
    "PCI": ["Chỉ số năng lực cạnh tranh cấp tỉnh"],
    "DDCI": ["Chỉ số đánh giá năng lực cạnh tranh cấp sở, ngành và địa phương"],
    "MTTQ": ["Mặt trận Tổ quốc"],
    "VPUB": ["Văn phòng Ủy ban nhân dân"],
    "KT-XH": ["kinh tế - xã hội"],
    "NSNN": ["ngân sách nhà nước"],
    "LGSP": ["Nền tảng tích hợp, chia sẻ dữ liệu"],
}


@lru_cache(maxsize=1)
def _province_patterns() -> list[tuple[str, re.Pattern[str]]]:
    pats = []
    for name in sorted(PROVINCES, key=len, reverse=True):
        key = re.escape(fold(name)).replace(r"\ \-\ ", r"\s*-?\s*").replace(r"\ ", r"\s+")
        pats.append((name, re.compile(rf"(?<![\w]){key}(?![\w])")))
    return pats


def find_provinces(text: str) -> list[str]:
    """Provinces named in ``text`` (accent-insensitive), in order of first mention."""
    folded = fold(text)
    hits: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for name, pat in _province_patterns():
        for m in pat.finditer(folded):
            if any(a <= m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            hits.append((m.start(), name))
    seen: list[str] = []
    for _, name in sorted(hits):
        if name not in seen:
            seen.append(name)
    return seen


def canonical_province(name: str) -> str | None:
    """Map user input ("lang son", "Lạng Sơn") to the canonical province name."""
    found = find_provinces(name)
    return found[0] if found else None


# Everyday words people type for the documents' terms (folded; both sides end up as the same token).
SYNONYMS: dict[str, list[str]] = {
    "truc tuyen": ["online", "qua mang"],
    "giay chung nhan quyen su dung dat": ["so do"],
    "cong chuc": ["cong chuc nha nuoc"],
    "mot cua": ["one stop"],
}


@lru_cache(maxsize=1)
def _canonical_patterns() -> list[tuple[re.Pattern[str], str]]:
    pairs = []
    for abbr, longs in ABBREVIATIONS.items():
        for long in longs:
            pairs.append((fold(long), fold(abbr)))
    for canonical, variants in SYNONYMS.items():
        pairs += [(variant, canonical) for variant in variants]
    pairs.sort(key=lambda p: -len(p[0]))
    return [(re.compile(r"(?<!\w)" + re.escape(long).replace(r"\ ", r"\s+").replace(",", ",?") + r"(?!\w)"), abbr)
            for long, abbr in pairs]


def canonical_terms(folded_text: str) -> str:
    """Replace long forms by their abbreviation in folded text, so either spelling matches the other."""
    for pattern, abbr in _canonical_patterns():
        folded_text = pattern.sub(abbr, folded_text)
    return folded_text
