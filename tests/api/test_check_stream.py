"""A streamed draft check: every progress step in order, then the report; a failure midway ends with an error
event; a client that leaves stops the check at its next statement, and the answer slot is given back only when
the check's work has really ended."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from assistant.api.check_stream import CheckRun, stream_check
from assistant.api.limits import AnswerLimiter
from assistant.check.results import CheckReport


def collect(work: Callable[[CheckRun], CheckReport], limiter: AnswerLimiter) -> tuple[list[bytes], list[tuple[bool, bool]]]:
    recorded: list[tuple[bool, bool]] = []

    async def main() -> list[bytes]:
        run = CheckRun(await limiter.acquire())
        first = await run.start(limiter.run, work)
        assert isinstance(first, tuple)
        events = stream_check(
            run, first, lambda r: {"draft": r.draft}, lambda r, complete: recorded.append((r is not None, complete))
        )
        return [event async for event in events]

    return asyncio.run(main()), recorded


def test_progress_then_the_report_and_the_slot_given_back() -> None:
    limiter = AnswerLimiter(concurrent=1, queued=0, wait_s=1)

    def work(progress: CheckRun) -> CheckReport:
        for i in range(4):
            progress(i, 3)
        return CheckReport("du-thao.md", [])

    events, recorded = collect(work, limiter)
    assert [e.split(b"\n")[0] for e in events] == [b"event: progress"] * 4 + [b"event: report"]
    assert events[1] == b'event: progress\ndata: {"done": 1, "total": 3}\n\n'
    assert events[-1] == b'event: report\ndata: {"draft": "du-thao.md"}\n\n'
    assert recorded == [(True, True)]
    assert limiter.stats()["running"] == 0


def test_a_failure_midway_is_an_error_event() -> None:
    limiter = AnswerLimiter(concurrent=1, queued=0, wait_s=1)

    def work(progress: CheckRun) -> CheckReport:
        progress(0, 2)
        raise ValueError("backend fell over")

    events, recorded = collect(work, limiter)
    assert events[-1].startswith(b"event: error\n") and b"backend fell over" in events[-1]
    assert recorded == [(False, False)]
    assert limiter.stats()["running"] == 0


def test_a_client_that_leaves_stops_the_check_and_the_slot_follows_the_work() -> None:
    limiter = AnswerLimiter(concurrent=1, queued=0, wait_s=1)
    gate = threading.Event()
    checked: list[int] = []
    held_after_leaving: list[int] = []

    def work(progress: CheckRun) -> CheckReport:
        progress(0, 50)
        gate.wait(10)  # the first statement is still being checked when the client leaves
        for i in range(1, 51):
            progress(i, 50)
            checked.append(i)
        return CheckReport("du-thao.md", [])

    async def main() -> None:
        run = CheckRun(await limiter.acquire())
        first = await run.start(limiter.run, work)
        assert isinstance(first, tuple)
        events = stream_check(run, first, lambda r: {}, lambda r, complete: None)
        assert (await events.__anext__()).startswith(b"event: progress")
        await events.aclose()
        run.holder.release()  # what the streamed response does when it ends
        held_after_leaving.append(limiter.stats()["running"])
        gate.set()
        for _ in range(500):
            if limiter.stats()["running"] == 0:
                return
            await asyncio.sleep(0.01)

    asyncio.run(main())
    assert held_after_leaving == [1]  # not given back while the statement in progress ran
    assert limiter.stats()["running"] == 0
    assert checked == []  # stopped at the next statement
