#!/usr/bin/env bash
# Installs the OCR programs for scanned PDFs (assistant/ingest/ocr.py), if they are not there yet:
# poppler's pdftoppm renders a page, Tesseract reads it with its Vietnamese model.
set -euo pipefail
have_all() {
  command -v pdftoppm >/dev/null 2>&1 && command -v tesseract >/dev/null 2>&1 \
    && tesseract --list-langs 2>/dev/null | grep -qx vie
}
if have_all; then
  echo "OCR already installed: $(tesseract --version 2>&1 | head -1), Vietnamese model present"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: OCR is missing and apt-get is not available; install tesseract-ocr, tesseract-ocr-vie and poppler-utils" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "error: installing the OCR packages needs root (or sudo): apt-get install tesseract-ocr tesseract-ocr-vie poppler-utils" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq tesseract-ocr tesseract-ocr-vie poppler-utils
have_all && echo "OCR installed: $(tesseract --version 2>&1 | head -1)"
