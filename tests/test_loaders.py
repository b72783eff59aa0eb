"""Reading files into text: every supported format, and a clear LoadError (naming the file) otherwise."""

from __future__ import annotations

import random
import unicodedata
import zipfile
from pathlib import Path

import pytest

from assistant.ingest import loaders
from assistant.ingest.loaders import MAX_BYTES, SUPPORTED, LoadError, load_text

ROOT = Path(__file__).resolve().parents[1]
VIETNAMESE = (ROOT / "data" / "lai-chau-2943-kh-ubnd-2021.txt").read_text(encoding="utf-8")
SENTENCE = "Kế hoạch cải cách hành chính tỉnh Lạng Sơn giai đoạn 2021-2025: Sở Nội vụ chủ trì thực hiện."

_TONES = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 the way Vietnamese Windows software does: base letters (â, ê, ô, ơ, ư, ă, đ
    and some toned vowels) precomposed, other tone marks as combining characters."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in decomposed if c in _TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
        out += (base + tones).encode("cp1258")
    return bytes(out)


def expect_error(path: Path, *fragments: str) -> str:
    with pytest.raises(LoadError) as info:
        load_text(path)
    message = str(info.value)
    assert message.startswith(path.name + ":"), message
    for fragment in fragments:
        assert fragment in message, message
    return message


# ---------------------------------------------------------------------------------------------
# Plain text


def test_utf8_text_round_trip(tmp_path: Path):
    path = tmp_path / "ke-hoach.txt"
    path.write_text(VIETNAMESE, encoding="utf-8")
    text, data = load_text(path)
    assert text == VIETNAMESE and data == path.read_bytes()


def test_utf8_bom_is_dropped(tmp_path: Path):
    path = tmp_path / "bom.md"
    path.write_bytes(b"\xef\xbb\xbf" + SENTENCE.encode("utf-8"))
    assert load_text(path)[0] == SENTENCE


def test_empty_file(tmp_path: Path):
    path = tmp_path / "rong.txt"
    path.write_bytes(b"")
    expect_error(path, "empty")


def test_whitespace_only_file(tmp_path: Path):
    path = tmp_path / "trang.txt"
    path.write_text(" \n\t\n---\n|\n", encoding="utf-8")
    expect_error(path, "no readable text")


def test_binary_file_with_nul_bytes(tmp_path: Path):
    path = tmp_path / "anh.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    expect_error(path, "binary")


def test_random_non_utf8_bytes_are_rejected(tmp_path: Path):
    rnd = random.Random(1258)
    path = tmp_path / "rac.txt"
    path.write_bytes(bytes(rnd.randrange(1, 256) for _ in range(5000)))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    expect_error(path, "not UTF-8", "convert it to UTF-8")


def test_latin1_text_that_is_not_vietnamese_is_rejected(tmp_path: Path):
    """cp1258 decodes almost any byte string; non-Vietnamese text must not slip through as Vietnamese."""
    path = tmp_path / "deutsch.txt"
    path.write_bytes(("Größe der Übung, Ärger über Straßen und schöne Grüße. " * 40).encode("latin-1"))
    expect_error(path, "not UTF-8")


def test_real_vietnamese_in_cp1258_is_decoded(tmp_path: Path):
    path = tmp_path / "windows-1258.txt"
    raw = to_cp1258(VIETNAMESE)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    path.write_bytes(raw)
    text, data = load_text(path)
    assert data == raw
    assert unicodedata.normalize("NFC", text) == VIETNAMESE


def test_huge_file_is_refused_without_reading_it(tmp_path: Path):
    path = tmp_path / "khong-lo.txt"
    with path.open("wb") as fh:
        fh.truncate(MAX_BYTES + 1)  # sparse: no disk space used
    expect_error(path, "MB", "limit", "split")


