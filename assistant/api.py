"""HTTP API: a thin shell over `Pipeline` (the only module that imports fastapi and starlette).

`create_app(pipeline)` builds the app around a pipeline the caller owns; nothing is built at
import time, and models load on first use as everywhere else. Pipeline work runs in the
threadpool; one lock serialises everything that uses a model or writes the index (questions,
uploads, deletions), so two requests never run the LLM at once. Reading the catalog
(`/health`, `/documents`) takes no lock and stays responsive during a long answer.

JSON is UTF-8 with Vietnamese text unescaped, and says so in its Content-Type.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import AsyncGenerator, Generator
from datetime import date
from pathlib import Path
from typing import IO, Any

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.answer import Event, answer_json, passages_json
from assistant.catalog import DocRecord
from assistant.ingest import IndexMismatch
from assistant.load import SUPPORTED_SUFFIXES
from assistant.models import ModelError
from assistant.pipeline import Pipeline
from assistant.retrieve import Filters
from assistant.types import FileReport

log = logging.getLogger(__name__)

TITLE = "Trợ lý nghiên cứu văn bản"
UPLOAD_FIELD = "file"
_FORM_FIELDS_MAX = 64 * 1024  # bytes of form fields other than the file (they are ignored)
_NAME_MAX_BYTES = 200
_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


# --- request body ------------------------------------------------------------------------------


class AskRequest(BaseModel):
    """A question, with optional filters on the documents searched."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(max_length=4000, description="The question, in Vietnamese.")
    doc_ids: list[str] = Field(default_factory=list, description="Only these documents, e.g. 57-NQ/TW.")
    doc_types: list[str] = Field(default_factory=list, description="Only these types: NQ, KL, CT, KH, ...")
    issuers: list[str] = Field(default_factory=list, description="Only documents of these issuers (code or name).")
    date_from: date | None = Field(default=None, description="Issued on or after this day (YYYY-MM-DD).")
    date_to: date | None = Field(default=None, description="Issued on or before this day (YYYY-MM-DD).")
    stream: bool = Field(default=False, description="Answer as server-sent events: passages, tokens, answer.")

    @field_validator("question")
    @classmethod
    def _question_not_empty(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("question is empty: ask something about the indexed documents")
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> AskRequest:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"date_from {self.date_from} is after date_to {self.date_to}")
        return self

    def filters(self) -> Filters:
        return Filters(
            doc_ids=tuple(self.doc_ids), doc_types=tuple(self.doc_types), issuers=tuple(self.issuers),
            date_from=self.date_from, date_to=self.date_to,
        )  # fmt: skip


# --- serialisation -------------------------------------------------------------------------------


def document_json(rec: DocRecord, passages: int) -> dict[str, Any]:
    m = rec.meta
    return {
        "doc_id": m.doc_id, "key": m.key, "type": m.doc_type, "number": m.number, "issuer": m.issuer,
        "issuer_name": m.issuer_name, "issued": m.issued.isoformat() if m.issued else None, "title": m.title,
        "access_level": m.access_level, "parent": m.parent, "source_name": m.source_name, "format": rec.fmt,
        "passages": passages,
    }  # fmt: skip


def report_json(report: FileReport, name: str, key: str | None) -> dict[str, Any]:
    return {
        "file": name, "status": report.status, "doc_id": report.doc_id, "key": key, "chunks": report.chunks,
        "message": report.message,
    }  # fmt: skip


