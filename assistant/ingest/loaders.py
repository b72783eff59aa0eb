"""Read a document file into text (.txt, .md, .html, .docx, .pdf), or say clearly why not.

Libraries read the formats: BeautifulSoup the HTML, python-docx's WordprocessingML elements the DOCX,
pypdf the PDF (with OCR for scanned pages, :mod:`assistant.ingest.pdf`). What is ours is what the rest of
ingest relies on: a refusal with a reason (and a ``code`` a caller can word for its users) for every file
that cannot be indexed (empty, binary, over the size limit, a DOCX that would unpack to far more than the
limit, broken or truncated DOCX/PDF, an encrypted PDF, a scan without OCR, not UTF-8, legacy VNI
Vietnamese), Windows-1258 accepted only when it reads as Vietnamese, and the line layout the parser
expects: one line per paragraph, and table cells side by side, separated by " | ".
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # BeautifulSoup and python-docx are imported when a file needs them, not by the chat app
    from docx.oxml.table import CT_Tbl, CT_Tc
    from docx.oxml.text.paragraph import CT_P
    from docx.oxml.xmlchemy import BaseOxmlElement

SUPPORTED = {".txt", ".md", ".html", ".htm", ".docx", ".pdf"}
MAX_BYTES = 20 * 1024 * 1024
#: A DOCX whose parts unpack to more than this many times the size limit is refused unread (a zip bomb).
UNPACK_FACTOR = 10
#: Called as ``on_page(done, total)`` while the scanned pages of a PDF are OCR'd.
PageProgress = Callable[[int, int], None]


class LoadError(ValueError):
    """A file that cannot be ingested; the message names the reason and what to do, ``code`` the kind of
    problem (type, empty, size, binary, vni, encoding, broken, zip_bomb, encrypted, no_ocr, ocr_failed,
    no_text, unreadable)."""

    def __init__(self, message: str, *, code: str = "unreadable") -> None:
        super().__init__(message)
        self.code = code


# VNI, a legacy Vietnamese font encoding, writes most marks as a second Latin-1 letter after the vowel
# ("Vieät Nam", "haønh chính", "ñöôïc"). These pairs (and "ñ" starting a word before a vowel) do not
# occur in Unicode Vietnamese and are rare in other Latin-script languages.
_VNI_MARKS = re.compile(r"[aeiouyAEIOUYôöÔÖ][øåäëüöïûæØÅÄËÜÖÏÛÆ]|(?<!\w)[ñÑ](?=[aeiouôöAEIOUÔÖ])")
_VNI_MESSAGE = ("the text is Vietnamese in the legacy VNI encoding (it reads like 'Vieät Nam' instead of "
                "'Việt Nam'); convert it to Unicode (e.g. UniKey's converter: source VNI Windows, destination "
                "Unicode) and ingest again")


def looks_like_vni(text: str) -> bool:
    """True when ``text`` reads as VNI-encoded Vietnamese (many VNI mark pairs per word)."""
    marks = len(_VNI_MARKS.findall(text))
    return marks >= 10 and marks >= 0.03 * len(re.findall(r"\w+", text))


def _decode(data: bytes, path: Path) -> str:
    if b"\x00" in data[:8192]:
        raise LoadError(f"{path.name}: looks like a binary file, not text", code="binary")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if looks_like_vni(data.decode("latin-1")):
        raise LoadError(f"{path.name}: {_VNI_MESSAGE}", code="vni")
    try:
        text = data.decode("cp1258")
    except UnicodeDecodeError as exc:
        raise LoadError(f"{path.name}: not UTF-8 text; convert it to UTF-8 and ingest again",
                        code="encoding") from exc
    # Windows-1258 decodes almost anything: accept it only if it reads as Vietnamese.
    vietnamese = len(re.findall(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]",
                                text.lower()))
    if vietnamese < max(20, len(text) // 200):
        raise LoadError(f"{path.name}: not UTF-8 text; convert it to UTF-8 and ingest again", code="encoding")
    return text


# -- HTML -------------------------------------------------------------------------------------------

#: Elements that start and end a line (so two blocks in a row leave a blank line between them, which the
#: parser reads as a paragraph break); table cells are set side by side with " | ".
_HTML_BLOCKS = ["p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article"]


def _html_text(markup: str) -> str:
    """Visible text of an HTML page: blocks on their own lines, table cells as ``" | a | b"``.

    BeautifulSoup (``html.parser``) builds the tree; script and style contents, comments, doctypes,
    CDATA and processing instructions are left out. ``<br>`` ends a line but not the paragraph (one
    new line), so the parser can rejoin a sentence wrapped with it. The parser downstream reads the
    ``|`` rows as table rows.
    """
    from bs4 import BeautifulSoup, NavigableString
    from bs4.element import PreformattedString

    soup = BeautifulSoup(markup, "html.parser")
    for hidden in soup.find_all(["script", "style"]):
        hidden.decompose()
    for block in soup.find_all(_HTML_BLOCKS):
        block.insert(0, NavigableString("\n"))
        block.append(NavigableString("\n"))
    for line_break in soup.find_all("br"):
        line_break.insert(0, NavigableString("\n"))
    for cell in soup.find_all(["td", "th"]):
        cell.insert(0, NavigableString(" | "))
    return "".join(str(node) for node in soup.descendants
                   if isinstance(node, NavigableString) and not isinstance(node, PreformattedString))


# -- DOCX -------------------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"  # python-docx's qn("w:…") prefix
_W_BODY, _W_P, _W_TBL = f"{_W}body", f"{_W}p", f"{_W}tbl"
_W_SKIPPED = {f"{_W}del", f"{_W}moveFrom", f"{_W}sectPr"}  # deleted text, page layout
#: every run of a paragraph (also inside hyperlinks, tracked insertions, fields, smart tags and inline
#: content controls), but not the paragraphs of text boxes anchored in it nor deleted text
_RUNS = ".//w:r[not(ancestor::w:txbxContent) and not(ancestor::w:del) and not(ancestor::w:moveFrom)]"


def _docx_text(path: Path, max_bytes: int = MAX_BYTES) -> str:
    """Text of a .docx: paragraphs and tables in document order, a table row as one ``| a | b |`` line.

    The main part (``word/document.xml``) is read from the zip and parsed with python-docx's element
    classes, which decode runs (text, tabs, line breaks, non-breaking hyphens) and the table grid
    (spanned and vertically merged cells). The body is walked here rather than with
    ``Document.iter_inner_content()``, which skips the paragraphs inside content controls (``w:sdt``)
    and custom XML; and the package is not opened with ``docx.Document()``, which needs its
    relationship parts, so that minimal packages written by other tools still read, as before.
    """
    from docx.oxml import parse_xml
    from lxml import etree

    try:
        with zipfile.ZipFile(path) as zf:
            _check_unpacked_size(path, zf, max_bytes)
            xml = zf.read("word/document.xml")
        body = parse_xml(xml).find(_W_BODY)
    except (zipfile.BadZipFile, KeyError, OSError, zlib.error, etree.XMLSyntaxError) as exc:
        raise LoadError(f"{path.name}: not a readable .docx file ({exc})", code="broken") from exc
    return "" if body is None else "\n".join(_docx_blocks(body))


def _check_unpacked_size(path: Path, zf: zipfile.ZipFile, max_bytes: int) -> None:
    """Refuse a DOCX whose parts claim to unpack to more than ``UNPACK_FACTOR`` times the size limit, from
    the sizes in the zip directory and before anything is decompressed (a zip bomb would exhaust memory).
    Reading stops at the declared size anyway (zipfile checks it), so a lying directory cannot get past."""
    limit = UNPACK_FACTOR * max_bytes
    unpacked = sum(info.file_size for info in zf.infolist())
    if unpacked > limit:
        raise LoadError(f"{path.name}: the .docx would unpack to {unpacked / 2**20:.0f} MB, over the "
                        f"{limit // 2**20} MB allowed (a damaged file or a zip bomb); save it again from Word",
                        code="zip_bomb")


def _docx_blocks(container: BaseOxmlElement) -> Iterator[str]:
    """Lines of the paragraphs and tables in ``container`` (the body or a cell), in document order; other
    containers (content controls, custom XML) are read through."""
    for child in container.iterchildren():
        if child.tag == _W_P:
            if len(child):  # Word's bare empty paragraph (<w:p …/>) gives no line, as it always did here
                yield _paragraph_text(child)
        elif child.tag == _W_TBL:
            yield from _table_lines(child)
        elif child.tag not in _W_SKIPPED:
            yield from _docx_blocks(child)


def _paragraph_text(paragraph: CT_P) -> str:
    # python-docx gives a tab as "\t"; a space, as before, keeps header fields apart without a tab
    return "".join(run.text for run in paragraph.xpath(_RUNS)).replace("\t", " ")


def _table_lines(table: CT_Tbl) -> Iterator[str]:
    """One ``| a | b |`` line per row, with a blank line around each so that the parser never joins a row
    to a neighbouring line as if it were wrapped. A cell spanning several columns is given once, a
    vertically merged cell in its first row only; empty cells and rows are left out."""
    yield ""
    for row in table.tr_lst:
        cells = [_cell_text(cell) for cell in row.tc_lst if cell.vMerge != "continue"]
        cells = [cell for cell in cells if cell]
        if cells:
            yield "| " + " | ".join(cells) + " |"
            yield ""


def _cell_text(cell: CT_Tc) -> str:
    """A cell's paragraphs (and nested tables) on one line."""
    return " ".join(line.strip() for line in _docx_blocks(cell) if line.strip())


