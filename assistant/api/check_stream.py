"""A draft check streamed as server-sent events: progress per statement, then the report.

The check runs unit by unit on the answer threads (`check_turns.py`: the model lock per statement, the answer
slot passed to whoever waits between statements); each step comes to the response through a queue on the event
loop. A check can take minutes, so when its client goes away it is stopped before its next statement (at once
if it is waiting for its turn), and its answer slot is given back only once the work has really ended, not
merely its response.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Callable
from typing import Any

from assistant.api.ask import sse
from assistant.api.check_turns import CheckWork, Runner, run_check
from assistant.api.limits import Slot
from assistant.api.messages import say
from assistant.check.results import CheckReport

log = logging.getLogger(__name__)
Step = tuple[int, int]  # (statements done, statements in all)


class CheckRun:
    """One check, driven on the event loop: `next()` gives each step and finally the report; `stop()` ends it
    and gives the slot back when the work has ended."""

    def __init__(self, slot: Slot) -> None:
        self._slot = slot
        self._steps: asyncio.Queue[Step] = asyncio.Queue()
        self._stop = False
        self._in_unit = False  # a unit runs on an answer thread: it runs to its end
        self._task: asyncio.Future[CheckReport] | None = None
        self.holder = _Holder(self)

    async def start(self, run: Runner, work: CheckWork) -> Step | CheckReport:
        """Start the check's units on `run` (the answer limiter's); the first step, or the report if it ended before one."""

        async def unit(fn: Callable[..., Any], *args: Any) -> Any:
            self._in_unit = True
            try:
                return await run(fn, *args)
            finally:
                self._in_unit = False

        self._task = asyncio.ensure_future(run_check(work, self._slot, unit, self._progress, self._stopped))
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

    def _progress(self, done: int, total: int) -> None:
        self._steps.put_nowait((done, total))

    def _stopped(self) -> bool:
        return self._stop

    def stop(self) -> None:
        """Stop the check before its next statement (a check waiting for its turn leaves the line at once); the
        slot goes back when its work has ended. Idempotent; on the event loop."""
        self._stop = True
        task = self._task
        if task is None or task.done():
            self._finished(task)
            return
        if not self._in_unit:
            task.cancel()  # it waits for its turn (or has not begun): nothing runs on a thread
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Future[CheckReport] | None) -> None:
        if task is not None and not task.cancelled():
            task.exception()  # retrieved: a stopped check's CheckCancelled is expected, and others were reported
        self._slot.release()


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
        yield sse("error", {"detail": say("lỗi khi kiểm tra dự thảo", f"{type(exc).__name__}: {exc}")})
    finally:
        run.stop()
        done(shown, shown is not None)
