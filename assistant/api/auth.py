"""Who is asking: a Bearer token (API clients, Open WebUI) or a session cookie (the browser).

Browser login takes a username and either one of that user's API tokens or their password and
sets an HttpOnly, SameSite=Strict session cookie. A request that changes something with only a
cookie must come from the service's own pages (its Origin, when sent, must match the Host).
Repeated failed logins for one username are refused for a while. Logins, failures and logouts
are audited.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from assistant.access.clearance import ROLE_LABELS, can
from assistant.access.users import User
from assistant.api.messages import say
from assistant.api.service import Service, user_json

COOKIE = "assistant_session"
_FAILS_ALLOWED = 5
_FAIL_WINDOW_S = 900.0
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# permissions (assistant.access.clearance) as the action a refusal names
_ACTIONS = {
    "ask": "hỏi đáp",
    "read": "xem văn bản",
    "upload": "nạp văn bản",
    "check": "kiểm tra dự thảo",
    "eval": "chạy đánh giá",
    "delete": "xoá văn bản",
}


def service_of(request: Request) -> Service:
    svc: Service = request.app.state.service
    return svc


# Declared so that the OpenAPI page (/docs) offers "Authorize" with a token; checked below, not by FastAPI.
_BEARER = HTTPBearer(auto_error=False, description="An API token from `assistant tokens issue USER`.")


def optional_user(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_BEARER)) -> User | None:
    """The authenticated user, or None. A bad Bearer token is an error, not anonymity."""
    svc = service_of(request)
    token = credentials.credentials.strip() if credentials is not None else None
    if token:
        user = svc.users.authenticate_token(token)
        if user is None:
            request.state.token_id = token.partition(".")[0][:32]  # the public id part, for the audit of refusals
            raise HTTPException(
                401,
                say("mã truy cập không hợp lệ hoặc đã bị thu hồi", "invalid or revoked token"),
                headers={"WWW-Authenticate": "Bearer"},
            )
        request.state.actor = user.username
        return user
    sid = request.cookies.get(COOKIE)
    if not sid:
        return None
    user = svc.users.session_user(sid)
    if user is not None:
        request.state.actor = user.username
    if user is not None and request.method in _UNSAFE:
        origin = request.headers.get("origin")
        if origin and urlsplit(origin).netloc != request.headers.get("host"):
            raise HTTPException(403, say("từ chối yêu cầu gửi từ trang khác", "cross-site request refused"))
    return user


def current_user(user: User | None = Depends(optional_user)) -> User:
    if user is None:
        raise HTTPException(
            401,
            say(
                "hãy đăng nhập, hoặc gửi mã truy cập trong 'Authorization: Bearer …'",
                "log in, or send an API token as 'Authorization: Bearer …'",
            ),
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


def require(permission: str) -> Callable[..., User]:
    """A dependency: the user, who must have `permission` (see `assistant.access.clearance`)."""

    def dependency(user: User = Depends(current_user)) -> User:
        if not can(user.role, permission):
            role, action = ROLE_LABELS.get(user.role, user.role), _ACTIONS.get(permission, permission)
            raise HTTPException(403, say(f"vai trò {role} không được {action}", f"the role {user.role!r} may not {permission}"))
        return user

    return dependency


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(max_length=64, description="User name.")
    secret: str = Field(max_length=512, description="One of the user's API tokens, or their password.")


class _Throttle:
    def __init__(self) -> None:
        self._fails: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, name: str) -> bool:
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._fails.get(name, []) if now - t < _FAIL_WINDOW_S]
            self._fails[name] = recent
            return len(recent) >= _FAILS_ALLOWED

    def fail(self, name: str) -> None:
        with self._lock:
            self._fails.setdefault(name, []).append(time.monotonic())

    def clear(self, name: str) -> None:
        with self._lock:
            self._fails.pop(name, None)


def router() -> APIRouter:
    r = APIRouter(tags=["đăng nhập"])
    throttle = _Throttle()

    @r.post("/auth/login", summary="Log in (browser): sets the session cookie")
    def login(body: LoginRequest, request: Request, response: Response) -> dict[str, Any]:
        svc = service_of(request)
        name = body.username.strip().lower()
        if throttle.blocked(name):
            _refused(request, name, "login.refused", 429, reason="too many failures")
            raise HTTPException(
                429,
                say(
                    "đăng nhập sai quá nhiều lần; hãy thử lại sau 15 phút",
                    "too many failed logins for this user; try again in 15 minutes",
                ),
            )
        user = svc.users.authenticate_token(body.secret)
        token_id: str | None = body.secret.strip().partition(".")[0] if user is not None else None
        if user is not None and user.username != name:
            user, token_id = None, None
        if user is None:
            user = svc.users.check_password(name, body.secret)
        if user is None:
            throttle.fail(name)
            _refused(request, name, "login.failed", 401)
            raise HTTPException(401, say("sai tên người dùng, mã truy cập hoặc mật khẩu", "wrong user name, token or password"))
        throttle.clear(name)
        ttl = svc.settings.session_hours * 3600
        sid = svc.users.create_session(user.username, ttl, token_id)
        response.set_cookie(
            COOKIE, sid, max_age=int(ttl), httponly=True, samesite="strict", secure=svc.settings.cookie_secure, path="/"
        )
        svc.record(user, "login", client=_client(request))
        return user_json(user)

    @r.post("/auth/logout", summary="Log out (browser)", status_code=204)
    def logout(request: Request) -> Response:
        svc = service_of(request)
        sid = request.cookies.get(COOKIE)
        user = svc.users.session_user(sid) if sid else None
        if sid:
            svc.users.end_session(sid)
        if user is not None:
            svc.record(user, "logout", client=_client(request))
        response = Response(status_code=204)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=svc.settings.cookie_secure)
        return response

    @r.get("/auth/me", summary="The logged-in user, their role, clearance and permissions")
    def me(request: Request, user: User = Depends(current_user)) -> dict[str, Any]:
        return {**user_json(user), "upload_levels": service_of(request).levels_for(user)}

    return r


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


def _refused(request: Request, name: str, action: str, status: int, **details: Any) -> None:
    """A failed or refused login, on record within the flood bound of `refusals.py`."""
    request.app.state.refusals.record(name or "?", action, (name or "?", "/auth/login", status), client=_client(request),
                                      **details)  # fmt: skip
