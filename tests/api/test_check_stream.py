"""A streamed draft check: every progress step in order, then the report; a failure midway ends with an error
event; a client that leaves stops the check before its next statement (at once if it waits for its turn), and
the answer slot is given back only when the check's work has really ended."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from assistant.api.check_stream import CheckRun, stream_check
from assistant.api.check_turns import CheckWork
from assistant.api.limits import AnswerLimiter
from assistant.check.plan import CheckPlan
from assistant.check.results import CheckReport, StatementCheck
from assistant.check.statements import Statement


def draft_work(statements: int, check: Callable[[int], None] = lambda i: None) -> tuple[CheckWork, list[int]]:
    """A check of `statements` statements whose step `check(i)` runs for statement i; the statements checked."""
    checked: list[int] = []

    def begin() -> CheckPlan:
        texts = [f"Câu {i}." for i in range(1, statements + 1)]
        return CheckPlan(CheckReport("du-thao.md", []), [Statement(i, t, "", i, 0, len(t)) for i, t in enumerate(texts, 1)])

    def step(plan: CheckPlan) -> None:
        st = plan.statements[plan.done]
        check(st.n)
        checked.append(st.n)
        plan.report.checks.append(StatementCheck(st, "not_covered"))

    return CheckWork(begin, step), checked


def collect(work: CheckWork, limiter: AnswerLimiter) -> tuple[list[bytes], list[tuple[bool, bool]]]:
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
    work, checked = draft_work(3)
    events, recorded = collect(work, limiter)
    assert [e.split(b"\n")[0] for e in events] == [b"event: progress"] * 4 + [b"event: report"]
    assert events[1] == b'event: progress\ndata: {"done": 1, "total": 3}\n\n'
    assert events[-1] == b'event: report\ndata: {"draft": "du-thao.md"}\n\n'
    assert checked == [1, 2, 3]
    assert recorded == [(True, True)]
    assert limiter.stats()["running"] == 0


def test_a_failure_midway_is_an_error_event() -> None:
    limiter = AnswerLimiter(concurrent=1, queued=0, wait_s=1)

    def check(n: int) -> None:
        if n == 2:
            raise ValueError("backend fell over")

    events, recorded = collect(draft_work(3, check)[0], limiter)
    assert [e.split(b"\n")[0] for e in events] == [b"event: progress"] * 2 + [b"event: error"]
    assert b"backend fell over" in events[-1]
    assert recorded == [(False, False)]
    assert limiter.stats()["running"] == 0


def test_a_client_that_leaves_stops_the_check_and_the_slot_follows_the_work() -> None:
    limiter = AnswerLimiter(concurrent=1, queued=0, wait_s=1)
    gate = threading.Event()

    def hold(n: int) -> None:  # statement 1 is in progress when the client leaves
        gate.wait(10)

    work, checked = draft_work(50, hold)
    held_after_leaving: list[int] = []

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
    assert checked == [1]  # stopped before the next statement


def test_a_check_waiting_for_its_turn_when_its_client_leaves_gives_its_place_up_at_once() -> None:
    limiter = AnswerLimiter(concurrent=1, queued=1, wait_s=5)
    gate = threading.Event()

    def hold(n: int) -> None:
        gate.wait(10)

    work, checked = draft_work(3, hold)
    seen: dict[str, tuple[int, int]] = {}

    async def main() -> None:
        run = CheckRun(await limiter.acquire())
        first = await run.start(limiter.run, work)
        assert isinstance(first, tuple)
        events = stream_check(run, first, lambda r: {}, lambda r, complete: None)
        assert (await events.__anext__()).startswith(b"event: progress")  # statement 1 in progress
        answer = asyncio.create_task(limiter.acquire())  # an answer joins the line
        while limiter.stats()["queued"] == 0:
            await asyncio.sleep(0.01)
        gate.set()  # statement 1 ends: the check passes its slot to the answer and waits behind it
        got = await answer
        assert (await events.__anext__()).startswith(b"event: progress")  # {done: 1}
        seen["check waiting"] = (limiter.stats()["running"], limiter.stats()["queued"])
        await events.aclose()  # the client leaves while the check waits for its turn
        run.holder.release()
        await asyncio.sleep(0)
        seen["check gone"] = (limiter.stats()["running"], limiter.stats()["queued"])
        got.release()

    asyncio.run(main())
    assert seen == {"check waiting": (1, 1), "check gone": (1, 0)}  # the answer runs; the check left the line
    assert limiter.stats()["running"] == 0  # the answer's slot was not handed to the departed check
    assert checked == [1]
