"""POST /check: every statement of a draft against the directives it implements (`assistant/check/`).

The draft comes as JSON (`{"text", "against", "format", "stream"}`) or as an uploaded file (multipart field
`file`, with the library's upload size and type limits and the same clear 4xx errors; optional fields
`against`, `format`, `stream`). The reader's clearance is imposed on the check (`Service.filters_for`): a
directive above it named in `against` is "not indexed", exactly like one that does not exist, and no passage
above it is searched, quoted, dated or noted. A check takes an answer slot (`limits.py`: 429 with Retry-After
when the line is full) and runs one statement at a time (`check_turns.py`), holding the model lock per
statement and passing its slot to any answer waiting between two statements; with `stream: true` progress
comes as server-sent events (`progress` {done, total} per statement, then `report`), and a client that leaves
stops the check before its next statement. Every check is audited: who, the draft's name, size and sha256, the
directives, the verdict counts and each passage shown as evidence.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.concurrency import run_in_threadpool

from assistant.access.users import User
from assistant.api.ask import quote_context
from assistant.api.auth import require, service_of
from assistant.api.check_stream import CheckRun, stream_check
from assistant.api.check_turns import run_check, service_work
from assistant.api.limits import HeldStreamingResponse
from assistant.api.messages import say, validation_message
from assistant.api.service import Service
from assistant.api.upload import read_upload, safe_filename, upload_body
from assistant.check.html import to_html
from assistant.check.report import report_json, to_markdown
from assistant.check.results import CheckReport
from assistant.ingest.load import SUPPORTED_SUFFIXES
from assistant.types import Filters

Format = Literal["json", "md", "html"]
_FORMATS: dict[str, Format] = {"json": "json", "md": "md", "html": "html"}
_TEXT_SUFFIXES = (".txt", ".md", ".markdown")
_REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'"  # the HTML report is self-contained
_FORM = {
    "against": {"type": "string", "description": "Directives to check against, separated by commas: 57-NQ/TW, 69-KL/TW."},
    "format": {"type": "string", "enum": ["json", "md", "html"], "description": "Report format (default json)."},
    "stream": {"type": "boolean", "description": "Progress as server-sent events, then the JSON report."},
}


class CheckRequest(BaseModel):
    """A draft given as text."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The draft's text, in Vietnamese; headings and numbered items give each statement its place.")
    name: str = Field(default="du-thao.txt", max_length=200, description="The draft's name in the report (.txt or .md).")
    against: list[str] = Field(
        default_factory=list, max_length=50, description="Directives to check against, e.g. 57-NQ/TW (none: the whole index)."
    )
    format: Format = Field(default="json", description="json (as `assistant check --format json`), md or html.")
    stream: bool = Field(default=False, description="Progress as server-sent events, then the JSON report.")

    @field_validator("text")
    @classmethod
    def _text_not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(
                say(
                    "chưa có nội dung: hãy dán dự thảo, hoặc tải tệp lên trong trường multipart 'file'",
                    "text is empty: paste the draft, or upload it as a file in the multipart field 'file'",
                )
            )
        return value

    @field_validator("name")
    @classmethod
    def _text_name(cls, value: str) -> str:
        name = safe_filename(value)
        if name is None or not name.lower().endswith(_TEXT_SUFFIXES):
            raise ValueError(
                say(
                    f"tên {value!r}: nội dung dán vào cần tên .txt hoặc .md; các loại khác hãy tải tệp lên",
                    f"name {value!r}: give the pasted draft a .txt or .md name, or upload other files",
                )
            )
        return name


@dataclass
class Draft:
    name: str
    data: bytes
    against: list[str]
    format: Format
    stream: bool
    source: str  # "text" | "upload"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def split_refs(text: str) -> list[str]:
    """Directive references typed in one field: "57-NQ/TW, 69-KL/TW" (commas, semicolons or new lines)."""
    return [part.strip() for part in re.split(r"[,;\n]", text) if part.strip()]


