"""The service's model lock: one holder at a time, served in the order asked, so a holder that gives it back and
asks again at once (a draft check between two statements) goes behind those already waiting."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial

import pytest

from assistant.api.model_lock import ModelLock


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Until `condition()` holds (bounded), so a thread is known to be waiting before the next step."""
    for _ in range(2000):
        if condition():
            return
        time.sleep(0.005)
    raise AssertionError(f"never {what}")


def test_the_lock_goes_to_those_waiting_in_the_order_they_asked() -> None:
    lock = ModelLock()
    served: list[str] = []

    def take(name: str) -> None:
        with lock:
            served.append(name)

    lock.acquire()
    threads = []
    for n, name in enumerate(("b", "c"), 1):
        threads.append(threading.Thread(target=take, args=(name,)))
        threads[-1].start()
        wait_for(partial(lambda count: lock.waiting == count, n), f"{n} waiting")
    lock.release()
    take("a again")  # the holder asks again at once: behind b and c
    for t in threads:
        t.join(10)
    assert served == ["b", "c", "a again"]
    assert not lock.locked() and lock.waiting == 0


def test_never_held_by_two_at_once() -> None:
    lock = ModelLock()
    inside: list[int] = [0]
    most: list[int] = [0]
    rounds: list[int] = []

    def work() -> None:
        for _ in range(200):
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
                rounds.append(1)
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert most == [1] and len(rounds) == 800


def test_an_exception_inside_gives_it_back_and_a_release_not_held_is_an_error() -> None:
    lock = ModelLock()
    with pytest.raises(ValueError, match="model failed"), lock:
        assert lock.locked()
        raise ValueError("model failed")
    assert not lock.locked()
    with pytest.raises(RuntimeError, match="not held"):
        lock.release()