def sse(event: str, data: object) -> bytes:
    """One server-sent event. `data` is JSON on a single line (token text included), so newlines never break framing."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


# --- uploads -------------------------------------------------------------------------------------


def safe_filename(raw: str) -> str | None:
    """The client's file name without any directory part, or None when nothing usable is left.

    Hidden names (".x", and "~$x" Word lock files, which folder ingestion skips too) are refused.
    """
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_CHARS.sub("_", name).strip().rstrip(". ")
    if not name or name.startswith((".", "~$")):
        return None
    suffix = Path(name).suffix
    stem = name[: len(name) - len(suffix)]
    while len((stem + suffix).encode()) > _NAME_MAX_BYTES and stem:
        stem = stem[:-1]
    return (stem + suffix) if stem.strip() else None


def _megabytes(limit_mb: float) -> str:
    return f"{limit_mb:g} MB"


class _UploadReader:
    """Streams the multipart field `file` to a temporary file as the body arrives.

    The name and type are checked as soon as the part's headers are read, before any of its
    data; the size limit is checked on every piece, so an oversized upload is refused without
    being stored. Other form fields are ignored (but bounded).
    """

    def __init__(self, boundary: bytes, folder: Path, max_bytes: int, limit_mb: float) -> None:
        from python_multipart.multipart import MultipartParser

        self._folder = folder
        self._max = max_bytes
        self._limit_mb = limit_mb
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin, "on_header_field": self._header_field,
                "on_header_value": self._header_value, "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished, "on_part_data": self._part_data,
                "on_part_end": self._part_end,
            },
        )  # fmt: skip
        self.name: str | None = None
        self.temp: Path | None = None
        self.size = 0
        self.complete = False
        self._out: IO[bytes] | None = None
        self._headers: dict[bytes, bytes] = {}
        self._field = b""
        self._value = b""
        self._in_file = False
        self._other = 0

    def write(self, data: bytes) -> None:
        from python_multipart.exceptions import FormParserError

        try:
            self._parser.write(data)
        except FormParserError as exc:
            raise HTTPException(400, f"malformed multipart body ({exc})") from None

    def finish(self) -> None:
        self._parser.finalize()
        self.close()

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def discard(self) -> None:
        self.close()
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)

    def _part_begin(self) -> None:
        self._headers = {}
        self._in_file = False

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._field.strip().lower()] = self._value.strip()
        self._field = self._value = b""

    def _headers_finished(self) -> None:
        from python_multipart.multipart import parse_options_header

        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        if options.get(b"name") != UPLOAD_FIELD.encode() or b"filename" not in options:
            return
        if self.name is not None:
            raise HTTPException(400, "upload one file per request")
        raw = options[b"filename"].decode("utf-8", errors="replace")
        name = safe_filename(raw)
        if name is None:
            raise HTTPException(422, f"unusable file name {raw!r}: it is empty or hidden once directories are removed")
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            kind = f"type {suffix}" if suffix else "type (no extension)"
            allowed = " ".join(sorted(SUPPORTED_SUFFIXES))
            raise HTTPException(415, f"{name}: unsupported file {kind}; supported: {allowed}")
        self.name = name
        self._folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self._folder, suffix=".part")
        self.temp = Path(temp)
        self._out = os.fdopen(fd, "wb")
        self._in_file = True

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._in_file:
            self._other += end - start
            if self._other > _FORM_FIELDS_MAX:
                raise HTTPException(413, "form fields other than the file are too large")
            return
        self.size += end - start
        if self.size > self._max:
            raise HTTPException(413, f"{self.name}: file is over the {_megabytes(self._limit_mb)} upload limit")
        assert self._out is not None
        self._out.write(data[start:end])

    def _part_end(self) -> None:
        if self._in_file:
            self.close()
            self.complete = True
            self._in_file = False


_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {UPLOAD_FIELD: {"type": "string", "format": "binary"}},
                    "required": [UPLOAD_FIELD],
                }
            }
        },
    }
}


# --- charset ---------------------------------------------------------------------------------------


_JSON_UTF8 = b"application/json; charset=utf-8"


class _JSONCharset:
    """Adds `charset=utf-8` to JSON responses: some clients (Windows PowerShell 5) otherwise misread Vietnamese."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_charset(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (k, _JSON_UTF8 if k.lower() == b"content-type" and v == b"application/json" else v)
                    for k, v in message.get("headers", [])
                ]
            await send(message)

        await self.app(scope, receive, send_with_charset)


# --- the app ---------------------------------------------------------------------------------------