async def read_draft(request: Request, svc: Service) -> Draft:
    """The draft from a JSON body or a multipart upload; one clear 4xx error for anything wrong with it."""
    limit_mb = svc.settings.max_file_mb
    if request.headers.get("content-type", "").startswith("multipart/"):
        reader = await read_upload(request, svc.uploads / ".incoming", limit_mb, SUPPORTED_SUFFIXES)
        try:
            assert reader.name is not None and reader.temp is not None
            raw_format = reader.fields.get("format") or "json"
            fmt = _FORMATS.get(raw_format)
            if fmt is None:
                raise HTTPException(
                    422, say(f"định dạng {raw_format!r}: dùng json, md hoặc html", f"format {raw_format!r}: use json, md or html")
                )
            data = await run_in_threadpool(reader.temp.read_bytes)
            stream = reader.fields.get("stream", "").lower() in ("1", "true", "on", "yes")
            return Draft(reader.name, data, split_refs(reader.fields.get("against", "")), fmt, stream, "upload")
        finally:
            reader.discard()
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise HTTPException(
            415,
            say(
                "hãy gửi JSON {'text': …, 'against': […]}, hoặc tệp dự thảo dạng multipart/form-data trong trường 'file'",
                "send JSON {'text': …, 'against': […]}, or the draft as multipart/form-data in the field 'file'",
            ),
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit_mb * 1_000_000:
        raise HTTPException(413, say(f"dự thảo vượt giới hạn {limit_mb:g} MB", f"the draft is over the {limit_mb:g} MB limit"))
    raw = await request.body()
    if len(raw) > limit_mb * 1_000_000:
        raise HTTPException(413, say(f"dự thảo vượt giới hạn {limit_mb:g} MB", f"the draft is over the {limit_mb:g} MB limit"))
    try:
        body = CheckRequest.model_validate_json(raw)
    except ValidationError as exc:
        raise HTTPException(422, validation_message(exc.errors())) from None
    against = [a.strip() for a in body.against if a.strip()]
    return Draft(body.name, body.text.encode("utf-8"), against, body.format, body.stream, "text")


def report_view(svc: Service, report: CheckReport) -> dict[str, Any]:
    """The report as `assistant check --format json` gives it, each piece of evidence with its passage's source
    text around the quote (`context`, as /ask's citations) and its document's index key (`key`)."""
    out = report_json(report)
    catalog = svc.pipeline.catalog
    ids = [e["chunk_id"] for st in out["statements"] for e in st["evidence"]]
    rows = catalog.chunk_rows(dict.fromkeys(ids))
    texts: dict[str, str] = {}
    for st in out["statements"]:
        for e in st["evidence"]:
            if e["chunk_id"] not in rows:
                continue
            chunk, key = rows[e["chunk_id"]]
            if key not in texts:
                texts[key] = catalog.document_text(key)
            e["key"] = key
            e["context"] = quote_context(texts[key], chunk, e["start"], e["end"])
    return out


def record_check(svc: Service, user: User, draft: Draft, report: CheckReport | None, shown: bool, **extra: Any) -> None:
    """Audit: who checked which draft against what, and which documents and passages they were shown."""
    evidence = [e for c in report.checks for e in c.evidence] if report is not None and shown else []
    svc.record(
        user, "check", draft=draft.name, source=draft.source, bytes=len(draft.data), sha256=draft.sha256,
        against=draft.against, resolved=report.against if report else [], format=draft.format,
        statements=len(report.checks) if report else 0, summary=report.counts if report else {},
        errors=report.errors if report else [],
        passages=[{"doc_id": e.doc_id, "chunk_id": e.chunk_id, "start": e.start, "end": e.end} for e in evidence],
        **extra,
    )  # fmt: skip


def rendered(svc: Service, report: CheckReport, fmt: Format) -> dict[str, Any] | Response:
    if fmt == "md":
        return PlainTextResponse(to_markdown(report), media_type="text/markdown; charset=utf-8")
    if fmt == "html":
        return HTMLResponse(to_html(report), headers={"Content-Security-Policy": _REPORT_CSP})
    return report_view(svc, report)


def router() -> APIRouter:
    r = APIRouter(tags=["kiểm tra dự thảo"])

    @r.post("/check", summary="Check a draft against the directives it implements", response_model=None,
            openapi_extra=upload_body(_FORM))  # fmt: skip
    async def check(request: Request, user: User = Depends(require("check"))) -> dict[str, Any] | Response:
        """JSON `{"text": "…", "against": ["57-NQ/TW"], "format": "json", "stream": false}`, or multipart with the
        draft file (.docx .pdf .md .txt .html) in the field `file` and optional `against` ("57-NQ/TW, 69-KL/TW"),
        `format`, `stream`. Returns the report (`format`: json as `assistant check --format json`, each piece of
        evidence with its passage as `context`; md; html). With `stream: true`: server-sent events `progress`
        ({"done", "total"} statements), then `report` (the JSON report) or `error`. 422 when the draft cannot be
        read or a directive is not indexed (one above your clearance counts as not indexed), 413/415 for a file
        too large or of another type, 429 with Retry-After when too many answers and checks are running or waiting."""
        svc = service_of(request)
        draft = await read_draft(request, svc)
        if draft.stream and draft.format != "json":
            raise HTTPException(
                422,
                say(
                    "chế độ stream chỉ trả báo cáo JSON; muốn md hoặc html thì bỏ stream",
                    "stream gives the JSON report; ask for md or html without stream",
                ),
            )
        filters = svc.filters_for(user, Filters())

        work = service_work(svc, draft.name, draft.data, draft.against, filters)

        def refuse(report: CheckReport, channel: str) -> HTTPException:
            record_check(svc, user, draft, report, False, channel=channel, complete=False)
            return HTTPException(422, "; ".join(report.errors))

        if not draft.stream:
            async with svc.answers.slot(request) as held:
                report = await run_check(work, held, svc.answers.run)
            if report.errors:
                raise refuse(report, "api")
            out = await run_in_threadpool(rendered, svc, report, draft.format)
            record_check(svc, user, draft, report, True, channel="api", complete=True)
            return out

        slot = await svc.answers.acquire_for(request)
        run = CheckRun(slot)
        try:
            first = await run.start(svc.answers.run, work)
        except BaseException:
            run.stop()
            raise
        if isinstance(first, CheckReport):  # done before the first statement: it could not be checked
            run.stop()
            if first.errors:
                raise refuse(first, "stream")
            record_check(svc, user, draft, first, True, channel="stream", complete=True)
            return report_view(svc, first)

        def done(report: CheckReport | None, complete: bool) -> None:
            record_check(svc, user, draft, report, complete, channel="stream", complete=complete)

        return HeldStreamingResponse(
            stream_check(run, first, lambda rep: report_view(svc, rep), done),
            run.holder,
            media_type="text/event-stream; charset=utf-8",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return r
