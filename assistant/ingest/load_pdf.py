"""Stage `load`, PDF: pdfminer.six text per page (layout boxes, running headers, footers and page numbers
dropped), pypdf for encryption, and tesseract OCR (pages rendered by pypdfium2) when there is no text layer."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from statistics import median
from typing import Any

from assistant.types import IngestError, error_cause

_PAGE_NUMBER = re.compile(r"(?:trang|page)?\s*[-–—]?\s*\d{1,4}\s*[-–—]?\s*(?:(?:/|trên|of)\s*\d{1,4})?", re.I)
_CID = re.compile(r"\(cid:\d+\)")
_BAND = 0.1  # top and bottom tenth of a page: where running headers, footers and page numbers sit


def load_pdf(path: Path, ocr_language: str) -> tuple[str, bool]:
    """(text, whether it came from OCR) of a PDF: pdfminer.six per page, running headers and page numbers
    dropped; tesseract when there is no text layer. Raises `IngestError` with a short reason."""
    import pypdf
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    with path.open("rb") as fh:
        if b"%PDF-" not in fh.read(1024):
            raise IngestError("unreadable PDF (not a PDF file)")
        fh.seek(max(0, path.stat().st_size - 2048))
        truncated = b"%%EOF" not in fh.read()
    password = IngestError("password-protected PDF; remove the password and ingest again")
    try:
        reader = pypdf.PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise password
        pages = [_page_boxes(page) for page in extract_pages(str(path), laparams=LAParams(all_texts=True))]
    except IngestError:
        raise
    except PDFPasswordIncorrect:
        raise password from None
    except Exception as exc:
        cause = "the file is truncated" if truncated else error_cause(exc)
        raise IngestError(f"unreadable PDF ({cause})") from None
    text = _join_pages(pages)
    if _CID.sub("", text).strip():
        return text, False
    return _ocr_pdf(path, ocr_language), True


@dataclass
class _Box:
    """A pdfminer text box: its lines' text, vertical extent, gaps between its lines, and whether
    it lies in the top or bottom band of the page."""

    text: str
    top: float
    bottom: float
    gaps: list[float]
    band: bool


def _page_boxes(page: Any) -> list[_Box]:
    """Text boxes of a pdfminer page in reading order (also those inside Form XObjects)."""
    from pdfminer.layout import LTFigure, LTTextContainer, LTTextLine

    out: list[_Box] = []

    def walk(items: Any) -> None:
        for item in items:
            if isinstance(item, LTTextContainer) and not isinstance(item, LTTextLine):
                lines = [ln for ln in item if isinstance(ln, LTTextLine) and ln.get_text().strip()]
                text = "\n".join(" ".join(ln.get_text().split()) for ln in lines)
                gaps = [a.y0 - b.y1 for a, b in pairwise(lines)]
                band = item.y0 > page.height * (1 - _BAND) or item.y1 < page.height * _BAND
                if text:
                    out.append(_Box(text, item.y1, item.y0, gaps, band))
            elif isinstance(item, LTFigure):
                walk(item)

    walk(page)
    return out


def _page_text(boxes: list[_Box]) -> str:
    """Join a page's boxes: a blank line where the vertical gap is wider than the usual line gap.

    Loosely spaced text comes out of pdfminer as one box per line, tightly spaced text as one box
    per paragraph; the gaps between lines inside boxes (or else between boxes) give the baseline.
    """
    inter = [prev.bottom - cur.top for prev, cur in pairwise(boxes)]
    base = median([g for b in boxes for g in b.gaps if g > 0] or [g for g in inter if g > 0] or [0.0])
    parts = [boxes[0].text] if boxes else []
    for gap, box in zip(inter, boxes[1:], strict=True):
        parts.append("\n\n" if gap < -1 or gap > base * 1.3 + 1 else "\n")
        parts.append(box.text)
    return "".join(parts)


def _join_pages(pages: list[list[_Box]]) -> str:
    """Join pages by blank lines, dropping page numbers and running headers/footers in the bands.

    A running header is band text repeated verbatim on at least half of the pages after the first;
    the first page keeps it (its letterhead carries the issuer and number)."""
    repeated = Counter(text for page in pages[1:] for text in {b.text for b in page if b.band})
    running = {t for t, n in repeated.items() if n >= 2 and n * 2 >= len(pages) - 1}
    out: list[str] = []
    for i, page in enumerate(pages):
        kept = [b for b in page if not (b.band and (_PAGE_NUMBER.fullmatch(b.text) or (i and b.text in running)))]
        if kept:
            out.append(_page_text(kept))
    return "\n\n".join(out)


def _ocr_pdf(path: Path, language: str) -> str:
    """OCR every page with tesseract (pages rendered by pypdfium2 at 300 dpi)."""
    import pypdfium2

    need = "this PDF is a scan and needs OCR: install"
    exe = shutil.which("tesseract")
    if exe is None:
        raise IngestError(f"{need} tesseract-ocr and tesseract-ocr-{language.split('+')[0]}")
    listed = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=60, check=False)
    installed = set(listed.stdout.split()[1:] if listed.returncode == 0 else ())
    missing = [lang for lang in language.split("+") if lang not in installed]
    if missing:
        raise IngestError(f"{need} tesseract-ocr-{missing[0]} (tesseract has no '{missing[0]}' language data)")
    pages: list[str] = []
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            width, height = page.get_size()
            scale = min(300 / 72, 5000 / max(width, height, 1))  # cap very large pages
            image = page.render(scale=scale, grayscale=True).to_pil()
            page.close()
            buf = io.BytesIO()
            image.save(buf, format="PPM")  # uncompressed: quick to write, and tesseract reads it
            done = subprocess.run(
                [exe, "stdin", "stdout", "-l", language, "--dpi", str(round(scale * 72))],
                input=buf.getvalue(),
                capture_output=True,
                timeout=600,
                check=False,
            )
            if done.returncode != 0:
                err = done.stderr.decode("utf-8", "replace").strip().splitlines()
                raise IngestError(f"OCR failed on page {index + 1} ({err[-1] if err else 'tesseract error'})")
            lines = (" ".join(line.split()) for line in done.stdout.decode("utf-8", "replace").splitlines())
            text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
            if text:
                pages.append(text)
    finally:
        pdf.close()
    return "\n\n".join(pages)
