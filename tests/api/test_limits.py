"""The answer limiter: slots taken and given back, a line in arrival order, 429 with Retry-After when the line
is full or too slow, and no slot ever kept by a request that failed, was cancelled or lost its client."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator, MutableMapping, Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from assistant.api import create_app
from assistant.api.limits import AnswerLimiter, Busy, ClientGone, HeldStreamingResponse, Slot
from assistant.pipeline import Pipeline
from assistant.types import ChatMessage
from tests.api.conftest import ANSWERABLE, GOOD_OUTPUT, Office, RepeatingGenerator
from tests.api.test_ask import Exploding
from tests.fakes import HashEmbedder


def running(limiter: AnswerLimiter) -> tuple[int, int]:
    stats = limiter.stats()
    return stats["running"], stats["queued"]


def test_a_slot_is_taken_and_given_back_once() -> None:
    limiter = AnswerLimiter(concurrent=2, queued=0, wait_s=1)

    async def main() -> None:
        a = await limiter.acquire()
        b = await limiter.acquire()
        assert running(limiter) == (2, 0)
        with pytest.raises(Busy) as exc:
            await limiter.acquire()
        assert exc.value.reason == "queue full" and exc.value.retry_after >= 1
        a.release()
        a.release()  # a second release counts for nothing
        assert running(limiter) == (1, 0)
        b.release()

    asyncio.run(main())
    assert running(limiter) == (0, 0)
    assert limiter.stats()["refused"] == 1


def test_waiters_are_served_in_arrival_order_and_the_line_is_bounded() -> None:
    limiter = AnswerLimiter(concurrent=1, queued=2, wait_s=5)
    served: list[str] = []

    async def client(name: str) -> None:
        async with limiter.slot():
            served.append(name)
            await asyncio.sleep(0.01)

    async def main() -> None:
        first = await limiter.acquire()
        waiters = [asyncio.create_task(client(n)) for n in ("b", "c")]
        await asyncio.sleep(0.01)
        assert running(limiter) == (1, 2)
        with pytest.raises(Busy) as exc:  # the line is full: refused at once, not queued
            await limiter.acquire()
        assert exc.value.reason == "queue full"
        served.append("a")
        first.release()
        await asyncio.gather(*waiters)

    asyncio.run(main())
    assert served == ["a", "b", "c"]
    assert running(limiter) == (0, 0)


def test_a_wait_past_the_limit_is_refused_and_leaves_the_line() -> None:
    limiter = AnswerLimiter(concurrent=1, queued=3, wait_s=0.05)

    async def main() -> None:
        held = await limiter.acquire()
        with pytest.raises(Busy) as exc:
            await limiter.acquire()
        assert exc.value.reason == "queue wait"
        assert running(limiter) == (1, 0)
        held.release()

    asyncio.run(main())
    assert running(limiter) == (0, 0)


def test_retry_after_grows_with_the_line_and_the_measured_answer_time() -> None:
    limiter = AnswerLimiter(concurrent=1, queued=0, wait_s=1, estimate_s=4.0)

    async def main() -> tuple[int, int]:
        async with limiter.slot():
            with pytest.raises(Busy) as short:
                await limiter.acquire()
        limiter.estimate_s = 30.0
        async with limiter.slot():
            with pytest.raises(Busy) as long:
                await limiter.acquire()
        return short.value.retry_after, long.value.retry_after

    short, long = asyncio.run(main())
    assert short == 4 and long > 20  # one answer ahead; the quick answer since pulled the estimate down a little
    assert "thử lại sau" in str(Busy(long, "queue full")) and "retry in" in str(Busy(long, "queue full"))


def test_an_exception_inside_the_slot_gives_it_back() -> None:
    limiter = AnswerLimiter(concurrent=1, queued=0, wait_s=1)

    async def main() -> None:
        with pytest.raises(ValueError, match="model failed"):
            async with limiter.slot():
                raise ValueError("model failed")

    asyncio.run(main())
    assert running(limiter) == (0, 0)


def test_a_cancelled_waiter_leaves_the_line_and_one_granted_meanwhile_passes_the_slot_on() -> None:
    limiter = AnswerLimiter(concurrent=1, queued=2, wait_s=5)

    async def main() -> None:
        held = await limiter.acquire()
        waiting = asyncio.create_task(limiter.acquire())
        await asyncio.sleep(0.01)
        waiting.cancel()  # the client went away while in line
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert running(limiter) == (1, 0)
        granted = asyncio.create_task(limiter.acquire())
        await asyncio.sleep(0.01)
        held.release()  # hands the slot to the waiter ...
        granted.cancel()  # ... which is cancelled before it wakes: it must give the slot back
        with pytest.raises(asyncio.CancelledError):
            await granted

    asyncio.run(main())
    assert running(limiter) == (0, 0)


async def held_answer(limiter: AnswerLimiter, name: str, served: list[str], hold: asyncio.Event | None = None) -> None:
    async with limiter.slot():
        served.append(name)
        if hold is not None:
            await hold.wait()


def test_a_turn_passed_goes_to_the_first_in_line_and_comes_back_after_it() -> None:
    limiter = AnswerLimiter(concurrent=1, queued=2, wait_s=5)
    served: list[str] = []

    async def main() -> None:
        check = await limiter.acquire()
        await check.pass_turn()  # nobody waits: it keeps its slot
        assert running(limiter) == (1, 0)
        hold = asyncio.Event()
        a = asyncio.create_task(held_answer(limiter, "a", served, hold))
        await asyncio.sleep(0.01)
        turn = asyncio.create_task(check.pass_turn())
        await asyncio.sleep(0.01)
        assert served == ["a"] and running(limiter) == (1, 1)  # "a" runs, the check waits in line
        b = asyncio.create_task(held_answer(limiter, "b", served))
        await asyncio.sleep(0.01)
        assert running(limiter) == (1, 2)  # "b", arriving later, queues behind the check
        with pytest.raises(Busy):  # the check counts in the line like any waiter
            await limiter.acquire()
        hold.set()
        await turn
        served.append("check")
        assert running(limiter) == (1, 1)
        check.release()
        await asyncio.gather(a, b)

    asyncio.run(main())
    assert served == ["a", "check", "b"]
    assert running(limiter) == (0, 0)


def test_a_holder_waiting_for_its_turn_is_never_refused() -> None:
    limiter = AnswerLimiter(concurrent=1, queued=1, wait_s=5)
    served: list[str] = []

    async def main() -> None:
        check = await limiter.acquire()
        hold = asyncio.Event()
        a = asyncio.create_task(held_answer(limiter, "a", served, hold))
        await asyncio.sleep(0.01)
        limiter.wait_s = 0.01  # new waiters are refused quickly from now on
        turn = asyncio.create_task(check.pass_turn())
        await asyncio.sleep(0.1)
        assert not turn.done() and running(limiter) == (1, 1)  # still in line, well past the wait limit
        hold.set()
        await turn
        assert running(limiter) == (1, 0) and not check.released
        check.release()
        await a

    asyncio.run(main())
    assert running(limiter) == (0, 0) and limiter.stats()["refused"] == 0


def test_a_turn_cancelled_while_waiting_gives_its_place_up_and_its_slot_is_gone() -> None:
    limiter = AnswerLimiter(concurrent=1, queued=2, wait_s=5)
    served: list[str] = []

    async def main() -> None:
        check = await limiter.acquire()
        hold = asyncio.Event()
        a = asyncio.create_task(held_answer(limiter, "a", served, hold))
        await asyncio.sleep(0.01)
        turn = asyncio.create_task(check.pass_turn())
        await asyncio.sleep(0.01)
        turn.cancel()  # the check's client went away while it waited for its turn
        with pytest.raises(asyncio.CancelledError):
            await turn
        assert running(limiter) == (1, 0) and check.released
        check.release()  # counts for nothing: the slot went on to "a"
        assert running(limiter) == (1, 0)
        hold.set()
        await a

    asyncio.run(main())
    assert running(limiter) == (0, 0)


def test_a_turn_cancelled_just_as_it_comes_back_keeps_the_slot_for_its_holder_to_give_back() -> None:
    limiter = AnswerLimiter(concurrent=1, queued=2, wait_s=5)

    async def main() -> None:
        check = await limiter.acquire()
        answer = asyncio.create_task(limiter.acquire())
        await asyncio.sleep(0.01)
        turn = asyncio.create_task(check.pass_turn())
        answer_slot = await answer
        answer_slot.release()  # the slot comes back to the check ...
        turn.cancel()  # ... which is cancelled before it wakes
        with pytest.raises(asyncio.CancelledError):
            await turn
        assert not check.released and running(limiter) == (1, 0)
        check.release()

    asyncio.run(main())
    assert running(limiter) == (0, 0)


def test_a_slot_released_from_another_thread_wakes_the_waiter() -> None:
    limiter = AnswerLimiter(concurrent=1, queued=1, wait_s=5)

    async def main() -> None:
        held = await limiter.acquire()
        threading.Timer(0.05, held.release).start()
        async with limiter.slot():
            assert running(limiter) == (1, 0)

    asyncio.run(main())
    assert running(limiter) == (0, 0)


def test_work_runs_on_the_answer_threads() -> None:
    limiter = AnswerLimiter(concurrent=2, queued=0, wait_s=1)

    async def main() -> set[str]:
        names = await asyncio.gather(*(limiter.run(lambda: threading.current_thread().name) for _ in range(6)))
        return set(names)

    names = asyncio.run(main())
    assert names and all(n.startswith("answer") for n in names) and len(names) <= 2


def _request(messages: list[dict[str, Any]]) -> Request:
    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    return Request({"type": "http", "method": "POST", "path": "/ask", "headers": []}, receive)


def test_a_request_whose_client_left_while_waiting_gives_the_slot_on() -> None:
    limiter = AnswerLimiter(concurrent=1, queued=1, wait_s=1)

    async def main() -> None:
        with pytest.raises(ClientGone):
            await limiter.acquire_for(_request([]))

    asyncio.run(main())
    assert running(limiter) == (0, 0)


@pytest.mark.parametrize("spec_version", ["2.0", "2.4"])
def test_a_streamed_answer_holds_its_slot_until_the_client_goes_away(spec_version: str) -> None:
    """Both ways Starlette notices a departed client: a disconnect message (ASGI < 2.4), a failed send (2.4)."""
    limiter = AnswerLimiter(concurrent=1, queued=0, wait_s=1)
    closed: list[bool] = []
    sent: list[dict[str, Any]] = []

    async def body() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"data: x\n\n"
                await asyncio.sleep(0.01)
        finally:
            closed.append(running(limiter) == (1, 0))  # the body is closed while the slot is still held

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(0.05)
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))
        if spec_version == "2.4" and len(sent) > 3:
            raise OSError("connection reset")

    async def main() -> None:
        slot = await limiter.acquire()
        response = HeldStreamingResponse(body(), slot, media_type="text/event-stream")
        scope = {"type": "http", "asgi": {"spec_version": spec_version}}
        try:
            await response(scope, receive, send)
        except Exception as exc:  # Starlette's ClientDisconnect on a failed send
            assert type(exc).__name__ == "ClientDisconnect"
        assert slot.released

    asyncio.run(main())
    assert closed == [True]
    assert running(limiter) == (0, 0)
    assert sent[0]["type"] == "http.response.start"


# --- through the app ---------------------------------------------------------------------------------------
@pytest.fixture
def saturated(office: Office) -> Iterator[tuple[AnswerLimiter, Slot]]:
    """The shared office with a limiter that admits one answer and queues none, its slot taken."""
    svc = office.service
    original = svc.answers
    svc.answers = AnswerLimiter(concurrent=1, queued=0, wait_s=1, estimate_s=7.0)
    held = asyncio.run(svc.answers.acquire())
    try:
        yield svc.answers, held
    finally:
        held.release()
        svc.answers = original


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/ask", {"question": ANSWERABLE}),
        ("/ask", {"question": ANSWERABLE, "stream": True}),
        ("/v1/chat/completions", {"messages": [{"role": "user", "content": ANSWERABLE}]}),
        ("/v1/chat/completions", {"messages": [{"role": "user", "content": ANSWERABLE}], "stream": True}),
    ],
)
def test_a_full_queue_is_429_with_retry_after(
    office: Office, saturated: tuple[AnswerLimiter, Slot], path: str, body: dict[str, Any]
) -> None:
    with office.client("analyst") as c:
        r = c.post(path, json=body)
        assert r.status_code == 429
        assert r.headers["retry-after"] == "7"  # one answer ahead, 7 s each
        out = r.json()
        assert out["retry_after"] == 7
        assert "Máy chủ đang bận" in out["detail"] and "The server is busy" in out["detail"]
        assert out["error"]["message"] == out["detail"]  # what OpenAI clients read
        assert r.headers["content-type"] == "application/json; charset=utf-8"


def test_the_library_stays_open_while_answers_are_busy(office: Office, saturated: tuple[AnswerLimiter, Slot]) -> None:
    limiter, held = saturated
    with office.client("analyst") as c:
        assert c.get("/documents").status_code == 200
        assert c.get("/documents/15-NQ/TU").status_code == 200
        answers = c.get("/health").json()["answers"]
        assert (answers["running"], answers["queued"], answers["max_running"], answers["max_queued"]) == (1, 0, 1, 0)
        held.release()
        assert c.post("/ask", json={"question": ANSWERABLE}).status_code == 200
    assert running(limiter) == (0, 0)


def test_answers_give_their_slot_back_however_they_end(office: Office, saturated: tuple[AnswerLimiter, Slot]) -> None:
    limiter, held = saturated
    held.release()
    with office.client("analyst") as c:
        assert c.post("/ask", json={"question": ANSWERABLE, "stream": True}).status_code == 200
        assert running(limiter) == (0, 0)
        chat = {"messages": [{"role": "user", "content": ANSWERABLE}], "stream": True}
        assert "[DONE]" in c.post("/v1/chat/completions", json=chat).text
        assert running(limiter) == (0, 0)
        with c.stream("POST", "/ask", json={"question": ANSWERABLE, "stream": True}) as r:  # read one event, leave
            next(r.iter_lines())
        assert c.post("/ask", json={"question": ANSWERABLE}).status_code == 200  # would get 429 if the slot leaked
    assert running(limiter) == (0, 0)


class ThreadNoting(RepeatingGenerator):
    def __init__(self) -> None:
        super().__init__(GOOD_OUTPUT)
        self.threads: set[str] = set()

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        json_schema: dict[str, object] | None = None,
        prefix: str = "",
        grammar: str | None = None,
    ) -> Iterator[str]:
        for piece in super().stream(messages, json_schema=json_schema):
            self.threads.add(threading.current_thread().name)
            yield piece


def test_answers_are_generated_on_the_answer_thread(office: Office, sample_pipeline: Pipeline) -> None:
    probe = ThreadNoting()
    pipe = Pipeline(sample_pipeline.settings, embedder=HashEmbedder(), generator=probe)
    try:
        auth = {"Authorization": f"Bearer {office.tokens['analyst']}"}
        with TestClient(create_app(pipe.settings, pipe), headers=auth) as c:
            assert c.post("/ask", json={"question": ANSWERABLE}).json()["mode"] == "generated"
            assert "event: answer" in c.post("/ask", json={"question": ANSWERABLE, "stream": True}).text
            assert c.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": ANSWERABLE}]}).status_code == 200
        assert len(probe.threads) == 1 and next(iter(probe.threads)).startswith("answer"), probe.threads
    finally:
        pipe.close()


def test_a_failing_answer_gives_its_slot_back(office: Office, sample_pipeline: Pipeline) -> None:
    broken = Pipeline(sample_pipeline.settings, embedder=HashEmbedder(), generator=Exploding([]))
    try:
        app = create_app(broken.settings, broken)
        auth = {"Authorization": f"Bearer {office.tokens['analyst']}"}
        with TestClient(app, headers=auth) as c:
            for _ in range(2):
                with pytest.raises(ValueError, match="backend fell over"):
                    c.post("/ask", json={"question": ANSWERABLE})
            assert app.state.service.answers.stats()["running"] == 0
    finally:
        broken.close()
