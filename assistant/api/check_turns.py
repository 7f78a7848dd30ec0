"""A draft check run one statement at a time, taking turns with the answers.

A check is a series of units: its start (`Pipeline.plan_check`: the draft read, the directives resolved, the
documents it may consult pinned), then one unit per statement (`Checker.check_next`: the statement's retrieval,
its deterministic comparison and, when the rules leave it open, the model's judgement). Each unit runs on an
answer thread and holds the model lock for itself only (reading the draft, which uses neither the model nor
the index, holds nothing). Between two statements:

- whoever waits on the model lock (an upload, a deletion, an evaluation item, an answer admitted beside the
  check) takes it first: the lock is served in arrival order (`model_lock.py`);
- the check passes its answer slot to whoever waits in the answer line (`Slot.pass_turn`) and waits at the back
  of the line for it, so an /ask that arrives during a check is answered after the statement in progress, not
  after the whole check; answers that arrive later queue behind the check, so it is never starved.

Nothing is held while a check waits for its turn: no thread, no lock. The report is the one the check gives
run alone; an upload or deletion between two statements is handled as `check/plan.py` describes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from assistant.api.limits import Slot
from assistant.api.service import Service
from assistant.check.plan import CheckPlan
from assistant.check.results import CheckReport
from assistant.types import Filters

Runner = Callable[..., Awaitable[Any]]  # runs fn(*args) on an answer thread: `AnswerLimiter.run`
Progress = Callable[[int, int], None]  # (statements done, statements in all), on the event loop


class CheckCancelled(Exception):
    """The check was stopped between two statements (its client has gone)."""


@dataclass(frozen=True)
class CheckWork:
    """A check's units, each run on an answer thread and taking the model lock itself: `begin()` before the first
    statement, `step(plan)` for the next statement."""

    begin: Callable[[], CheckPlan]
    step: Callable[[CheckPlan], None]


def service_work(svc: Service, name: str, data: bytes, against: list[str], filters: Filters) -> CheckWork:
    """The units of a check of the draft `(name, data)` over the service's pipeline, under its model lock."""

    def begin() -> CheckPlan:
        return svc.pipeline.plan_check((name, data), against, filters, guard=svc.lock)

    def step(plan: CheckPlan) -> None:
        with svc.lock:
            svc.pipeline.checker.check_next(plan)

    return CheckWork(begin, step)


async def run_check(
    work: CheckWork,
    slot: Slot,
    run: Runner,
    progress: Progress | None = None,
    stopped: Callable[[], bool] | None = None,
) -> CheckReport:
    """The check, unit by unit on `run`'s threads, holding `slot` (an admitted answer slot) and passing it to
    whoever waits before each statement. `progress(done, total)` as `CheckPlan.turns` gives it; `stopped()` true
    ends the check before its next statement with `CheckCancelled`."""
    plan: CheckPlan = await run(work.begin)
    for _ in plan.turns(progress):
        _unless_stopped(stopped)
        await slot.pass_turn()
        _unless_stopped(stopped)  # stopped while it waited for its turn
        await run(work.step, plan)
    return plan.finish()


def _unless_stopped(stopped: Callable[[], bool] | None) -> None:
    if stopped is not None and stopped():
        raise CheckCancelled("the client went away")
