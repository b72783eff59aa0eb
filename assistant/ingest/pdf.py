"""Text of a PDF: each page's text layer (pypdf), and OCR (:mod:`assistant.ingest.ocr`) for the pages that have
none, which is what a scanned, signed decision looks like.

A password-protected PDF is refused (its text cannot be read without the password); a scan is refused with
what to install when OCR is not available here. A page with a text layer is never OCR'd: its text is exact.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from pathlib import Path

from assistant.ingest.ocr import OCRError, missing, ocr_page

log = logging.getLogger(__name__)

#: Called as ``on_page(done, total)`` while scanned pages are OCR'd.
PageProgress = Callable[[int, int], None]
#: A page with fewer letters or digits than this in its text layer is treated as a scan.
MIN_PAGE_CHARS = 20


def pdf_text(path: Path, *, languages: str = "vie", dpi: int = 300, on_page: PageProgress | None = None) -> str:
    """The text of ``path``, page by page; pages without a text layer are OCR'd (progress via ``on_page``)."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    from assistant.ingest.loaders import LoadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError(f"{path.name}: the PDF is protected by a password; save an unprotected copy "
                            "and add that", code="encrypted")
        texts = [page.extract_text() or "" for page in reader.pages]
    except LoadError:
        raise
    except (FileNotDecryptedError, DependencyError) as exc:
        raise LoadError(f"{path.name}: the PDF is encrypted ({exc}); save an unprotected copy and add that",
                        code="encrypted") from exc
    except (PdfReadError, ValueError, OSError, KeyError) as exc:
        raise LoadError(f"{path.name}: not a readable PDF ({exc})", code="broken") from exc
    scanned = [i for i, text in enumerate(texts) if len(re.findall(r"\w", text)) < MIN_PAGE_CHARS]
    if not scanned:
        return "\n".join(texts)
    problem = missing(languages)
    if problem:
        if len(scanned) == len(texts):
            raise LoadError(f"{path.name}: the PDF is a scan without a text layer and OCR is not available: "
                            f"{problem}", code="no_ocr")
        log.warning("%s: %d page(s) without a text layer are left out: %s", path.name, len(scanned), problem)
        return "\n".join(texts)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    log.info("%s: OCR of %d of %d pages (%s, %d dpi)", path.name, len(scanned), len(texts), languages, dpi)
    for done, index in enumerate(scanned):
        if on_page:
            on_page(done, len(scanned))
        try:
            texts[index] = ocr_page(path, index + 1, languages=languages, dpi=dpi, digest=digest)
        except OCRError as exc:
            raise LoadError(f"{path.name}: OCR of page {index + 1} failed ({exc})", code="ocr_failed") from exc
    if on_page:
        on_page(len(scanned), len(scanned))
    return "\n".join(texts)
