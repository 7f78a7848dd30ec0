"""The interactive API docs, offline: `/docs` is Swagger UI from the `fastapi-offline` package's copy of its
assets (installed with the project; nothing is fetched from elsewhere), started by our own script so the page
keeps the same Content-Security-Policy as every other page (no inline script). The page and the OpenAPI schema
(`/openapi.json`) are for signed-in users only: the page redirects to the login page, the schema answers 401.
There is no `/redoc`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from assistant.access.users import User
from assistant.api.auth import current_user, optional_user
from assistant.api.web import SECURITY_HEADERS

ASSETS = "/docs-assets"
_PAGE = f"""<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>API của Trợ lý nghiên cứu văn bản</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="/static/apidocs.js"></script>
</body>
</html>
"""


def assets_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).resolve().parent / "static"


def install(app: FastAPI) -> None:
    """Add /docs, /openapi.json and the assets to `app` (made with docs_url, redoc_url and openapi_url None)."""
    r = APIRouter(include_in_schema=False)

    @r.get("/docs")
    def docs(user: User | None = Depends(optional_user)) -> Response:
        if user is None:
            return RedirectResponse("/login", status_code=303)
        return HTMLResponse(_PAGE, headers=SECURITY_HEADERS)

    @r.get("/openapi.json")
    def schema(user: User = Depends(current_user)) -> JSONResponse:
        body: dict[str, Any] = app.openapi()
        return JSONResponse(body)

    app.include_router(r)
    app.mount(ASSETS, StaticFiles(directory=assets_dir()), name="docs-assets")
