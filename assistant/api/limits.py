"""Bounded answer generation: how many answers run at once, how many may wait, and for how long.

The LLM is one in-process model (or one server); answers generated side by side only slow each other
down. So at most `max_concurrent_answers` answers hold a slot; up to `max_queued_answers` more wait for
one, in arrival order, for at most `answer_queue_wait_s`. Waiting happens on the event loop and holds no
worker thread, so listings and document views stay responsive while answers queue. A request that finds
the queue full, or waits too long, is refused with `Busy`: 429 with a Retry-After header (an estimate
from recent answer times) and a Vietnamese + English message, never a 5xx.

The work of an answer (retrieval and generation) runs on the limiter's own threads, one per slot
(`AnswerLimiter.run`), not on whichever worker of the shared pool is free: the model's large, short-lived
buffers then stay in those threads' malloc arenas instead of spreading over every worker's, which under
load made the server's memory climb by hundreds of MB (see README, "Load test").

Long work takes turns: a draft check holds its slot only while it checks a statement, and between two
statements passes it to the first in line (`Slot.pass_turn`) and waits at the back of the line for it to come
round, never refused (it was admitted already). So answers that arrive during a check wait one statement,
not the whole check, and a check is never starved: answers that arrive after it queue behind it.

A slot is released exactly once, however the request ends: normally, on an exception, when the task is
cancelled, or, for a streamed answer, when the response ends or the client goes away (`HeldStreamingResponse`).
The state sits behind a thread lock and each waiter wakes on its own event loop, so a slot can be released
from any thread or loop.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.types import Receive, Scope, Send

_FIRST_ESTIMATE_S = 10.0  # assumed answer time until one has been measured
_SMOOTHING = 0.3  # weight of the newest answer time in the running estimate
_MAX_RETRY_AFTER_S = 3600
T = TypeVar("T")


class ClientGone(Exception):
    """The client went away while its request waited for a slot (answered 499, which nobody reads)."""


class Busy(Exception):
    """Too many answers in progress: answered 429 with Retry-After."""

    def __init__(self, retry_after: int, reason: str) -> None:
        self.retry_after = retry_after
        self.reason = reason  # "queue full" | "queue wait"
        super().__init__(message(retry_after))


def message(retry_after: int) -> str:
    return (
        f"Máy chủ đang bận trả lời các câu hỏi khác; vui lòng thử lại sau {retry_after} giây. "
        f"/ The server is busy answering other questions; please retry in {retry_after} s."
    )


def busy_response(exc: Busy) -> JSONResponse:
    """429 with Retry-After; `detail` for our pages and API clients, `error` for OpenAI-compatible clients."""
    body = {
        "detail": str(exc),
        "retry_after": exc.retry_after,
        "error": {"message": str(exc), "type": "server_busy", "code": "rate_limit_exceeded"},
    }
    return JSONResponse(body, status_code=429, headers={"Retry-After": str(exc.retry_after)})


@dataclass
class _Waiter:
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]
    granted: bool = False


class Slot:
    """A held answer slot. `release()` may be called any number of times, from any thread; it counts once."""

    def __init__(self, limiter: AnswerLimiter) -> None:
        self._limiter = limiter
        self._started = time.monotonic()
        self._once = threading.Lock()
        self._released = False

    @property
    def released(self) -> bool:
        return self._released

    def release(self) -> None:
        with self._once:
            if self._released:
                return
            self._released = True
        self._limiter._release(time.monotonic() - self._started)

    async def pass_turn(self) -> None:
        """Between two units of long work (a draft check's statements): if anyone waits for a slot, hand this one
        to the first in line and wait at the back of the line for one to come round again. The holder was admitted
        already, so it is never refused (no queue limit, no wait limit). Returns at once when nobody waits. If the
        wait is cancelled, the slot has gone on to others and `release()` does nothing."""
        if self._released:
            raise RuntimeError("pass_turn on a released slot")
        if await self._limiter._pass_turn(self):
            self._started = time.monotonic()  # the estimate counts this holder's time from its new turn

    def _lapse(self) -> None:
        """The slot was handed on and not got back: it is no longer held, and nothing is counted."""
        with self._once:
            self._released = True


@dataclass
class AnswerLimiter:
    concurrent: int
    queued: int
    wait_s: float
    estimate_s: float = _FIRST_ESTIMATE_S  # running estimate of one answer's time (exponentially smoothed)
    refused: int = 0
    _active: int = 0
    _waiters: deque[_Waiter] = field(default_factory=deque)
    _mutex: threading.Lock = field(default_factory=threading.Lock)
    _threads: ThreadPoolExecutor = field(init=False)

    def __post_init__(self) -> None:
        if self.concurrent < 1 or self.queued < 0 or self.wait_s <= 0:
            raise ValueError(f"bad answer limits: {self.concurrent} at once, {self.queued} queued, {self.wait_s} s wait")
        self._threads = ThreadPoolExecutor(self.concurrent, thread_name_prefix="answer")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` on an answer thread (the caller holds a slot, so one is free). A worker of the shared pool
        waits for it, which keeps Starlette's handling of cancellation: the call always runs to its end."""
        return await run_in_threadpool(lambda: self._threads.submit(fn, *args).result())

    def stats(self) -> dict[str, Any]:
        with self._mutex:
            return {
                "running": self._active, "queued": len(self._waiters), "max_running": self.concurrent,
                "max_queued": self.queued, "refused": self.refused, "answer_estimate_s": round(self.estimate_s, 1),
            }  # fmt: skip

    def _retry_after(self) -> int:
        """Seconds until the queue has likely drained enough for a new request (the mutex is held)."""
        ahead = self._active + len(self._waiters)
        return max(1, min(_MAX_RETRY_AFTER_S, math.ceil(self.estimate_s * ahead / self.concurrent)))

    async def acquire(self) -> Slot:
        """A slot, at once or after waiting in line; `Busy` when the line is full or the wait too long."""
        loop = asyncio.get_running_loop()
        with self._mutex:
            if self._active < self.concurrent and not self._waiters:
                self._active += 1
                return Slot(self)
            if len(self._waiters) >= self.queued:
                self.refused += 1
                raise Busy(self._retry_after(), "queue full")
            waiter = _Waiter(loop, loop.create_future())
            self._waiters.append(waiter)
        try:
            async with asyncio.timeout(self.wait_s):  # not wait_for: in 3.11 it can swallow a cancellation
                await waiter.future
        except BaseException as exc:  # timed out or cancelled: leave the line, or give back a slot granted meanwhile
            with self._mutex:
                granted = waiter.granted
                if not granted:
                    self._waiters.remove(waiter)
                    if isinstance(exc, TimeoutError):
                        self.refused += 1
                        raise Busy(self._retry_after(), "queue wait") from None
            if not isinstance(exc, TimeoutError):
                if granted:
                    self._release(None)
                raise
            # granted just as the wait ran out: keep the slot
        return Slot(self)

    async def acquire_for(self, request: Request) -> Slot:
        """A slot for `request`; if its client left while it waited, the slot goes to the next in line."""
        held = await self.acquire()
        if await request.is_disconnected():
            held.release()
            raise ClientGone()
        return held

    @asynccontextmanager
    async def slot(self, request: Request | None = None) -> AsyncIterator[Slot]:
        held = await (self.acquire() if request is None else self.acquire_for(request))
        try:
            yield held
        finally:
            held.release()

    def _release(self, held_s: float | None) -> None:
        with self._mutex:
            if held_s is not None:
                self.estimate_s += _SMOOTHING * (held_s - self.estimate_s)
            if not self._hand_on():
                self._active -= 1

    def _hand_on(self) -> bool:
        """Give a held slot to the first waiter whose loop still runs; False when there is none (mutex held)."""
        while self._waiters:
            waiter = self._waiters.popleft()
            try:
                waiter.loop.call_soon_threadsafe(_wake, waiter.future)
            except RuntimeError:  # its event loop is closed: nobody is waiting there any more
                continue
            waiter.granted = True
            return True
        return False

    async def _pass_turn(self, slot: Slot) -> bool:
        """`Slot.pass_turn`: True when the slot went to a waiter and has come back."""
        loop = asyncio.get_running_loop()
        with self._mutex:
            if not self._hand_on():
                return False
            waiter = _Waiter(loop, loop.create_future())
            self._waiters.append(waiter)  # at the back, and counted in the line like any other waiter
        try:
            await waiter.future
        except BaseException:  # cancelled while waiting: leave the line, or keep a slot granted meanwhile
            with self._mutex:
                if not waiter.granted:
                    self._waiters.remove(waiter)
                    slot._lapse()
            raise
        return True


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Held(Protocol):
    """What a streamed response holds: a `Slot`, or something that gives one back (a draft check's run)."""

    def release(self) -> None: ...


class HeldStreamingResponse(StreamingResponse):
    """A streamed response that holds an answer slot until it ends, however it ends (finished, failed, client
    gone): the body's generator is closed first (its `finally` releases the model lock), then the slot."""

    def __init__(self, content: Any, slot: Held, **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self.slot = slot

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            try:
                aclose: Callable[[], Any] | None = getattr(self.body_iterator, "aclose", None)
                if aclose is not None:
                    await aclose()
            finally:
                self.slot.release()
