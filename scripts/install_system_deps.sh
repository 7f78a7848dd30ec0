#!/usr/bin/env bash
# System packages needed by assistant/ingest/load.py (OCR of scanned PDFs). Idempotent:
# runs `apt-get update` and `apt-get install` only when something is missing.
#   tesseract-ocr      the OCR engine (scanned PDFs)
#   tesseract-ocr-vie  Vietnamese language data for it
#   libmagic1          file-type detection used by unstructured
# Pages are rendered with pypdfium2 (a wheel), so poppler-utils is not needed.
set -euo pipefail

PACKAGES=(tesseract-ocr tesseract-ocr-vie libmagic1)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages already installed: ${PACKAGES[*]}"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

echo "installing: ${missing[*]}"
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
if tesseract --list-langs 2>/dev/null | grep -qx vie; then echo "tesseract with Vietnamese data is ready"; fi