def create_app(pipeline: Pipeline) -> FastAPI:
    """The API over `pipeline`. The caller owns the pipeline (and closes it)."""
    settings = pipeline.settings
    catalog = pipeline.catalog
    uploads = settings.index_dir / "uploads"
    incoming = uploads / ".incoming"  # hidden: folder ingestion skips it
    lock = threading.Lock()  # one model user at a time; also serialises index writes

    app = FastAPI(
        title=TITLE,
        version="0.1.0",
        description="Hỏi đáp có trích dẫn kiểm chứng trên các văn bản đã nạp; quản lý văn bản (nạp, xem, xoá).",
    )
    app.add_middleware(_JSONCharset)

    @app.exception_handler(IndexMismatch)
    async def _index_mismatch(request: Request, exc: IndexMismatch) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(ModelError)
    async def _model_missing(request: Request, exc: ModelError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503)

    def resolve(key: str) -> DocRecord:
        rec = catalog.by_key(key)
        if rec is not None and rec.status == "complete":
            return rec
        keys = catalog.keys_for_doc_id(key)
        if len(keys) > 1:
            raise HTTPException(409, f"{key} names {len(keys)} documents; use one of the keys: {', '.join(keys)}")
        rec = catalog.by_key(keys[0]) if keys else None
        if rec is None or rec.status != "complete":
            raise HTTPException(404, f"no indexed document {key}")
        return rec

    # --- health -------------------------------------------------------------------------------
    @app.get("/health", summary="Service status")
    def health() -> dict[str, Any]:
        built = catalog.get_meta("embedder")
        return {
            "status": "ok",
            "documents": len(catalog.documents()),
            "embedder": json.loads(built)["name"] if built else None,
            "answer_mode": settings.answer_mode,
        }

    # --- questions ----------------------------------------------------------------------------
    def events(body: AskRequest) -> Generator[Event, None, None]:
        with lock:
            yield from pipeline.answerer.stream(body.question, body.filters())

    def ask_once(body: AskRequest) -> dict[str, Any]:
        with lock:
            return answer_json(pipeline.answerer.ask(body.question, body.filters()))

    @app.post("/ask", summary="Answer a question with verified citations", response_model=None)
    async def ask(body: AskRequest) -> dict[str, Any] | StreamingResponse:
        """JSON answer; with `stream: true`, server-sent events: `passages` (JSON list), `token`
        (JSON string) pieces, then one `answer` (the full JSON answer), or `error` if it fails midway."""
        if not body.stream:
            return await run_in_threadpool(ask_once, body)
        it = events(body)
        try:
            # The first step (retrieval) runs before the response starts, so its errors keep their status codes.
            first = await run_in_threadpool(next, it)
        except BaseException:
            it.close()
            raise
        return StreamingResponse(
            _stream(first, it),
            media_type="text/event-stream; charset=utf-8",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    # --- documents ----------------------------------------------------------------------------
    @app.get("/documents", summary="Indexed documents")
    def list_documents() -> list[dict[str, Any]]:
        counts = catalog.passage_counts()
        return [document_json(rec, counts[rec.meta.key]) for rec in catalog.documents()]

    @app.get("/documents/{key:path}", summary="One document: metadata, relations, text and passages")
    def get_document(key: str) -> dict[str, Any]:
        rec = resolve(key)
        k = rec.meta.key
        chunks = catalog.doc_chunks(k)
        outgoing, incoming_rel = catalog.relations(k)
        incoming_json = []
        for relation, src in incoming_rel:
            src_rec = catalog.by_key(src)
            incoming_json.append({"relation": relation, "key": src, "doc_id": src_rec.meta.doc_id if src_rec else src})
        return {
            **document_json(rec, len(chunks)),
            "relations": {
                "outgoing": [
                    {"relation": r, "doc_id": target, "indexed": bool(catalog.keys_for_doc_id(target))} for r, target in outgoing
                ],
                "incoming": incoming_json,
            },
            "text": catalog.document_text(k),
            "chunks": [
                {
                    "ordinal": c.ordinal,
                    "chunk_id": c.chunk_id,
                    "breadcrumb": c.breadcrumb_text,
                    "start": c.start,
                    "end": c.end,
                    "text": c.text,
                }
                for c in chunks
            ],
        }

    def store_and_ingest(temp: Path, name: str) -> tuple[FileReport, str | None]:
        """Move the upload into place and ingest it; a failed or duplicate file leaves the folder as it was."""
        dest = uploads / name
        with lock:
            backup: Path | None = None
            if dest.exists():
                fd, old = tempfile.mkstemp(dir=incoming, suffix=".old")
                os.close(fd)
                backup = Path(old)
                os.replace(dest, backup)
            os.replace(temp, dest)
            try:
                report = pipeline.ingest([dest])[0]
            except BaseException:
                _restore(dest, backup)
                raise
            if report.status in ("failed", "duplicate"):
                _restore(dest, backup)
                return report, None
            if backup is not None:
                backup.unlink(missing_ok=True)
            rec = catalog.by_path(str(dest.resolve()))
            return report, rec.meta.key if rec else None

    @app.post("/documents", summary="Upload and index one file", openapi_extra=_UPLOAD_BODY, status_code=201)
    async def upload(request: Request, response: Response) -> dict[str, Any]:
        """Multipart field `file` (.pdf .docx .html .htm .md .markdown .txt). 201 when added or replaced,
        200 when unchanged or a duplicate of an indexed document, 413 over the size limit, 415 for other
        types, 422 when the file cannot be ingested."""
        from python_multipart.multipart import parse_options_header

        ctype, params = parse_options_header(request.headers.get("content-type", ""))
        if ctype != b"multipart/form-data":
            raise HTTPException(415, f"send the file as multipart/form-data in the field {UPLOAD_FIELD!r}")
        if b"boundary" not in params:
            raise HTTPException(400, "multipart body without a boundary")
        reader = _UploadReader(params[b"boundary"], incoming, int(settings.max_file_mb * 1_000_000), settings.max_file_mb)
        try:
            async for chunk in request.stream():
                if chunk:
                    await run_in_threadpool(reader.write, chunk)
            reader.finish()
            if reader.name is None or reader.temp is None:
                raise HTTPException(422, f"no file in the upload: send it in the multipart field {UPLOAD_FIELD!r}")
            if not reader.complete:
                raise HTTPException(400, f"{reader.name}: the upload ended before the file did")
            if reader.size == 0:
                raise HTTPException(422, f"{reader.name}: empty file")
            report, key = await run_in_threadpool(store_and_ingest, reader.temp, reader.name)
        finally:
            reader.discard()
        if report.status == "failed":
            raise HTTPException(422, f"{reader.name}: {report.message}")
        if report.status in ("unchanged", "duplicate"):
            response.status_code = 200
        return report_json(report, reader.name, key)

    def delete_locked(key: str) -> None:
        with lock:
            rec = resolve(key)
            pipeline.delete(rec.meta.key)
            source = Path(rec.source_path)
            if source.parent == uploads.resolve():
                source.unlink(missing_ok=True)

    @app.delete("/documents/{key:path}", summary="Remove a document from the index", status_code=204)
    async def delete_document(key: str) -> Response:
        """Removes its passages and vectors; a file uploaded through the API is deleted too."""
        await run_in_threadpool(delete_locked, key)
        return Response(status_code=204)

    return app


def _restore(dest: Path, backup: Path | None) -> None:
    if backup is not None:
        os.replace(backup, dest)
    else:
        dest.unlink(missing_ok=True)


async def _stream(first: Event, it: Generator[Event, None, None]) -> AsyncGenerator[bytes, None]:
    """Drive the (blocking) answer stream in the threadpool; closing it releases the model lock."""
    try:
        ev: Event | None = first
        while ev is not None:
            if ev.kind == "passages":
                yield sse("passages", passages_json(ev.hits))
            elif ev.kind == "token":
                yield sse("token", ev.text)
            elif ev.kind == "answer" and ev.answer is not None:
                yield sse("answer", answer_json(ev.answer))
            ev = await run_in_threadpool(next, it, None)
    except Exception as exc:
        log.exception("answer stream failed")
        yield sse("error", {"detail": f"{type(exc).__name__}: {exc}"})
    finally:
        it.close()


def serve(pipeline: Pipeline, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the API with uvicorn in this process (one worker: the index and the lock are per process)."""
    import uvicorn

    uvicorn.run(create_app(pipeline), host=host, port=port)
