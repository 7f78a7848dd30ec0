"""The app factory: `create_app(settings, pipeline)` builds the service around a pipeline the caller
owns; nothing is built at import time, and models load on first use as everywhere else.

Pipeline work runs in the threadpool; one lock serialises everything that uses a model or writes
the index (questions, each statement of a draft check, uploads, deletions, evaluation items), served in arrival
order (`model_lock.py`), so two requests never run the LLM at once and a long check lets others in between its
statements. Answers and draft checks are admitted by a limiter first (`limits.py`): a few run or wait, the rest get 429 with
Retry-After; waiting holds no worker thread. Reading the catalog (listings, document views) takes no
lock and stays responsive during long answers. JSON is UTF-8 with Vietnamese text unescaped, and says so in its Content-Type.

Routes (permissions in `assistant.access.clearance`):
  /auth/login /auth/logout /auth/me      auth.py
  /ask                                   ask.py
  /check                                 check.py (streamed progress: check_stream.py)
  /documents, /documents/{key}           documents.py
  /eval/sets, /eval/runs, /eval/runs/{id} evals.py
  /v1/models, /v1/chat/completions       openai_compat.py
  /, /library, /check, /evals, /login, /static web.py
  /docs, /openapi.json, /docs-assets       apidocs.py (signed-in users only)
  /health                                here
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.access.audit import AuditLog
from assistant.access.users import User, UserStore
from assistant.api import apidocs, ask, auth, check, documents, evals, openai_compat, web
from assistant.api.limits import Busy, ClientGone, busy_response
from assistant.api.messages import http_phrase, say, validation_message
from assistant.api.refusals import AuditRefusals, RefusalLog
from assistant.api.service import TITLE, Service, ServiceError
from assistant.ingest.indexer import IndexMismatch
from assistant.models import ModelError
from assistant.pipeline import Pipeline
from assistant.settings import Settings

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


def open_users(settings: Settings) -> UserStore:
    return UserStore(settings.index_dir / "users.sqlite")


def open_audit(settings: Settings) -> AuditLog:
    return AuditLog(settings.index_dir / "audit.jsonl", settings.audit_head_path)


def create_app(
    settings: Settings, pipeline: Pipeline, *, users: UserStore | None = None, audit: AuditLog | None = None
) -> FastAPI:
    """The service over `pipeline`. The caller owns the pipeline (and closes it); the user store and the
    audit log default to `users.sqlite` and `audit.jsonl` in the index dir."""
    service = Service(settings, pipeline, users or open_users(settings), audit or open_audit(settings))
    refusals = RefusalLog(service.audit)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        refusals.flush()  # counts of refusals left out of the log by the flood bound

    app = FastAPI(
        lifespan=lifespan,
        docs_url=None,  # /docs and /openapi.json for signed-in users, offline: apidocs.py
        redoc_url=None,
        openapi_url=None,
        title=TITLE,
        version="0.2.0",
        description="Hỏi đáp có trích dẫn kiểm chứng trên các văn bản đã nạp, theo độ mật của từng người dùng; "
        "thư viện văn bản; đánh giá; nhật ký kiểm toán. Xác thực: `Authorization: Bearer <token>` hoặc cookie phiên.",
    )
    app.state.service = service
    app.state.refusals = refusals
    app.add_middleware(_JSONCharset)
    app.add_middleware(AuditRefusals, refusals=refusals)

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        if exc.note:
            request.state.note = exc.note  # for the audit of refusals only; never in the response
        return JSONResponse({"detail": exc.detail}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's list stays in `detail` for API clients; `message` says it in Vietnamese for people
        body = {"detail": jsonable_encoder(exc.errors()), "message": validation_message(exc.errors())}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        exc.detail = http_phrase(exc.detail)  # "Not Found" and the like, from routing
        return await http_exception_handler(request, exc)

    @app.exception_handler(Busy)
    async def _busy(request: Request, exc: Busy) -> JSONResponse:
        return busy_response(exc)

    @app.exception_handler(ClientGone)
    async def _client_gone(request: Request, exc: ClientGone) -> Response:
        return Response(status_code=499)

    @app.exception_handler(IndexMismatch)
    async def _index_mismatch(request: Request, exc: IndexMismatch) -> JSONResponse:
        return JSONResponse({"detail": say("chỉ mục không khớp với cấu hình hiện tại", str(exc))}, status_code=409)

    @app.exception_handler(ModelError)
    async def _model_missing(request: Request, exc: ModelError) -> JSONResponse:
        return JSONResponse({"detail": say("mô hình chưa sẵn sàng", str(exc))}, status_code=503)

    @app.get("/health", summary="Service status (document count and models only when authenticated)", tags=["dịch vụ"])
    def health(request: Request, user: User | None = Depends(auth.optional_user)) -> dict[str, Any]:
        return service.health(user)

    for module in (auth, ask, check, documents, evals, openai_compat, web):
        app.include_router(module.router())
    app.mount("/static", web.static_files(), name="static")
    apidocs.install(app)
    return app


def serve(settings: Settings, pipeline: Pipeline, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the service with uvicorn in this process (one worker: the index and the lock are per process)."""
    import uvicorn

    app = create_app(settings, pipeline)
    if not app.state.service.users.users():
        print("no users yet: add one with  assistant users add NAME --role admin --clearance 'tối mật'", flush=True)
    uvicorn.run(app, host=host, port=port, timeout_keep_alive=settings.keep_alive_s)
