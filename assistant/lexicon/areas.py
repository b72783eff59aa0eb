"""Reform areas and indicator families: the vocabulary the commitments explorer groups by.

Nghị quyết 76/NQ-CP organises administrative reform into six areas (thể chế, thủ tục hành chính, tổ
chức bộ máy, chế độ công vụ, tài chính công, chính quyền điện tử/số) and every provincial plan
follows it, usually plus a "chỉ đạo, điều hành" block. Plans also share a national set of
indicators (PAR INDEX, SIPAS, PAPI, PCI, share of online procedures, …): recognising them is what
makes "compare one indicator across provinces" possible.

Matching is done on folded text (no diacritics, lower case) so that "chinh quyen so" and
"chính quyền số" are the same cue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.lexicon.text import fold

AREAS: dict[str, str] = {
    "the_che": "Cải cách thể chế",
    "thu_tuc_hanh_chinh": "Cải cách thủ tục hành chính",
    "to_chuc_bo_may": "Cải cách tổ chức bộ máy",
    "cong_vu": "Cải cách chế độ công vụ",
    "tai_chinh_cong": "Cải cách tài chính công",
    "chinh_quyen_so": "Chính quyền điện tử, chính quyền số",
    "chi_dao_dieu_hanh": "Chỉ đạo, điều hành",
    "chung": "Chung (chỉ số tổng hợp)",
}

# Strong cues: the way headings name an area. Checked on section headings, innermost first.
_HEADING_CUES: list[tuple[str, str]] = [
    ("the_che", r"the che"),
    ("thu_tuc_hanh_chinh", r"thu tuc hanh chinh|\btthc\b"),
    ("to_chuc_bo_may", r"to chuc bo may|bo may hanh chinh"),
    ("cong_vu", r"che do cong vu|\bcong vu\b|doi ngu can bo"),
    ("tai_chinh_cong", r"tai chinh cong"),
    ("chinh_quyen_so", r"chinh quyen dien tu|chinh quyen so|chuyen doi so"),
    ("chi_dao_dieu_hanh", r"chi dao,? dieu hanh|cong tac chi dao"),
]

# Named composite indices: a target on one of them belongs to no single area.
_COMPOSITE = (r"par index|chi so cchc|chi so cai cach hanh chinh|\bsipas\b|\bpapi\b|\bpci\b|\bddci\b|chi so hai long"
              r"|hai long[^.;]{0,80}(?:su phuc vu|dich vu y te|giao duc cong lap)")

# Weaker cues for sentences whose headings name no area; the area with most hits wins.
_TEXT_CUES: dict[str, str] = {
    "the_che": r"van ban quy pham phap luat|\bvbqppl\b|phap che|the che|xay dung, ban hanh van ban",
    "thu_tuc_hanh_chinh": r"thu tuc hanh chinh|\btthc\b|mot cua|chi phi tuan thu|thanh phan ho so|giay phep",
    "to_chuc_bo_may": r"bo may|bien che|sap xep|dau moi|phan cap|don vi hanh chinh|kien toan",
    "cong_vu": r"cong chuc|vien chuc|tuyen dung|vi tri viec lam|dao tao, boi duong|ky luat, ky cuong|cong vu",
    "tai_chinh_cong": r"ngan sach|tai chinh|tu chu|tu dam bao chi|chi thuong xuyen|tai san cong|dau tu cong",
    "chinh_quyen_so": r"truc tuyen|so hoa|dien tu|chuyen doi so|cong nghe thong tin|\bcntt\b|co so du lieu|"
                      r"nen tang|dinh danh|chu ky so|du lieu so|thiet bi di dong|chinh quyen so",
    "chi_dao_dieu_hanh": r"chi dao|dieu hanh|tuyen truyen|kiem tra cong tac|thi dua|khen thuong",
}

# Indicator families shared by plans across provinces; first match wins, so specific before generic.
INDICATORS: list[tuple[str, str, str]] = [
    ("par_index", "Chỉ số CCHC (PAR INDEX)", r"par index|chi so cchc|chi so cai cach hanh chinh"),
    ("sipas", "Chỉ số hài lòng (SIPAS)", r"\bsipas\b|chi so hai long"),
    ("papi", "Chỉ số PAPI", r"\bpapi\b|hieu qua quan tri va hanh chinh cong"),
    ("pci", "Chỉ số PCI", r"\bpci\b|nang luc canh tranh cap tinh"),
    ("ddci", "Chỉ số DDCI", r"\bddci\b"),
    ("hai_long", "Mức độ hài lòng", r"hai long"),
    ("dvc_toan_trinh", "Dịch vụ công trực tuyến toàn trình / mức độ 4",
     r"(?:dich vu cong|dvc|thu tuc hanh chinh|tthc).{0,60}(?:toan trinh|muc do 4)|dvctt"),
    ("ho_so_truc_tuyen", "Hồ sơ giải quyết trực tuyến", r"ho so.{0,60}truc tuyen|truc tuyen.{0,40}ho so"),
    ("so_hoa", "Số hóa hồ sơ, kết quả", r"so hoa"),
    ("cat_giam_tthc", "Cắt giảm, đơn giản hóa quy định, TTHC",
     r"(?:cat giam|don gian hoa).{0,60}(?:quy dinh|chi phi tuan thu|thu tuc|tthc)"),
    ("vbqppl", "Văn bản quy phạm pháp luật", r"van ban quy pham phap luat|\bvbqppl\b"),
    ("bien_che", "Tinh giản biên chế", r"bien che"),
    ("tu_chu", "Đơn vị sự nghiệp tự chủ tài chính", r"tu chu|tu dam bao chi"),
    ("dinh_danh", "Định danh, xác thực điện tử", r"dinh danh|xac thuc dien tu"),
    ("bao_cao", "Chế độ báo cáo điện tử", r"che do bao cao"),
    ("cong_chuc", "Cán bộ, công chức, viên chức", r"can bo|cong chuc|vien chuc"),
]
INDICATOR_LABELS: dict[str, str] = {key: label for key, label, _ in INDICATORS}
_INDICATOR_PATTERNS = [(key, re.compile(pattern)) for key, _, pattern in INDICATORS]


def area_of(text: str, headings: Iterable[str] = ()) -> str:
    """The reform area of a sentence, from its headings (innermost first) or else its own words.

    Composite indices (PAR INDEX, SIPAS, …) are "chung" wherever they are mentioned: they measure
    the whole reform, not the area whose section happens to list them.
    """
    folded = fold(text)
    if re.search(_COMPOSITE, folded):
        return "chung"
    for heading in headings:
        named = areas_named(heading)
        if named:
            return named[0]
    scores = {area: len(re.findall(cue, folded)) for area, cue in _TEXT_CUES.items()}
    best = max(scores, key=lambda a: scores[a])
    return best if scores[best] else "chung"


def areas_named(text: str) -> list[str]:
    """The reform areas that ``text`` names the way a heading does ("Về cải cách thủ tục hành chính")."""
    folded = fold(text)
    return [area for area, cue in _HEADING_CUES if re.search(cue, folded)]


def indicator_key(indicator: str) -> str | None:
    """The indicator family of a target's indicator phrase, or None if it is specific to one plan."""
    folded = fold(indicator)
    for key, pattern in _INDICATOR_PATTERNS:
        if pattern.search(folded):
            return key
    return None


def area_from_user(value: str) -> str | None:
    """Accept an area code, its label or a few words of it ("tài chính", "tai-chinh-cong")."""
    wanted = fold(value).replace("-", " ").replace("_", " ").strip()
    if not wanted:
        return None
    for code, label in AREAS.items():
        if wanted in {code.replace("_", " "), fold(label)}:
            return code
    hits = [code for code, label in AREAS.items() if wanted in fold(label) or wanted in code.replace("_", " ")]
    return hits[0] if len(hits) == 1 else None


def mentions_indicator(key: str, text: str) -> bool:
    """Whether ``text`` names the indicator family at all (a plan can mention an index without a target)."""
    pattern = dict(_INDICATOR_PATTERNS).get(key)
    return bool(pattern and pattern.search(fold(text)))