def load_text(path: Path, *, max_bytes: int = MAX_BYTES, ocr_languages: str = "vie", ocr_dpi: int = 300,
              on_page: PageProgress | None = None) -> tuple[str, bytes]:
    """Return (text, raw bytes) of ``path``; raise :class:`LoadError` with a clear reason otherwise.
    Scanned PDF pages are OCR'd in ``ocr_languages`` at ``ocr_dpi``, reporting progress to ``on_page``."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise LoadError(f"{path.name}: unsupported file type {suffix or '(none)'}; use one of "
                        + ", ".join(sorted(SUPPORTED)), code="type")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(f"{path.name}: cannot read ({exc.strerror})") from exc
    if size == 0:
        raise LoadError(f"{path.name}: the file is empty", code="empty")
    if size > max_bytes:
        raise LoadError(f"{path.name}: {size / 1e6:.0f} MB is over the {max_bytes // 2**20} MB limit; split it",
                        code="size")
    data = path.read_bytes()
    if suffix == ".docx":
        text = _docx_text(path, max_bytes)
    elif suffix == ".pdf":
        from assistant.ingest.pdf import pdf_text

        text = pdf_text(path, languages=ocr_languages, dpi=ocr_dpi, on_page=on_page)
    elif suffix in {".html", ".htm"}:
        text = _html_text(_decode(data, path))
    else:
        text = _decode(data, path)
    if len(re.findall(r"\w", text)) < 20:
        raise LoadError(f"{path.name}: no readable text found", code="no_text")
    if looks_like_vni(text):
        raise LoadError(f"{path.name}: {_VNI_MESSAGE}", code="vni")
    return text, data
