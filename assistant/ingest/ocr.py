"""OCR of scanned PDF pages: poppler's ``pdftoppm`` renders a page, Tesseract reads it with its Vietnamese model.

Both are Debian programs (``poppler-utils``, ``tesseract-ocr``, ``tesseract-ocr-vie``) run as subprocesses, so
nothing is compiled into the Python environment; when one is missing :func:`missing` says what to install and
the scanned file is refused with that message rather than indexed empty. Recognised pages are kept in a small
in-process cache by the PDF's content, so checking an upload's metadata and then indexing it reads it once.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import tempfile
from collections import OrderedDict
from pathlib import Path

log = logging.getLogger(__name__)

INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-vie poppler-utils"
#: Seconds allowed for rendering or recognising one page.
PAGE_TIMEOUT = 180
_CACHE: OrderedDict[tuple[str, int, str, int], str] = OrderedDict()
_CACHE_SIZE = 512  # pages


class OCRError(RuntimeError):
    """OCR cannot run here (a program or the language model is missing) or failed on a page."""


def missing(languages: str = "vie") -> str | None:
    """What is missing for OCR in ``languages`` (e.g. "vie" or "vie+eng"), or None when it can run."""
    programs = [p for p in ("pdftoppm", "tesseract") if shutil.which(p) is None]
    if programs:
        return f"the program(s) {', '.join(programs)} are not installed ({INSTALL_HINT})"
    try:
        listed = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30,
                                check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"tesseract does not run ({exc}); reinstall it ({INSTALL_HINT})"
    have = {line.strip() for line in (listed.stdout + listed.stderr).splitlines()}
    lacking = [lang for lang in languages.split("+") if lang not in have]
    if lacking:
        return f"Tesseract has no model for {', '.join(lacking)} (apt-get install tesseract-ocr-{lacking[0]})"
    return None


def ocr_page(pdf: Path, page: int, *, languages: str = "vie", dpi: int = 300, digest: str = "") -> str:
    """Text of page ``page`` (1-based) of ``pdf``, rendered at ``dpi`` and read by Tesseract. ``digest`` (the
    PDF's SHA-256, computed when not given) keys the cache."""
    key = (digest or hashlib.sha256(pdf.read_bytes()).hexdigest(), page, languages, dpi)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    with tempfile.TemporaryDirectory(prefix="cchc-ocr-") as tmp:
        prefix = Path(tmp) / "page"
        _run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-f", str(page), "-l", str(page), "-singlefile",
              str(pdf), str(prefix)], f"rendering page {page}")
        text = _run(["tesseract", str(prefix.with_suffix(".png")), "stdout", "-l", languages, "--psm", "3"],
                    f"recognising page {page}")
    _CACHE[key] = text
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return text


def _run(command: list[str], what: str) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PAGE_TIMEOUT, check=False)
    except FileNotFoundError as exc:
        raise OCRError(f"{command[0]} is not installed ({INSTALL_HINT})") from exc
    except subprocess.TimeoutExpired as exc:
        raise OCRError(f"{what} took over {PAGE_TIMEOUT} s") from exc
    if done.returncode != 0:
        raise OCRError(f"{what} failed: {done.stderr.strip()[:300]}")
    return done.stdout
