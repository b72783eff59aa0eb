"""Read a document file into text (.txt, .md, .html, .docx, .pdf), or say clearly why not."""

from __future__ import annotations

import html
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

SUPPORTED = {".txt", ".md", ".html", ".htm", ".docx", ".pdf"}
MAX_BYTES = 20 * 1024 * 1024


class LoadError(ValueError):
    """A file that cannot be ingested; the message names the reason and what to do."""


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
        raise LoadError(f"{path.name}: looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if looks_like_vni(data.decode("latin-1")):
        raise LoadError(f"{path.name}: {_VNI_MESSAGE}")
    try:
        text = data.decode("cp1258")
    except UnicodeDecodeError as exc:
        raise LoadError(f"{path.name}: not UTF-8 text; convert it to UTF-8 and ingest again") from exc
    # Windows-1258 decodes almost anything: accept it only if it reads as Vietnamese.
    vietnamese = len(re.findall(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]",
                                text.lower()))
    if vietnamese < max(20, len(text) // 200):
        raise LoadError(f"{path.name}: not UTF-8 text; convert it to UTF-8 and ingest again")
    return text


class _HTMLText(HTMLParser):
    _BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")
        elif tag in {"td", "th"}:
            self.parts.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _docx_text(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            xml = zf.read("word/document.xml").decode("utf-8")
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise LoadError(f"{path.name}: not a readable .docx file ({exc})") from exc
    paragraphs = []
    for para in re.findall(r"<w:p[ >].*?</w:p>", xml, flags=re.DOTALL):
        # text runs, with tabs and line breaks kept as spaces / new lines so words are not glued
        pieces = re.findall(r"<w:t(?: [^>]*)?>(.*?)</w:t>|<w:(tab)/>|<w:(br|cr)/>", para, flags=re.DOTALL)
        paragraphs.append(html.unescape("".join(t if t else " " if tab else "\n" for t, tab, br in pieces)))
    return "\n".join(paragraphs)


def _pdf_text(path: Path) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as exc:  # pragma: no cover - pypdf is a dependency
        raise LoadError(f"{path.name}: PDF support needs the pypdf package") from exc
    try:
        reader = PdfReader(str(path))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, OSError, KeyError) as exc:
        raise LoadError(f"{path.name}: not a readable PDF ({exc})") from exc


def load_text(path: Path) -> tuple[str, bytes]:
    """Return (text, raw bytes) of ``path``; raise :class:`LoadError` with a clear reason otherwise."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise LoadError(f"{path.name}: unsupported file type {suffix or '(none)'}; use one of "
                        + ", ".join(sorted(SUPPORTED)))
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(f"{path.name}: cannot read ({exc.strerror})") from exc
    if size == 0:
        raise LoadError(f"{path.name}: the file is empty")
    if size > MAX_BYTES:
        raise LoadError(f"{path.name}: {size / 1e6:.0f} MB is over the {MAX_BYTES // 2**20} MB limit; split it")
    data = path.read_bytes()
    if suffix == ".docx":
        text = _docx_text(path)
    elif suffix == ".pdf":
        text = _pdf_text(path)
    elif suffix in {".html", ".htm"}:
        parser = _HTMLText()
        parser.feed(_decode(data, path))
        text = "".join(parser.parts)
    else:
        text = _decode(data, path)
    if len(re.findall(r"\w", text)) < 20:
        raise LoadError(f"{path.name}: no readable text found")
    if looks_like_vni(text):
        raise LoadError(f"{path.name}: {_VNI_MESSAGE}")
    return text, data
