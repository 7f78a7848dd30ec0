"""The service's model lock: one user of the model or writer of the index at a time, served in the order asked.

A `threading.Lock` is not fair: a thread that gives it back and asks again at once (a draft check between two
statements) can take it again before a thread that has been waiting. This lock keeps a line: each `acquire`
joins the back and the lock goes to the front of the line when it is given back, so whoever waits (an answer,
an upload, a deletion, an evaluation item) is served at the holder's next release, and nobody waits forever.
It is not re-entrant: a holder that asks again waits for itself (as with `threading.Lock`); and, as with
`threading.Lock`, it may be given back by another thread than the one that took it (a streamed answer's
generator moves between answer threads, and is closed on the event loop).
"""

from __future__ import annotations

import threading
from collections import deque
from types import TracebackType


class ModelLock:
    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._line: deque[object] = deque()
        self._held = False

    def acquire(self) -> None:
        """Wait at the back of the line until the lock is free and this caller is first."""
        me = object()
        with self._cond:
            self._line.append(me)
            try:
                while self._held or self._line[0] is not me:
                    self._cond.wait()
            except BaseException:  # interrupted while waiting: leave the line, and let the next one see it
                self._line.remove(me)
                self._cond.notify_all()
                raise
            self._line.popleft()
            self._held = True

    def release(self) -> None:
        with self._cond:
            if not self._held:
                raise RuntimeError("release of a model lock that is not held")
            self._held = False
            self._cond.notify_all()

    def locked(self) -> bool:
        with self._cond:
            return self._held

    @property
    def waiting(self) -> int:
        """How many callers wait in line for the lock."""
        with self._cond:
            return len(self._line)

    def __enter__(self) -> ModelLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()
