"""Every refusal on record: a request answered 400, 401, 403, 404, 405, 413, 415, 422 or 429 is written to the
audit log as `refused`, with the actor when known (else `?` and the client address), the method, the route,
the path, the status and the reason (the response's `detail`, cut to 300 characters). Failed and refused
logins are recorded by the login route itself (`login.failed`, `login.refused`) through the same bound.

A flood of refusals cannot grow the log without bound: per actor (or client address when anonymous), route and
status, at most `PER_KEY` entries are written in any minute, and at most `PER_MINUTE` refusal entries in all;
the rest are counted, and each count is written once as `refused.suppressed` (with the key, the count and the
minute) when that minute is over, at the next refusal or at shutdown. So refusals add at most about
`PER_MINUTE` + the number of distinct keys lines a minute, however many arrive.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.access.audit import AuditLog

REFUSED = frozenset({400, 401, 403, 404, 405, 413, 415, 422, 429})
PER_KEY = 5
PER_MINUTE = 120
_WINDOW_S = 60.0
_BODY_MAX = 4096
_REASON_MAX = 300


class RefusalLog:
    """Writes refusals to the audit log, at most PER_KEY per key and PER_MINUTE in all per minute."""

    def __init__(self, audit: AuditLog, *, per_key: int = PER_KEY, per_minute: int = PER_MINUTE,
                 clock: Any = time.monotonic) -> None:  # fmt: skip
        self.audit = audit
        self.per_key = per_key
        self.per_minute = per_minute
        self._clock = clock
        self._lock = threading.Lock()
        self._window = -1  # the current minute (clock // 60)
        self._written = 0  # refusal entries written in this minute
        self._counts: dict[tuple[str, str, int], int] = {}  # key -> refusals this minute
        self._suppressed: dict[tuple[str, str, int], int] = {}  # key -> refusals not written this minute

    def record(self, actor: str, action: str, key: tuple[str, str, int], **details: Any) -> bool:
        """Record one refusal; False when it was only counted (the flood bound)."""
        with self._lock:
            self._roll()
            n = self._counts[key] = self._counts.get(key, 0) + 1
            if n > self.per_key or self._written >= self.per_minute:
                self._suppressed[key] = self._suppressed.get(key, 0) + 1
                return False
            self._written += 1
        self.audit.append(actor, action, **details)
        return True

    def flush(self) -> None:
        """Write the counts of refusals left out so far (at shutdown)."""
        with self._lock:
            pending, self._suppressed = self._suppressed, {}
            minute = self._window
        self._write_suppressed(pending, minute)

    def _roll(self) -> None:
        minute = int(self._clock() // _WINDOW_S)
        if minute == self._window:
            return
        pending, old = self._suppressed, self._window
        self._window, self._written, self._counts, self._suppressed = minute, 0, {}, {}
        if pending:  # written outside the counting, under the lock: a few lines, once per minute at most
            self._write_suppressed(pending, old)

    def _write_suppressed(self, pending: dict[tuple[str, str, int], int], minute: int) -> None:
        for (who, route, status), count in sorted(pending.items()):
            self.audit.append(who, "refused.suppressed", route=route, status=status, count=count,
                              minutes_ago=max(0, int(self._clock() // _WINDOW_S) - minute))  # fmt: skip


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else ""


def _reason(body: bytes) -> str:
    try:
        detail = json.loads(body.decode("utf-8")).get("detail", "")
    except (ValueError, AttributeError):
        return ""
    text = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)
    return text[:_REASON_MAX]


class AuditRefusals:
    """ASGI middleware: records each refused request (see the module docstring). The routes say who asked by
    setting `request.state.actor` (and `token_id` for an unknown or revoked token, `note` for more)."""

    def __init__(self, app: ASGIApp, refusals: RefusalLog, skip: tuple[str, ...] = ("/auth/login",)) -> None:
        self.app = app
        self.refusals = refusals
        self.skip = skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.skip:
            await self.app(scope, receive, send)
            return
        status = 0
        body = b""

        async def watch(message: Message) -> None:
            nonlocal status, body
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and status in REFUSED and len(body) < _BODY_MAX:
                body += message.get("body", b"")[: _BODY_MAX - len(body)]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            if status in REFUSED:
                self._record(scope, status, body)

    def _record(self, scope: Scope, status: int, body: bytes) -> None:
        state = scope.get("state") or {}
        actor = state.get("actor")
        route = getattr(scope.get("route"), "path", None) or "(no route)"
        client = _client(scope)
        details: dict[str, Any] = {
            "status": status, "method": scope.get("method", ""), "route": route, "path": str(scope.get("path", ""))[:300],
            "reason": _reason(body), "client": client,
        }  # fmt: skip
        if state.get("token_id"):
            details["token_id"] = state["token_id"]
        if state.get("note"):
            details.update(state["note"])
        who = actor or f"?{client}"
        self.refusals.record(actor or "?", "refused", (who, route, status), **details)
