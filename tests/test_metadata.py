"""Document metadata: the catalog for data/, extraction from the document header otherwise."""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pytest

from assistant.ingest.metadata import DocMeta, doc_id_for, extract_metadata, load_catalog, resolve_metadata

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
EXTRA = ROOT.parent / "shared" / "corpus-extra"


def _extra(name: str) -> Path:
    path = EXTRA / name
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    return path


# ---------------------------------------------------------------------------------------------
# The catalog of data/


def test_catalog_covers_every_seed_document():
    catalog = load_catalog(DATA)
    assert set(catalog) == {p.name for p in DATA.glob("*.txt")}
    for name, entry in catalog.items():
        assert entry["title"] and entry["doc_type"] and entry["province"], name
        assert all(isinstance(v, str) for v in entry.values()), name


@pytest.mark.parametrize("name, so_hieu, province, date, period, doc_type, year", [
    ("lang-son-249-kh-ubnd-2021.txt", "249/KH-UBND", "Lạng Sơn", "2021-12-29", "2021-2025", "Kế hoạch", 2021),
    ("quang-ngai-534-qd-ubnd-2022.txt", "534/QĐ-UBND", "Quảng Ngãi", "2022-04-20", "2022-2025", "Quyết định", 2022),
    ("lai-chau-2943-kh-ubnd-2021.txt", "2943/KH-UBND", "Lai Châu", "2021-09-20", "2021-2030", "Kế hoạch", 2021),
    ("binh-thuan-4912-kh-ubnd-2023-tin-tuc.txt", "4912/KH-UBND", "Bình Thuận", "2023-12-15", "2024", "Kế hoạch", 2023),
    ("tuyen-quang-de-an-cchc-2021-2030-tin-tuc.txt", "", "Tuyên Quang", "", "2021-2030", "Đề án", 2021),
])
def test_resolved_metadata_of_seed_documents(name, so_hieu, province, date, period, doc_type, year):
    path = DATA / name
    meta = resolve_metadata(path.read_text(encoding="utf-8"), path, load_catalog(DATA))
    assert isinstance(meta, DocMeta)
    assert (meta.so_hieu, meta.province, meta.date_issued, meta.period, meta.doc_type) == \
           (so_hieu, province, date, period, doc_type)
    assert meta.year == year
    assert meta.doc_id == doc_id_for(path) == path.stem
    assert meta.source_path == str(path.resolve())
    data = meta.to_dict()
    assert data["year"] == year and data["doc_id"] == meta.doc_id
    assert all(unicodedata.is_normalized("NFC", v) for v in data.values() if isinstance(v, str))


def test_catalog_wins_over_extraction_but_empty_entries_do_not():
    """Lạng Sơn's text starts with a related-documents list; the catalog supplies the real metadata."""
    path = DATA / "lang-son-249-kh-ubnd-2021.txt"
    text = path.read_text(encoding="utf-8")
    meta = resolve_metadata(text, path, load_catalog(DATA))
    assert meta.title == "Kế hoạch cải cách hành chính nhà nước tỉnh Lạng Sơn giai đoạn 2021-2025"
    assert meta.issuer == "Ủy ban nhân dân tỉnh Lạng Sơn"
    # an entry with empty values falls back to what the text says
    meta = resolve_metadata(text, path, {path.name: {"so_hieu": "", "province": ""}})
    assert meta.so_hieu == "249/KH-UBND"


@pytest.mark.xfail(strict=True, reason=(
    "metadata.extract_metadata: without a catalog entry Lạng Sơn's plan gets province '' and period "
    "'2019-2020': its header starts at character ~3500, after a 27-item related-documents list, while the "
    "province is looked for in the first 1500 characters only and the period is the first 'giai đoạn' of "
    "the text (from the list); related-document lines should be skipped before reading the header"))
def test_lang_son_metadata_without_catalog():
    path = DATA / "lang-son-249-kh-ubnd-2021.txt"
    meta = extract_metadata(path.read_text(encoding="utf-8"), path)
    assert meta["province"] == "Lạng Sơn"
    assert meta["period"] == "2021-2025"


def test_load_catalog_edge_cases(tmp_path: Path):
    assert load_catalog(tmp_path) == {}
    (tmp_path / "catalog.yaml").write_text("a.txt: [unclosed\n", encoding="utf-8")
    assert load_catalog(tmp_path) == {}  # invalid YAML is ignored with a warning, not a crash
    (tmp_path / "catalog.yaml").write_text("a.txt:\n  so_hieu: 12/KH-UBND\n  date_issued: null\n  year: 2021\n"
                                           "b.txt:\n", encoding="utf-8")
    assert load_catalog(tmp_path) == {"a.txt": {"so_hieu": "12/KH-UBND", "date_issued": "", "year": "2021"},
                                      "b.txt": {}}
    shutil.copy(DATA / "catalog.yaml", tmp_path / "catalog.yaml")
    assert load_catalog(tmp_path) == load_catalog(DATA)


