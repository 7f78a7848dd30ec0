"""The document library: list, view, upload, delete — each limited to the caller's clearance."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from assistant.access.clearance import parse_level
from assistant.access.users import User
from assistant.api.auth import require, service_of
from assistant.api.intake import remove_upload, report_json, store_and_ingest
from assistant.api.messages import ingest_message, say
from assistant.api.service import document_json
from assistant.api.upload import read_upload, upload_body
from assistant.ingest.load import SUPPORTED_SUFFIXES
from assistant.types import ACCESS_LEVELS

_LEVEL_FIELD = {
    "access_level": {
        "type": "string",
        "enum": list(ACCESS_LEVELS),
        "description": "Access level of the document (default: the setting upload_access_level); at most your clearance.",
    }
}


def router() -> APIRouter:
    r = APIRouter(tags=["văn bản"])

    @r.get("/documents", summary="Indexed documents within your clearance")
    def list_documents(request: Request, user: User = Depends(require("read"))) -> list[dict[str, Any]]:
        svc = service_of(request)
        counts = svc.pipeline.catalog.passage_counts()
        docs = [document_json(rec, counts.get(rec.meta.key, 0)) for rec in svc.documents(user)]
        svc.record(user, "documents.list", count=len(docs))
        return docs

    @r.get("/documents/{key:path}", summary="One document: metadata, relations, text and passages with offsets")
    def get_document(key: str, request: Request, user: User = Depends(require("read"))) -> dict[str, Any]:
        """404 for an unknown document and for one above your clearance alike."""
        svc = service_of(request)
        rec = svc.resolve(user, key)
        view = svc.document_view(user, rec)
        svc.record(user, "document.view", doc_id=rec.meta.doc_id, key=rec.meta.key, passages=len(view["chunks"]))
        return view

    @r.post("/documents", summary="Upload and index one file", openapi_extra=upload_body(_LEVEL_FIELD), status_code=201)
    async def upload(request: Request, response: Response, user: User = Depends(require("upload"))) -> dict[str, Any]:
        """Multipart field `file` (.pdf .docx .html .htm .md .markdown .txt) and optional `access_level`.
        201 when added or replaced, 200 when unchanged or a duplicate of an indexed document, 413 over the
        size limit, 415 for other types, 422 when the file cannot be ingested or the level is unknown,
        403 for a level above your clearance."""
        svc = service_of(request)
        reader = await read_upload(request, svc.uploads / ".incoming", svc.settings.max_file_mb, SUPPORTED_SUFFIXES)
        try:
            raw_level = reader.fields.get("access_level") or svc.settings.upload_access_level
            try:
                level = parse_level(raw_level)
            except ValueError as exc:
                raise HTTPException(
                    422, say(f"độ mật {raw_level!r} không có; dùng một trong: {', '.join(ACCESS_LEVELS)}", str(exc))
                ) from None
            if level not in svc.levels_for(user):
                raise HTTPException(
                    403,
                    say(
                        f"độ mật {level!r} cao hơn độ mật của bạn ({user.clearance})",
                        f"access level {level!r} is above your clearance ({user.clearance})",
                    ),
                )
            assert reader.name is not None and reader.temp is not None
            report, key = await run_in_threadpool(store_and_ingest, svc, user, reader.temp, reader.name, level)
        finally:
            reader.discard()
        svc.record(
            user, "document.upload", file=reader.name, status=report.status, doc_id=report.doc_id, key=key,
            access_level=level, bytes=reader.size,
        )  # fmt: skip
        if report.status == "failed":
            raise HTTPException(422, f"{reader.name}: {ingest_message(report.message, failed=True)}")
        if report.status in ("unchanged", "duplicate"):
            response.status_code = 200
        return report_json(report, reader.name, key, level)

    def delete_locked(key: str, user: User, svc: Any) -> tuple[str, str]:
        with svc.lock:
            rec = svc.resolve(user, key)
            svc.pipeline.delete(rec.meta.key)
            remove_upload(svc, rec.source_path)
            return rec.meta.doc_id, rec.meta.key

    @r.delete("/documents/{key:path}", summary="Remove a document from the index", status_code=204)
    async def delete_document(key: str, request: Request, user: User = Depends(require("delete"))) -> Response:
        """Removes its passages and vectors; a file uploaded through the service is deleted too."""
        svc = service_of(request)
        doc_id, k = await run_in_threadpool(delete_locked, key, user, svc)
        svc.record(user, "document.delete", doc_id=doc_id, key=k)
        return Response(status_code=204)

    return r
