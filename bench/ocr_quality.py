"""OCR quality and speed on scans made from real corpus text: ``python bench/ocr_quality.py [FILE] [--pages N]``.

Takes the text of a corpus document (default: the Lạng Sơn plan in data/), sets it on A4 pages in DejaVu Sans
(a font with every Vietnamese glyph) at 300 dpi, saves the images as an image-only PDF (a scan: no text layer),
and reads it back through the assistant's own PDF path (pypdf finds no text, so poppler renders each page and
Tesseract's Vietnamese model reads it). Reports, per page and overall, the character accuracy
1 − edit distance / reference length (on whitespace-normalised NFC text; ``editdistance``) and seconds per page,
and with ``--ingest STORE`` the time per page to add the scan to a new store (``docs add``: OCR — already
cached by then, so add the OCR seconds — parse, chunk, embed with the configured model, publish).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import textwrap
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import assistant  # noqa: E402,F401  (offline environment)

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
DPI = 300
A4 = (2480, 3508)  # pixels at 300 dpi
MARGIN = 220
FONT_PX = 42  # about 10 pt at 300 dpi
LINE_PX = 62
WRAP = 78  # characters per line that fit the text width at this size


def pages_of(text: str, lines_per_page: int = (A4[1] - 2 * MARGIN) // LINE_PX) -> list[list[str]]:
    """The text wrapped to the page width and cut into pages of lines."""
    lines: list[str] = []
    for paragraph in text.splitlines():
        lines += textwrap.wrap(paragraph, WRAP) or [""]
    return [lines[i:i + lines_per_page] for i in range(0, len(lines), lines_per_page)]


def render_scan(pages: list[list[str]], pdf: Path) -> None:
    """Draw each page's lines in black on white and save the images as one PDF without a text layer."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, FONT_PX)
    images = []
    for lines in pages:
        image = Image.new("L", A4, 255)
        draw = ImageDraw.Draw(image)
        for row, line in enumerate(lines):
            draw.text((MARGIN, MARGIN + row * LINE_PX), line, font=font, fill=0)
        images.append(image)
    images[0].save(pdf, save_all=True, append_images=images[1:], resolution=DPI)


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def accuracy(reference: str, recognised: str) -> float:
    """1 − edit distance / reference length, on whitespace-normalised NFC text (at least 0)."""
    import editdistance

    ref, got = normalise(reference), normalise(recognised)
    return max(0.0, 1.0 - editdistance.eval(ref, got) / max(len(ref), 1))


def ingest_seconds(pdf: Path, pages: int, store: Path) -> dict[str, object]:
    """Add the scan to a new store in ``store`` (OCR, parse, chunk, embed, publish) as ``docs add`` does."""
    from assistant.core.settings import get_settings
    from assistant.index.documents import DocumentLibrary

    settings = get_settings(store=store)
    started = time.perf_counter()
    outcome = DocumentLibrary(settings).add([pdf], user="bench")
    seconds = time.perf_counter() - started
    chunks = DocumentLibrary(settings).registry().get((outcome.added or [""])[0], {}).get("chunks", 0)
    return {"ingest_seconds": round(seconds, 1), "ingest_seconds_per_page": round(seconds / pages, 1),
            "chunks": chunks, "embedding_model": settings.embedding_model or "EmbeddingGemma-300m",
            "refused": [r.message for r in outcome.refused]}


def measure(source: Path, pages: int, store: Path | None = None) -> dict[str, object]:
    from assistant.ingest.ocr import ocr_page

    text = source.read_text(encoding="utf-8")
    chosen = pages_of(text)[:pages]
    per_page = []
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "scan.pdf"
        render_scan(chosen, pdf)
        for number, lines in enumerate(chosen, start=1):
            started = time.perf_counter()
            got = ocr_page(pdf, number)
            seconds = time.perf_counter() - started
            per_page.append({"page": number, "chars": len(normalise("\n".join(lines))),
                             "accuracy": round(accuracy("\n".join(lines), got), 4), "seconds": round(seconds, 2)})
        ingest = ingest_seconds(pdf, len(chosen), store) if store else {}
    chars = sum(p["chars"] for p in per_page)
    return {"source": str(source.relative_to(ROOT) if source.is_relative_to(ROOT) else source), "pages": per_page,
            "accuracy": round(sum(p["accuracy"] * p["chars"] for p in per_page) / max(chars, 1), 4),
            "seconds_per_page": round(sum(p["seconds"] for p in per_page) / max(len(per_page), 1), 2),
            "cpu": os.cpu_count(), **ingest}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=ROOT / "data" / "lang-son-249-kh-ubnd-2021.txt")
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--ingest", type=Path, metavar="STORE",
                        help="also add the scan to a new store in this folder and time it (OCR cached: embed + publish)")
    args = parser.parse_args()
    from assistant.ingest.ocr import missing

    problem = missing()
    if problem:
        print(f"error: OCR is not available: {problem}", file=sys.stderr)
        return 1
    print(json.dumps(measure(args.source, args.pages, args.ingest), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
