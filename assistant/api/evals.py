"""Evaluation runs over the service's index, at the requester's clearance (see `evaluation.jobs`)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.access.users import User
from assistant.api.auth import require, service_of
from assistant.api.messages import say
from assistant.api.service import Service
from assistant.api.upload import read_upload, upload_body
from assistant.evaluation.jobs import RunInfo


class EvalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    set: str = Field(description="Name of a server-side evaluation set (GET /eval/sets), e.g. sample_smoke.jsonl.")
    retrieval_only: bool = Field(default=False, description="Score retrieval only; no answers.")
    limit: int | None = Field(default=None, ge=1, description="Only the first N questions.")


_REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"  # the report is self-contained
_FORM = {
    "retrieval_only": {"type": "boolean", "description": "Score retrieval only."},
    "limit": {"type": "integer", "description": "Only the first N questions."},
}


def _sets(svc: Service) -> list[str]:
    folder = svc.settings.eval_sets_dir
    return sorted(p.name for p in folder.glob("*.jsonl") if p.is_file()) if folder.is_dir() else []


def _info_json(info: RunInfo) -> dict[str, Any]:
    return asdict(info)


def _start(svc: Service, user: User, path: Path, name: str, retrieval_only: bool, limit: int | None) -> RunInfo:
    try:
        info = svc.jobs.start(owner=user.username, rank=user.rank, items=path, set_name=name, retrieval_only=retrieval_only,
                              limit=limit)  # fmt: skip
    except ValueError as exc:
        raise HTTPException(422, say("tệp câu hỏi không dùng được", str(exc).replace(str(path), name))) from None
    svc.record(user, "eval.start", run=info.id, set=name, retrieval_only=retrieval_only, items=info.total, withheld=info.withheld)
    return info


def router() -> APIRouter:
    r = APIRouter(tags=["đánh giá"])

    @r.get("/eval/sets", summary="Server-side evaluation sets")
    def eval_sets(request: Request, user: User = Depends(require("eval"))) -> list[str]:
        return _sets(service_of(request))

    @r.post("/eval/runs", summary="Start an evaluation run", status_code=202, openapi_extra=upload_body(_FORM))
    async def start_run(request: Request, user: User = Depends(require("eval"))) -> dict[str, Any]:
        """JSON `{"set": "<server-side set>", "retrieval_only": false, "limit": null}`, or multipart with an items
        file (.jsonl) in the field `file`. The run searches only documents within your clearance; items that
        name a document you cannot see (one above your clearance, or one not indexed: the two are never told
        apart) are withheld and only counted. 202 with the run; poll GET /eval/runs/{id}."""
        svc = service_of(request)
        if request.headers.get("content-type", "").startswith("multipart/"):
            reader = await read_upload(request, svc.uploads / ".incoming", svc.settings.eval_upload_mb, {".jsonl"})
            try:
                retrieval_only = reader.fields.get("retrieval_only", "").lower() in ("1", "true", "on", "yes")
                raw_limit = reader.fields.get("limit", "").strip()
                if raw_limit and (not raw_limit.isdigit() or int(raw_limit) < 1):
                    raise HTTPException(
                        422,
                        say(
                            f"giới hạn số câu phải là số dương, không phải {raw_limit!r}",
                            f"limit must be a positive number, not {raw_limit!r}",
                        ),
                    )
                assert reader.temp is not None and reader.name is not None
                info = _start(svc, user, reader.temp, reader.name, retrieval_only, int(raw_limit) if raw_limit else None)
            finally:
                reader.discard()
        else:
            try:
                body = EvalRequest.model_validate_json(await request.body())
            except ValueError as exc:
                raise HTTPException(
                    422,
                    say(
                        "hãy gửi JSON {'set': …} hoặc tệp câu hỏi dạng multipart",
                        f"send JSON {{'set': …}} or a multipart items file: {exc}",
                    ),
                ) from None
            if body.set not in _sets(svc):
                raise HTTPException(
                    404,
                    say(
                        f"không có bộ câu hỏi {body.set!r}; GET /eval/sets liệt kê các bộ",
                        f"no evaluation set {body.set!r}; GET /eval/sets lists them",
                    ),
                )
            info = _start(svc, user, svc.settings.eval_sets_dir / body.set, body.set, body.retrieval_only, body.limit)
        return _info_json(info)

    @r.get("/eval/runs", summary="Evaluation runs you may see")
    def list_runs(request: Request, user: User = Depends(require("eval"))) -> list[dict[str, Any]]:
        return [_info_json(i) for i in service_of(request).jobs.runs(user.rank)]

    def _visible(svc: Service, run_id: str, user: User) -> RunInfo:
        info = svc.jobs.get(run_id, user.rank)
        if info is None:
            raise HTTPException(404, say(f"không có lượt đánh giá {run_id}", f"no evaluation run {run_id}"))
        return info

    @r.get("/eval/runs/{run_id}", summary="An evaluation run: status, then summary and items")
    def get_run(run_id: str, request: Request, user: User = Depends(require("eval"))) -> dict[str, Any]:
        """404 for an unknown run and for one made at a clearance above yours. Items are shown without
        passages of documents above your clearance."""
        svc = service_of(request)
        info = _visible(svc, run_id, user)
        summary, records = svc.jobs.results(info, user.rank)
        if summary is not None:
            svc.record(user, "eval.view", run=run_id, items=len(records))
        return {**_info_json(info), "summary": summary, "items": records}

    @r.get("/eval/runs/{run_id}/report", summary="The run's HTML report", response_class=HTMLResponse)
    def get_report(run_id: str, request: Request, user: User = Depends(require("eval"))) -> HTMLResponse:
        svc = service_of(request)
        info = _visible(svc, run_id, user)
        html = svc.jobs.report_html(info, user.rank)
        if html is None:
            raise HTTPException(
                409,
                say(
                    f"lượt {run_id} chưa xong ({info.status}); báo cáo có khi chạy xong",
                    f"run {run_id} is {info.status}; the report exists once it is done",
                ),
            )
        svc.record(user, "eval.report", run=run_id)
        return HTMLResponse(html, headers={"Content-Security-Policy": _REPORT_CSP})

    return r
