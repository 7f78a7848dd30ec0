"""The browser pages: plain HTML, JavaScript and CSS from `assistant/web/static` (no build step, nothing
fetched from elsewhere). Pages hold no data; they read it from the API with the session cookie.
A page asked for without a valid session redirects to the login page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from assistant.access.users import User
from assistant.api.auth import COOKIE, service_of

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
# path -> page file
PAGES = {"/": "ask.html", "/library": "library.html", "/check": "check.html", "/evals": "evals.html"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-src 'self'; frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def session_user(request: Request) -> User | None:
    sid = request.cookies.get(COOKIE)
    return service_of(request).users.session_user(sid) if sid else None


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC)


def router() -> APIRouter:
    r = APIRouter(include_in_schema=False)

    def page(name: str) -> FileResponse:
        return FileResponse(STATIC / name, media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)

    def page_route(name: str) -> Callable[[Request], Response]:
        def show(request: Request) -> Response:
            if session_user(request) is None:
                return RedirectResponse("/login", status_code=303)
            return page(name)

        return show

    for path, name in PAGES.items():
        r.add_api_route(path, page_route(name), methods=["GET"])

    @r.get("/login")
    def login_page() -> FileResponse:
        return page("login.html")

    return r
