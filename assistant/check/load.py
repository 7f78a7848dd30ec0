"""Read a draft to check: a path, or (file name, bytes or text) as an upload gives it. Reuses `load`."""

from __future__ import annotations

import tempfile
from pathlib import Path

from assistant.ingest.docmeta import extract
from assistant.ingest.load import load_file
from assistant.ingest.messages import ingest_message
from assistant.types import IngestError

DraftInput = Path | str | tuple[str, bytes | str]


def load_draft(draft: DraftInput, *, max_bytes: int, ocr_language: str = "vie") -> tuple[str, str, str | None, str | None]:
    """(file name, source text, the draft's own doc id, error naming the file or None)."""
    if isinstance(draft, tuple):
        name, data = draft
        name = Path(name).name or "draft.txt"
        raw = data.encode("utf-8") if isinstance(data, str) else data
        with tempfile.TemporaryDirectory(prefix="assistant-check-") as tmp:
            path = Path(tmp) / name
            path.write_bytes(raw)
            return _load(path, name, max_bytes, ocr_language)
    path = Path(draft)
    return _load(path, path.name, max_bytes, ocr_language)


def _load(path: Path, name: str, max_bytes: int, ocr_language: str) -> tuple[str, str, str | None, str | None]:
    try:
        source = load_file(path, max_bytes=max_bytes, ocr_language=ocr_language)
    except IngestError as exc:
        return name, "", None, f"{name}: {ingest_message(str(exc), failed=True)}"
    return name, source.text, extract(source.text, name).doc_id, None
