"""Streaming multipart uploads: the file part goes to a temporary file as the body arrives.

The name and type are checked as soon as the part's headers are read, before any of its data;
the size limit is checked on every piece, so an oversized upload is refused without being stored; a
declared Content-Length over the limit (plus room for the form around the file) is refused with 413 before
any of the body is read. A client that goes away mid-upload ends the request with one log line (499).
Other form fields (e.g. `access_level`) are kept as short strings.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Collection
from pathlib import Path
from typing import IO, Any

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from assistant.api.limits import ClientGone
from assistant.api.messages import say

log = logging.getLogger(__name__)

UPLOAD_FIELD = "file"
_FORM_FIELDS_MAX = 64 * 1024  # bytes of form fields other than the file
_MULTIPART_SLACK = 16 * 1024  # boundaries and part headers around the file and fields
_NAME_MAX_BYTES = 200
_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


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


class UploadReader:
    """Parses one multipart body: the field `file` to a temporary file in `folder`, other fields to `fields`."""

    def __init__(self, boundary: bytes, folder: Path, max_bytes: int, limit_mb: float, suffixes: Collection[str]) -> None:
        from python_multipart.multipart import MultipartParser

        self._folder = folder
        self._max = max_bytes
        self._limit_mb = limit_mb
        self._suffixes = suffixes
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
        self.fields: dict[str, str] = {}
        self._out: IO[bytes] | None = None
        self._headers: dict[bytes, bytes] = {}
        self._field = b""
        self._value = b""
        self._in_file = False
        self._other_name: str | None = None
        self._other_value = b""
        self._other = 0

    def write(self, data: bytes) -> None:
        from python_multipart.exceptions import FormParserError

        try:
            self._parser.write(data)
        except FormParserError as exc:
            raise HTTPException(400, say("nội dung tải lên (multipart) bị hỏng", f"malformed multipart body ({exc})")) from None

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
        self._other_name = None
        self._other_value = b""

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
            self._other_name = options.get(b"name", b"").decode("utf-8", errors="replace")
            return
        if self.name is not None:
            raise HTTPException(400, say("mỗi lần chỉ tải lên một tệp", "upload one file per request"))
        raw = options[b"filename"].decode("utf-8", errors="replace")
        name = safe_filename(raw)
        if name is None:
            raise HTTPException(
                422,
                say(
                    f"tên tệp {raw!r} không dùng được: rỗng hoặc là tệp ẩn khi bỏ thư mục",
                    f"unusable file name {raw!r}: it is empty or hidden once directories are removed",
                ),
            )
        suffix = Path(name).suffix.lower()
        if suffix not in self._suffixes:
            kind = f"type {suffix}" if suffix else "type (no extension)"
            loai = f"loại {suffix}" if suffix else "không có phần mở rộng"
            allowed = " ".join(sorted(self._suffixes))
            raise HTTPException(
                415,
                say(
                    f"{name}: không hỗ trợ tệp {loai}; các loại được nhận: {allowed}",
                    f"{name}: unsupported file {kind}; supported: {allowed}",
                ),
            )
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
                raise HTTPException(413, say("các trường ngoài tệp quá lớn", "form fields other than the file are too large"))
            self._other_value += data[start:end]
            return
        self.size += end - start
        if self.size > self._max:
            raise HTTPException(
                413,
                say(
                    f"{self.name}: tệp vượt giới hạn tải lên {self._limit_mb:g} MB",
                    f"{self.name}: file is over the {self._limit_mb:g} MB upload limit",
                ),
            )
        assert self._out is not None
        self._out.write(data[start:end])

    def _part_end(self) -> None:
        if self._in_file:
            self.close()
            self.complete = True
            self._in_file = False
        elif self._other_name:
            self.fields[self._other_name] = self._other_value.decode("utf-8", errors="replace").strip()


async def read_upload(request: Request, folder: Path, limit_mb: float, suffixes: Collection[str]) -> UploadReader:
    """Read a multipart body into an `UploadReader`; the caller discards it. Clear 4xx for every bad upload."""
    from python_multipart.multipart import parse_options_header

    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data":
        raise HTTPException(
            415,
            say(
                f"hãy gửi tệp dạng multipart/form-data trong trường {UPLOAD_FIELD!r}",
                f"send the file as multipart/form-data in the field {UPLOAD_FIELD!r}",
            ),
        )
    if b"boundary" not in params:
        raise HTTPException(400, say("nội dung multipart thiếu boundary", "multipart body without a boundary"))
    max_bytes = int(limit_mb * 1_000_000)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + _FORM_FIELDS_MAX + _MULTIPART_SLACK:
        raise HTTPException(
            413,
            say(
                f"dữ liệu tải lên ({int(declared):,} byte) vượt giới hạn {limit_mb:g} MB",
                f"the upload ({int(declared):,} bytes) is over the {limit_mb:g} MB upload limit",
            ),
        )
    reader = UploadReader(params[b"boundary"], folder, max_bytes, limit_mb, suffixes)
    try:
        try:
            async for chunk in request.stream():
                if chunk:
                    await run_in_threadpool(reader.write, chunk)
        except ClientDisconnect:
            client = request.client.host if request.client else "?"
            log.warning("upload to %s from %s: the client went away after %d bytes", request.url.path, client, reader.size)
            raise ClientGone() from None
        reader.finish()
        if reader.name is None or reader.temp is None:
            raise HTTPException(
                422,
                say(
                    f"không có tệp nào: hãy gửi tệp trong trường multipart {UPLOAD_FIELD!r}",
                    f"no file in the upload: send it in the multipart field {UPLOAD_FIELD!r}",
                ),
            )
        if not reader.complete:
            raise HTTPException(
                400,
                say(f"{reader.name}: tải lên bị ngắt trước khi hết tệp", f"{reader.name}: the upload ended before the file did"),
            )
        if reader.size == 0:
            raise HTTPException(422, say(f"{reader.name}: tệp rỗng", f"{reader.name}: empty file"))
    except BaseException:
        reader.discard()
        raise
    return reader


def upload_body(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """OpenAPI description of a multipart body with the field `file` and optional text fields."""
    props: dict[str, Any] = {UPLOAD_FIELD: {"type": "string", "format": "binary"}, **(extra or {})}
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": {"type": "object", "properties": props, "required": [UPLOAD_FIELD]}}},
        }
    }