def test_file_at_the_limit_is_read(tmp_path: Path):
    path = tmp_path / "vua-du.txt"
    body = (SENTENCE + "\n").encode("utf-8")
    path.write_bytes(body * (MAX_BYTES // len(body)))
    assert path.stat().st_size <= MAX_BYTES
    assert load_text(path)[0].startswith(SENTENCE)


def test_missing_file(tmp_path: Path):
    expect_error(tmp_path / "khong-co.txt", "cannot read")


@pytest.mark.parametrize("name, shown", [("bang-tinh.xlsx", ".xlsx"), ("chuong-trinh.exe", ".exe"),
                                         ("README", "(none)"), ("anh.PNG", ".png")])
def test_unsupported_extension(tmp_path: Path, name: str, shown: str):
    path = tmp_path / name
    path.write_text(SENTENCE, encoding="utf-8")
    message = expect_error(path, "unsupported file type", shown)
    for ext in SUPPORTED:
        assert ext in message


def test_extension_is_case_insensitive(tmp_path: Path):
    path = tmp_path / "KE-HOACH.TXT"
    path.write_text(SENTENCE, encoding="utf-8")
    assert load_text(path)[0] == SENTENCE


# ---------------------------------------------------------------------------------------------
# HTML


def test_html_keeps_text_and_drops_script_and_style(tmp_path: Path):
    path = tmp_path / "trang.html"
    path.write_text(
        "<html><head><style>body { color: red }</style><script>var bi_mat = 'không được lấy';</script></head>"
        "<body><h1>Kế hoạch cải cách hành chính</h1><p>Sở Nội vụ chủ trì &amp; phối hợp.</p>"
        "<table><tr><td>1.1</td><td>Rà soát văn bản</td></tr></table>"
        "<SCRIPT type='text/javascript'>alert('xin chào')</SCRIPT><p>Hết.</p></body></html>",
        encoding="utf-8",
    )
    text, _ = load_text(path)
    assert "Kế hoạch cải cách hành chính" in text
    assert "Sở Nội vụ chủ trì & phối hợp." in text  # entities unescaped
    assert "1.1 | Rà soát văn bản" in text  # cells side by side
    assert "Hết." in text
    for hidden in ("color: red", "bi_mat", "không được lấy", "alert", "xin chào"):
        assert hidden not in text
    lines = [ln for ln in text.split("\n") if ln.strip()]
    assert lines.index("Kế hoạch cải cách hành chính") < lines.index("Sở Nội vụ chủ trì & phối hợp.")


def test_htm_in_cp1258_is_decoded(tmp_path: Path):
    path = tmp_path / "cu.htm"
    path.write_bytes(to_cp1258("<p>" + VIETNAMESE + "</p>"))
    assert "Kế hoạch cải cách hành chính tỉnh Lai Châu" in unicodedata.normalize("NFC", load_text(path)[0])


def test_html_with_only_markup_has_no_text(tmp_path: Path):
    path = tmp_path / "rong.html"
    path.write_text("<html><script>var a = 'rất nhiều chữ ở đây nhưng là mã';</script><p> </p></html>", "utf-8")
    expect_error(path, "no readable text")


# ---------------------------------------------------------------------------------------------
# .docx


def write_docx(path: Path, paragraphs_xml: str, *, with_document: bool = True) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        if with_document:
            zf.writestr(
                "word/document.xml",
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
                + paragraphs_xml + "</w:body></w:document>",
            )


def test_docx_paragraphs_and_runs(tmp_path: Path):
    path = tmp_path / "ke-hoach.docx"
    write_docx(path,
               '<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t>KẾ HOẠCH</w:t></w:r></w:p>'
               '<w:p w:rsidR="00A1"><w:r><w:t xml:space="preserve">Sở Tài chính </w:t></w:r>'
               "<w:r><w:t>chủ trì &amp; phối hợp với Sở Nội vụ.</w:t></w:r></w:p>"
               "<w:p/>"
               "<w:p><w:r><w:t>1. Mục đích</w:t></w:r></w:p>")
    text, data = load_text(path)
    assert data == path.read_bytes()
    lines = [ln for ln in text.split("\n") if ln]
    assert lines == ["KẾ HOẠCH", "Sở Tài chính chủ trì & phối hợp với Sở Nội vụ.", "1. Mục đích"]


def test_docx_tabs_and_breaks_separate_words(tmp_path: Path):
    path = tmp_path / "header.docx"
    write_docx(path,
               "<w:p><w:r><w:t>Số: 249/KH-UBND</w:t></w:r><w:r><w:tab/><w:t>Lạng Sơn, ngày 29 tháng 12 năm 2021"
               "</w:t></w:r></w:p><w:p><w:r><w:t>ỦY BAN NHÂN DÂN</w:t><w:br/><w:t>TỈNH LẠNG SƠN</w:t></w:r></w:p>")
    text, _ = load_text(path)
    assert "249/KH-UBND Lạng Sơn" in " ".join(text.split())
    assert "DÂN TỈNH" in " ".join(text.split())


def test_truncated_docx(tmp_path: Path):
    good = tmp_path / "tot.docx"
    write_docx(good, "<w:p><w:r><w:t>" + SENTENCE + "</w:t></w:r></w:p>" * 50)
    broken = tmp_path / "bi-cat.docx"
    broken.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    expect_error(broken, "not a readable .docx")


def test_garbage_docx(tmp_path: Path):
    path = tmp_path / "rac.docx"
    path.write_bytes(b"PK\x03\x04" + bytes(random.Random(7).randrange(1, 256) for _ in range(3000)))
    expect_error(path, "not a readable .docx")


def test_docx_without_document_xml(tmp_path: Path):
    path = tmp_path / "thieu.docx"
    write_docx(path, "", with_document=False)
    expect_error(path, "not a readable .docx")


# ---------------------------------------------------------------------------------------------
# .pdf


def make_pdf(lines: list[str]) -> bytes:
    """A minimal valid one-page PDF with Helvetica text (ASCII only)."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_pdf_text_is_extracted(tmp_path: Path):
    path = tmp_path / "ke-hoach.pdf"
    path.write_bytes(make_pdf(["Ke hoach cai cach hanh chinh tinh Lang Son", "So Noi vu chu tri thuc hien nam 2025"]))
    text, data = load_text(path)
    assert "Ke hoach cai cach hanh chinh tinh Lang Son" in text
    assert "So Noi vu chu tri thuc hien nam 2025" in text
    assert data == path.read_bytes()


@pytest.mark.parametrize("content", [
    pytest.param(b"%PDF-1.4\n1 0 obj << /Type /Catalog", id="truncated-header"),
    pytest.param(b"this is not a PDF at all " * 20, id="garbage"),
    pytest.param(None, id="truncated-valid-pdf"),
])
def test_broken_pdf(tmp_path: Path, content: bytes | None):
    path = tmp_path / "hong.pdf"
    if content is None:
        content = make_pdf(["Ke hoach cai cach hanh chinh tinh Lang Son"])[:150]
    path.write_bytes(content)
    message = expect_error(path)
    assert "not a readable PDF" in message or "no readable text" in message


def test_pdf_without_text(tmp_path: Path):
    path = tmp_path / "anh-quet.pdf"
    path.write_bytes(make_pdf([]))
    expect_error(path, "no readable text")


# ---------------------------------------------------------------------------------------------
# VNI (legacy font encoding): refused with a message that says how to convert

# "Kế hoạch cải cách hành chính nhà nước tỉnh Lạng Sơn giai đoạn 2021 - 2025. Sở Tài chính chủ trì cải
# cách tài chính công." as VNI Windows writes it (marks as a second Latin-1 letter after the vowel)
VNI_TEXT = ("Keá hoaïch caûi caùch haønh chính nhaø nöôùc tænh Laïng Sôn giai ñoaïn 2021 - 2025.\n"
            "Sôû Taøi chính chuû trì caûi caùch taøi chính coâng.\n") * 5


@pytest.mark.parametrize("encoding", ["latin-1", "utf-8"])
def test_vni_text_is_refused_with_a_conversion_hint(tmp_path: Path, encoding: str):
    """Raw VNI bytes, and VNI text already re-saved as UTF-8 (what copy-paste from a VNI font gives)."""
    path = tmp_path / "vni.txt"
    path.write_bytes(VNI_TEXT.encode(encoding))
    expect_error(path, "VNI", "Unicode", "UniKey")


def test_vni_inside_a_docx_is_refused(tmp_path: Path):
    path = tmp_path / "vni.docx"
    write_docx(path, "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in VNI_TEXT.splitlines()))
    expect_error(path, "VNI")


def test_unicode_vietnamese_and_other_languages_are_not_taken_for_vni(tmp_path: Path):
    from assistant.ingest.loaders import looks_like_vni

    assert not looks_like_vni(VIETNAMESE)
    assert not looks_like_vni(unicodedata.normalize("NFD", VIETNAMESE))  # decomposed marks are Unicode too
    assert not looks_like_vni("Größe der Übung, Ärger über Straßen und schöne Grüße. " * 40)
    assert not looks_like_vni("Le maïs naïf de Noël, un garçon à l'école. " * 3 + "La vie en ville. " * 40)
    path = tmp_path / "ok.txt"
    path.write_text(VIETNAMESE, encoding="utf-8")
    assert load_text(path)[0] == VIETNAMESE


# ---------------------------------------------------------------------------------------------
# .docx written by python-docx (a complete package, as Word and LibreOffice write it)


def test_docx_with_a_table_made_by_python_docx(tmp_path: Path):
    import docx

    from assistant.ingest.parsing import parse_document

    document = docx.Document()
    document.add_heading("KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH", 1)
    document.add_paragraph(SENTENCE)
    table = document.add_table(rows=4, cols=3)
    rows = [["STT", "Nhiệm vụ", "Cơ quan chủ trì"], ["1", "Rà soát thủ tục hành chính", "Sở Tư pháp"],
            ["2", "Số hóa hồ sơ", "Sở Khoa học và Công nghệ"], ["3", "Cải cách tài chính công", ""]]
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    table.cell(2, 2).merge(table.cell(3, 2))  # one agency for two tasks (a vertically merged cell)
    table.cell(1, 1).add_paragraph("- đơn giản hóa thủ tục")  # a cell with two paragraphs
    document.add_paragraph("Sau bảng: Sở Tài chính phối hợp.")
    path = tmp_path / "bang.docx"
    document.save(str(path))

    text, data = load_text(path)
    assert data == path.read_bytes()
    lines = [ln for ln in text.split("\n") if ln]
    assert lines == [
        "KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH",
        SENTENCE,
        "| STT | Nhiệm vụ | Cơ quan chủ trì |",
        "| 1 | Rà soát thủ tục hành chính - đơn giản hóa thủ tục | Sở Tư pháp |",
        "| 2 | Số hóa hồ sơ | Sở Khoa học và Công nghệ |",  # the merged cell once, in its first row
        "| 3 | Cải cách tài chính công |",
        "Sau bảng: Sở Tài chính phối hợp.",
    ]
    # rows stay rows: blank lines around them keep the parser from joining them as wrapped lines
    parsed = [line.text for line in parse_document(text).lines]
    assert "1 | Rà soát thủ tục hành chính - đơn giản hóa thủ tục | Sở Tư pháp" in parsed
    assert "3 | Cải cách tài chính công" in parsed


def test_html_line_break_keeps_the_paragraph(tmp_path: Path):
    """<br> ends a line, not the paragraph, so a sentence wrapped with it is rejoined by the parser."""
    from assistant.ingest.parsing import parse_document

    path = tmp_path / "br.html"
    path.write_text("<p>Sở Nội vụ chủ trì, phối hợp với các sở<br>triển khai kế hoạch cải cách hành chính.</p>"
                    "<p>Hết.</p>", encoding="utf-8")
    text, _ = load_text(path)
    assert "các sở\ntriển khai" in text
    lines = [line.text for line in parse_document(text).lines]
    assert lines == ["Sở Nội vụ chủ trì, phối hợp với các sở triển khai kế hoạch cải cách hành chính.", "Hết."]


def test_docx_tags_are_python_docx_names_and_parsers_load_on_demand():
    """The chat app imports this module (for its refusals) but reads no file: BeautifulSoup, python-docx and
    lxml are imported by the first HTML or DOCX read, not at start; the tags are python-docx's own."""
    import subprocess
    import sys

    from docx.oxml.ns import qn

    assert (qn("w:body"), qn("w:p"), qn("w:tbl")) == (loaders._W_BODY, loaders._W_P, loaders._W_TBL)
    assert {qn("w:del"), qn("w:moveFrom"), qn("w:sectPr")} == loaders._W_SKIPPED
    code = ("import sys; import assistant.ingest.loaders, assistant.index.documents; "
            "print(sorted(m for m in ('bs4', 'docx', 'lxml') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1], capture_output=True,
                         text=True, timeout=300, check=True)
    assert out.stdout.strip() == "[]"