# ---------------------------------------------------------------------------------------------
# Extraction from the 2025 documents (no catalog)


@pytest.mark.parametrize("name, so_hieu, date, province, doc_type", [
    ("bacninh_kh141_2025.txt", "141/KH-UBND", "2025-11-20", "Bắc Ninh", "Kế hoạch"),
    ("daklak_ct012_2025.txt", "012/CT-UBND", "2025-11-26", "Đắk Lắk", "Chỉ thị"),
    ("dongnai_kh179_2025.txt", "179/KH-UBND", "2025-11-18", "Đồng Nai", "Kế hoạch"),
    ("qd2629_ttg_chinhphuso_2025.txt", "2629/QĐ-TTg", "2025-12-01", "", "Quyết định"),
    # no dated line in the header; the appendix says "Kèm theo Nghị định số 170/2025/NĐ-CP ngày 30 tháng 6 năm 2025"
    ("nd170_2025_congchuc.txt", "170/2025/NĐ-CP", "2025-06-30", "", "Nghị định"),
    ("nd25_2025_bonoivu.txt", "25/2025/NĐ-CP", "2025-02-21", "", "Nghị định"),
])
def test_extract_metadata_of_2025_documents(name, so_hieu, date, province, doc_type):
    path = _extra(name)
    meta = extract_metadata(path.read_text(encoding="utf-8"), path)
    assert meta["so_hieu"] == so_hieu
    assert meta["date_issued"] == date
    assert meta["province"] == province
    assert meta["doc_type"] == doc_type
    assert meta["source_kind"] == "official text"
    assert meta["title"]
    resolved = resolve_metadata(path.read_text(encoding="utf-8"), path, {})
    assert resolved.year == 2025 and resolved.so_hieu == so_hieu and resolved.province == province


@pytest.mark.parametrize("name, title, issuer, period", [
    ("bacninh_kh141_2025.txt", "Kế hoạch nâng cao năng lực cho đội ngũ cán bộ, công chức xây dựng chính sách, pháp "
     "luật trên địa bàn tỉnh giai đoạn 2026 - 2030", "Ủy ban nhân dân tỉnh Bắc Ninh", "2026-2030"),
    ("dongnai_kh179_2025.txt", "Kế hoạch phát triển kinh tế số và xã hội số trên địa bàn tỉnh Đồng Nai giai đoạn "
     "2026 - 2030", "Ủy ban nhân dân tỉnh Đồng Nai", "2026-2030"),
])
def test_extract_title_and_issuer(name, title, issuer, period):
    path = _extra(name)
    meta = extract_metadata(path.read_text(encoding="utf-8"), path)
    assert (meta["title"], meta["issuer"], meta["period"]) == (title, issuer, period)


def test_extract_title_of_dak_lak_keeps_province_capitals():
    path = _extra("daklak_ct012_2025.txt")
    title = extract_metadata(path.read_text(encoding="utf-8"), path)["title"]
    assert title.startswith("Chỉ thị về việc tăng cường cải cách thủ tục hành chính")
    assert title.endswith("trên địa bàn tỉnh Đắk Lắk")


@pytest.mark.xfail(strict=True, reason=(
    "metadata._ISSUER needs 'ỦY BAN NHÂN DÂN' on one line; Đắk Lắk's header wraps it ('**ỦY BAN NHÂN' / "
    "'DÂN **'), so the issuer is '' although the province is found"))
def test_extract_issuer_of_wrapped_header():
    path = _extra("daklak_ct012_2025.txt")
    assert extract_metadata(path.read_text(encoding="utf-8"), path)["issuer"] == "Ủy ban nhân dân tỉnh Đắk Lắk"


