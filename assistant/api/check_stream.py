"""A draft check streamed as server-sent events: progress per statement, then the report.

The check runs on an answer thread (it holds an answer slot and the model lock); the checker's progress
callback hands each step to the event loop. A check can take minutes, so when its client goes away it is
stopped at the next statement (the callback raises), and its answer slot is given back only once the work
has really ended, not merely its response.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from assistant.api.ask import sse
from assistant.api.limits import Slot
from assistant.check.results import CheckReport

log = logging.getLogger(__name__)
Step = tuple[int, int]  # (statements done, statements in all)


class CheckCancelled(Exception):
    """Raised inside the check when its client has gone: the check stops at the next statement."""


class CheckRun:
    """One check on an answer thread. Call it as the checker's progress callback; `next()` on the event loop
    gives each step and finally the report; `stop()` ends it and gives the slot back when the work has ended."""

    def __init__(self, slot: Slot) -> None:
        self._slot = slot
        self._loop = asyncio.get_running_loop()
        self._steps: asyncio.Queue[Step] = asyncio.Queue()
        self._stop = threading.Event()
        self._task: asyncio.Future[CheckReport] | None = None
        self.holder = _Holder(self)

    def __call__(self, done: int, total: int) -> None:  # on the answer thread
        if self._stop.is_set():
            raise CheckCancelled("the client went away")
        self._loop.call_soon_threadsafe(self._steps.put_nowait, (done, total))

    async def start(self, run: Callable[[Work, CheckRun], Awaitable[CheckReport]], work: Work) -> Step | CheckReport:
        """Start `work(self)` with `run` (the answer limiter's); the first step, or the report if it ended before one."""
        self._task = asyncio.ensure_future(run(work, self))
        return await self.next()

    async def next(self) -> Step | CheckReport:
        """The next progress step; once the check has ended and every step was taken, its report (or its exception)."""
        assert self._task is not None
        while self._steps.empty() and not self._task.done():
            getter = asyncio.ensure_future(self._steps.get())
            waits: set[asyncio.Future[Any]] = {self._task, getter}
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                if not getter.done():
                    getter.cancel()
            if getter.done() and not getter.cancelled():
                return getter.result()
        if not self._steps.empty():
            return self._steps.get_nowait()
        return self._task.result()

    def stop(self) -> None:
        """Stop the check at its next statement; the slot goes back when its work has ended. Idempotent."""
        self._stop.set()
        task = self._task
        if task is None or task.done():
            self._finished(task)
        else:
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Future[CheckReport] | None) -> None:
        if task is not None and not task.cancelled():
            task.exception()  # retrieved: a stopped check's CheckCancelled is expected, and others were reported
        self._slot.release()


Work = Callable[[CheckRun], CheckReport]


class _Holder:
    """What the streamed response releases when it ends: stops the check, then the slot follows its work."""

    def __init__(self, run: CheckRun) -> None:
        self._run = run

    def release(self) -> None:
        self._run.stop()


async def stream_check(
    run: CheckRun,
    first: Step,
    view: Callable[[CheckReport], dict[str, Any]],
    done: Callable[[CheckReport | None, bool], None],
) -> AsyncGenerator[bytes, None]:
    """`progress` events ({"done", "total"}), then `report` (the JSON report), or `error` if the check fails
    midway. `done(report shown or None, completed)` runs at the end, however the stream ends."""
    shown: CheckReport | None = None
    try:
        step: Step | CheckReport = first
        while isinstance(step, tuple):
            yield sse("progress", {"done": step[0], "total": step[1]})
            step = await run.next()
        if step.errors:
            yield sse("error", {"detail": "; ".join(step.errors)})
        else:
            payload = view(step)
            shown = step
            yield sse("report", payload)
    except Exception as exc:
        log.exception("draft check failed")
        yield sse("error", {"detail": f"{type(exc).__name__}: {exc}"})
    finally:
        run.stop()
        done(shown, shown is not None)
