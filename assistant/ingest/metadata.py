"""Document metadata: from the corpus catalog when there is an entry, else extracted from the text."""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.lexicon.gazetteer import find_provinces
from assistant.lexicon.patterns import DATE_IN_WORDS
from assistant.lexicon.text import fold, nfc

log = logging.getLogger(__name__)

CATALOG_NAME = "catalog.yaml"


@dataclass(frozen=True)
class DocMeta:
    doc_id: str
    title: str
    so_hieu: str
    doc_type: str
    issuer: str
    province: str
    date_issued: str
    period: str
    source_kind: str
    source_path: str

    @property
    def year(self) -> int:
        m = re.match(r"(\d{4})", self.date_issued)
        if m:
            return int(m.group(1))
        m = re.search(r"(\d{4})", self.period)
        return int(m.group(1)) if m else 0

    def to_dict(self) -> dict[str, str | int]:
        data: dict[str, str | int] = {k: nfc(v) for k, v in asdict(self).items()}
        data["year"] = self.year
        return data


def doc_id_for(path: Path) -> str:
    """Stable id from the file name: lower-case ASCII slug."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(path.stem)).strip("-")
    return slug or "document"


def load_catalog(directory: Path) -> dict[str, dict[str, str]]:
    path = directory / CATALOG_NAME
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        log.warning("ignoring %s: not valid YAML (%s)", path, exc)
        return {}
    return {str(k): {kk: "" if vv is None else str(vv) for kk, vv in (v or {}).items()} for k, v in data.items()}


_SO_HIEU = re.compile(r"Số\s*(?:hiệu)?\s*:?\s*(\d{1,5}(?:/\d{4})?/[A-ZĐ][A-ZĐa-z\-]*(?:-[A-ZĐ]+)*)")
_REF_IN_TEXT = re.compile(r"\b(?:Kế hoạch|Quyết định|Chỉ thị|Nghị định)\s+(?:số\s+)?(\d{1,5}(?:/\d{4})?/[A-ZĐ][A-ZĐa-z\-]+)")
_DATE_NUMERIC = re.compile(r"(?:Ngày ban hành|[Nn]gày)\s+(\d{1,2})/(\d{1,2})/(\d{4})")
_PERIOD = re.compile(r"giai đoạn\s+(\d{4})\s*[-–]\s*(\d{4})", re.IGNORECASE)
_DOC_TYPES = [("KẾ HOẠCH", "Kế hoạch"), ("QUYẾT ĐỊNH", "Quyết định"), ("CHỈ THỊ", "Chỉ thị"),
              ("NGHỊ ĐỊNH", "Nghị định"), ("NGHỊ QUYẾT", "Nghị quyết"), ("ĐỀ ÁN", "Đề án"),
              ("THÔNG TƯ", "Thông tư"), ("CHƯƠNG TRÌNH", "Chương trình")]
_ISSUER = re.compile(r"(ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN|CHÍNH PHỦ|THỦ TƯỚNG CHÍNH PHỦ|BỘ [A-ZĐÀ-Ỹ ]+)")


# the issuing body at the top left of a national document's header (a ministry, the Government, the
# National Assembly's bodies, a central steering committee)
_NATIONAL_ISSUER = re.compile(r"^[\W_]*(?:BỘ\s|CHÍNH PHỦ|THỦ TƯỚNG|VĂN PHÒNG CHÍNH PHỦ|QUỐC HỘI|ỦY BAN THƯỜNG VỤ"
                              r"|UỶ BAN THƯỜNG VỤ|BAN CHỈ ĐẠO)")
_LOCAL = re.compile(r"TỈNH|THÀNH PHỐ")


def _is_national(head: str) -> bool:
    """A document of a national body, whose header names no province (the place of its dated line,
    "Hà Nội, ngày …", is where it was signed, not the province it is about)."""
    upper = head.upper()
    end = upper.find("CỘNG HÒA", 0, 800)
    block = upper[:end] if end >= 0 else upper[:200]
    if _LOCAL.search(block):
        return False
    if _NATIONAL_ISSUER.search(block):
        return True
    return "CHÍNH PHỦ" in upper[:400] and not _LOCAL.search(upper[:400])


def extract_metadata(text: str, path: Path) -> dict[str, str]:
    """Best-effort metadata from a document's own header ("Số:", "ngày … tháng … năm …", "UBND TỈNH …")."""
    head = nfc(text[:6000])
    out: dict[str, str] = {}
    # without a "Số:" line, a number in the running text is the document's own only before it starts
    # addressing or citing ("Kính gửi", "Căn cứ", "Thực hiện …"): after that, numbers are of cited documents
    opening = re.split(r"Kính gửi|Căn cứ|Thực hiện|đã ban hành", head, maxsplit=1)[0]
    m = _SO_HIEU.search(head) or _REF_IN_TEXT.search(opening)
    out["so_hieu"] = m.group(1) if m else ""
    dated = re.sub(r"\*+", "", opening)  # "ngày **24 **tháng 11": markdown inside the dated line
    m = DATE_IN_WORDS.search(dated)  # the dated line is in the header, before anything is cited
    if m:
        out["date_issued"] = f"{int(m.group(3)):04d}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
    else:
        m = _DATE_NUMERIC.search(dated)
        out["date_issued"] = f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}" if m else ""
    if not out["date_issued"] and out["so_hieu"]:
        # no dated line in the header: the appendix names the document with its date ("Kèm theo Nghị
        # định số 170/2025/NĐ-CP ngày 30 tháng 6 năm 2025")
        own = re.search(re.escape(out["so_hieu"]) + r"[\w/-]*\s*,?\s*" + DATE_IN_WORDS.pattern, nfc(text))
        if own:
            day, month, year = (int(g) for g in own.groups())
            out["date_issued"] = f"{year:04d}-{month:02d}-{day:02d}"
    m = _PERIOD.search(head)
    out["period"] = f"{m.group(1)}-{m.group(2)}" if m else ""
    doc_type = ""
    title = ""
    lines = [ln.strip(" *#|") for ln in head.split("\n")]
    for idx, line in enumerate(lines):
        for caps, name in _DOC_TYPES:
            if line.startswith(caps) and line.upper() == line:
                doc_type = name
                rest = [ln for ln in lines[idx + 1: idx + 5] if ln and ln.upper() == ln and len(ln) > 3]
                if not rest:  # decrees: "NGHỊ ĐỊNH" then a sentence-case title line
                    following = next((ln for ln in lines[idx + 1: idx + 6] if ln.strip(" *_")), "")
                    if following and len(following) < 200 and not re.match(r"(Căn cứ|Thực hiện|Số|Theo)", following):
                        rest = [following.strip(" *_")]
                title = " ".join([line[len(caps):].strip(), *rest[:3]]).strip() if rest or line != caps else ""
                break
        if doc_type:
            break
    out["doc_type"] = doc_type
    provinces = find_provinces(re.sub(r"\s+", " ", head[:1500]))
    national = _is_national(head)
    # the issuing province: "UBND TỈNH X" / "X, ngày … tháng …" in the header, wherever the header starts
    m = re.search(r"(?:TỈNH|Tỉnh)\s+([^\n|,;]{3,30}?)\s*(?:\n|\||-{3,}|$)|\n\s*\*?([^\n|,*]{3,30}),\s*ngày\s+\d", head)
    named = find_provinces(m.group(1) or m.group(2)) if m else []
    provinces = named or provinces
    out["province"] = provinces[0] if provinces and not national else ""
    m = _ISSUER.search(head)
    issuer = m.group(1).title() if m else ""
    if out["province"] and issuer.startswith(("Ủy Ban", "Uỷ Ban")):
        issuer = f"Ủy ban nhân dân tỉnh {out['province']}"
    out["issuer"] = issuer
    if title:
        title = re.sub(r"\s+", " ", title)
        title = f"{doc_type} {title.lower()}" if doc_type else title.capitalize()
        for name in find_provinces(title):  # restore the capitals of proper names
            title = re.sub(re.escape(name.lower()), name, title)
        out["title"] = title
    else:
        out["title"] = path.stem.replace("_", " ").replace("-", " ")
    out["source_kind"] = "official text" if out["so_hieu"] else "unknown"
    return out


#: The fields read from a document that its chunks carry (and its embedded text begins with).
READ_FIELDS = ("title", "so_hieu", "doc_type", "issuer", "province", "date_issued", "period")


def resolve_metadata(text: str, path: Path, catalog: dict[str, dict[str, str]]) -> DocMeta:
    extracted = extract_metadata(text, path)
    entry = catalog.get(path.name, {})
    merged = {**extracted, **{k: v for k, v in entry.items() if v}}
    return DocMeta(doc_id=doc_id_for(path), source_path=str(path.resolve()),
                   **{f: nfc(merged.get(f, "")) for f in (*READ_FIELDS, "source_kind")})


def changed_metadata(previous: dict[str, Any], fresh: dict[str, Any]) -> list[str]:
    """The fields of :data:`READ_FIELDS` whose value differs between an indexed entry and a new reading of
    its file (the ingest indexes such a file again); none for a document added through the documents desk,
    whose metadata a person checked (it wins)."""
    if previous.get("added_by"):
        return []
    return [k for k in READ_FIELDS if str(previous.get(k) or "") != str(fresh.get(k) or "")]