def test_extract_metadata_synthetic_headers(tmp_path: Path):
    header = ("ỦY BAN NHÂN DÂN\nTỈNH HÀ GIANG\n-------\nSố: 0123/KH-UBND\nHà Giang, ngày 5 tháng 3 năm 2024\n\n"
              "KẾ HOẠCH\nCẢI CÁCH HÀNH CHÍNH NĂM 2024\n\nNội dung.")
    meta = extract_metadata(header, tmp_path / "x.txt")
    assert meta["so_hieu"] == "0123/KH-UBND"
    assert meta["date_issued"] == "2024-03-05"
    assert meta["province"] == "Hà Giang"
    assert meta["doc_type"] == "Kế hoạch"
    assert meta["issuer"] == "Ủy ban nhân dân tỉnh Hà Giang"
    # numeric dates as in catalogue pages ("Ngày ban hành 20/09/2021")
    meta = extract_metadata("Số hiệu 2943/KH-UBND\nNgày ban hành 20/09/2021\nTỈNH LAI CHÂU", tmp_path / "y.txt")
    assert meta["so_hieu"] == "2943/KH-UBND" and meta["date_issued"] == "2021-09-20"
    # a file that says nothing about itself
    meta = extract_metadata("Một đoạn văn bất kỳ về cải cách hành chính.", tmp_path / "ghi_chu-rieng.txt")
    assert meta["so_hieu"] == "" and meta["date_issued"] == "" and meta["province"] == ""
    assert meta["title"] == "ghi chu rieng" and meta["source_kind"] == "unknown"
    # the year is not mistaken for a document number and years do not become so_hieu
    assert extract_metadata("Năm 2024 tỉnh thực hiện.", tmp_path / "z.txt")["so_hieu"] == ""


def test_docmeta_year_falls_back_to_period():
    base = dict(doc_id="d", title="t", so_hieu="", doc_type="", issuer="", province="", source_kind="",
                source_path="")
    assert DocMeta(date_issued="2023-12-15", period="2024", **base).year == 2023
    assert DocMeta(date_issued="", period="2021-2030", **base).year == 2021
    assert DocMeta(date_issued="", period="", **base).year == 0


@pytest.mark.parametrize("name, slug", [
    ("lang-son-249-kh-ubnd-2021.txt", "lang-son-249-kh-ubnd-2021"),
    ("bacninh_kh141_2025.txt", "bacninh-kh141-2025"),
    ("Kế hoạch Đắk Lắk số 12.docx", "ke-hoach-dak-lak-so-12"),
    ("QĐ 534 (bản sao).pdf", "qd-534-ban-sao"),
    ("  --Ủy ban__.txt", "uy-ban"),
    ("đường dẫn/ĐỒNG NAI 179.md", "dong-nai-179"),
    ("!!!.txt", "document"),
])
def test_doc_id_for_slugs(name: str, slug: str):
    assert doc_id_for(Path(name)) == slug


def test_doc_id_for_is_normalisation_proof():
    nfc = "Kế hoạch Lạng Sơn.txt"
    assert doc_id_for(Path(unicodedata.normalize("NFD", nfc))) == doc_id_for(Path(nfc)) == "ke-hoach-lang-son"


def test_a_ministrys_letter_is_national_and_a_citys_plan_is_not():
    from assistant.ingest.metadata import extract_metadata

    ministry = ("BỘ NỘI VỤ\n|\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố:10988/BNV-CQĐP\n"
                "Hà Nội, ngày 21 tháng 11 năm 2025\nKính gửi: Các bộ, ngành")
    got = extract_metadata(ministry, Path("cv.txt"))
    assert (got["province"], got["so_hieu"], got["date_issued"]) == ("", "10988/BNV-CQĐP", "2025-11-21")
    city = ("ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HỒ CHÍ MINH\n|\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 2820/QĐ-UBND\n"
            "Thành phố Hồ Chí Minh, ngày 19 tháng 11 năm 2025\nQUYẾT ĐỊNH\nBan hành Kế hoạch triển khai Quyết định "
            "số 06/QĐ-TTg ngày 02/01/2025 của Thủ tướng Chính phủ")
    assert extract_metadata(city, Path("qd.txt"))["province"] == "Hồ Chí Minh"


def test_a_letter_without_a_header_takes_no_cited_number_or_date():
    from assistant.ingest.metadata import extract_metadata

    letter = ("Kính gửi: Các cơ quan tham mưu thuộc Bộ\nThủ tướng Chính phủ đã ban hành Chỉ thị số 33/CT-TTg ngày "
              "06/11/2025 về đẩy mạnh việc thực hiện các nhiệm vụ.")
    got = extract_metadata(letter, Path("cv6225.txt"))
    assert got["so_hieu"] == "" and got["date_issued"] == ""
    news = "UBND tỉnh ban hành Kế hoạch số 4912/KH-UBND ngày 15/12/2023 về cải cách hành chính năm 2024."
    assert extract_metadata(news, Path("tin.txt"))["so_hieu"] == "4912/KH-UBND"
