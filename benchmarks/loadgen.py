"""Load generator for the service: concurrent HTTP clients against a running server, the server's memory
sampled every second, and the result as a table. Used by `benchmarks/load_test.py` (real models) and by
`tests/api/test_load.py` (fake models, CI-sized).

Each client loops until the time is up: it picks an endpoint by weight, sends one request, records the
status, the latency and the Retry-After header, and thinks for a moment (uniform 0..2×think). A 200 that
hides a failure (a stream ending in an `error` event or without its answer) counts as a problem.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

# endpoint -> relative weight in the mix
DEFAULT_MIX: dict[str, float] = {
    "POST /ask": 10, "POST /ask stream": 6, "POST /v1/chat/completions": 3, "POST /v1/chat/completions stream": 2,
    "GET /documents": 24, "GET /documents/{id}": 30, "GET /health": 25,
}  # fmt: skip


@dataclass
class Outcome:
    endpoint: str
    started: float  # seconds since the load began
    seconds: float
    status: int | None  # None: no HTTP answer (connection error, timeout)
    retry_after: str | None = None
    problem: str | None = None


@dataclass
class LoadResult:
    clients: int
    duration_s: float
    outcomes: list[Outcome] = field(default_factory=list)
    rss: list[tuple[float, float]] = field(default_factory=list)  # (seconds since the load began, MB)
    parts: list[tuple[float, float]] = field(default_factory=list)  # the same samples' (anonymous, file-backed) MB
    rss_before_mb: float = 0.0  # after warm-up, before the load
    hwm_mb: float = 0.0  # the kernel's peak RSS of the server process over its whole life
    unfinished: int = 0  # requests still open when the drain time ran out (cancelled by the client)
    slots_after: dict[str, Any] | None = None  # the server's answer limiter once the load is over

    def statuses(self) -> Counter[str]:
        return Counter(str(o.status) if o.status is not None else "no answer" for o in self.outcomes)

    def failures(self, max_growth_mb: float, max_slope_mb_min: float) -> list[str]:
        out = []
        bad = [o for o in self.outcomes if o.status is None or o.status >= 500]
        if bad:
            out.append(f"{len(bad)} requests got a 5xx or no answer, e.g. {bad[0]}")
        problems = [o for o in self.outcomes if o.problem]
        if problems:
            out.append(f"{len(problems)} answers failed inside a 200, e.g. {problems[0]}")
        no_retry = [o for o in self.outcomes if o.status == 429 and not (o.retry_after or "").isdigit()]
        if no_retry:
            out.append(f"{len(no_retry)} responses 429 without a Retry-After of whole seconds")
        if self.rss and self.growth_mb() > max_growth_mb:
            out.append(f"RSS grew {self.growth_mb():.0f} MB during the load (bound {max_growth_mb:.0f} MB)")
        if self.rss and self.slope_mb_min() > max_slope_mb_min:
            out.append(f"RSS rose {self.slope_mb_min():.1f} MB/min over the second half (bound {max_slope_mb_min:.0f})")
        if self.slots_after is not None and (self.slots_after["running"], self.slots_after["queued"]) != (0, 0):
            out.append(f"answer slots still taken after the load: {self.slots_after}")
        return out

    def growth_mb(self) -> float:
        return self.rss[-1][1] - self.rss_before_mb

    def slope_mb_min(self) -> float:
        """Least-squares slope of RSS over the second half of the load, in MB per minute."""
        pts = [(t, mb) for t, mb in self.rss if self.duration_s / 2 <= t <= self.duration_s]
        if len(pts) < 3:
            return 0.0
        mt = sum(t for t, _ in pts) / len(pts)
        mm = sum(mb for _, mb in pts) / len(pts)
        var = sum((t - mt) ** 2 for t, _ in pts)
        return 60 * sum((t - mt) * (mb - mm) for t, mb in pts) / var if var else 0.0

    def table(self) -> str:
        lines = [
            f"{self.clients} clients, {self.duration_s:.0f} s, {len(self.outcomes)} requests "
            f"({len(self.outcomes) / self.duration_s:.1f}/s); still open at the end: {self.unfinished}",
            "",
            "| endpoint | requests | 2xx | 429 | other 4xx | 5xx / none | p50 ok (s) | p95 ok (s) | max ok (s) | p50 429 (s) |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for name in sorted({o.endpoint for o in self.outcomes}):
            group = [o for o in self.outcomes if o.endpoint == name]
            ok = sorted(o.seconds for o in group if o.status is not None and o.status < 300 and not o.problem)
            busy = sorted(o.seconds for o in group if o.status == 429)
            other = sum(1 for o in group if o.status is not None and 400 <= o.status < 500 and o.status != 429)
            fail = sum(1 for o in group if o.status is None or o.status >= 500)
            lines.append(
                f"| {name} | {len(group)} | {len(ok)} | {len(busy)} | {other} | {fail} | {_q(ok, 0.5)} | {_q(ok, 0.95)} "
                f"| {_q(ok, 1.0)} | {_q(busy, 0.5)} |"
            )
        codes = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses().items()))
        n429 = [o for o in self.outcomes if o.status == 429]
        with_header = sum(1 for o in n429 if (o.retry_after or "").isdigit())
        share = f"{with_header}/{len(n429)}" if n429 else "no 429s"
        values = sorted({int(o.retry_after) for o in n429 if o.retry_after and o.retry_after.isdigit()})
        lines += [
            "",
            f"status codes: {codes}",
            f"429 with Retry-After: {share}" + (f" (values {values[0]}–{values[-1]} s)" if values else ""),
        ]
        if self.rss:
            peak = max(mb for _, mb in self.rss)
            lines.append(
                f"server RSS: {self.rss_before_mb:.0f} MB after warm-up, peak {peak:.0f} MB during the load, "
                f"{self.rss[-1][1]:.0f} MB at the end (growth {self.growth_mb():+.0f} MB); slope over the second half "
                f"{self.slope_mb_min():+.1f} MB/min; peak RSS of the process over its life (VmHWM) {self.hwm_mb:.0f} MB"
            )
            (a0, f0), (a1, f1) = self.parts[0], self.parts[-1]
            lines.append(f"of which anonymous {a0:.0f} → {a1:.0f} MB, file-backed (mapped models) {f0:.0f} → {f1:.0f} MB")
        if self.slots_after is not None:
            lines.append(f"answer limiter after the load: {self.slots_after}")
        return "\n".join(lines)


def _q(values: Sequence[float], q: float) -> str:
    if not values:
        return "–"
    return f"{values[min(len(values) - 1, int(q * len(values)))]:.2f}"


def proc_mb(pid: int, field_name: str = "VmRSS") -> float:
    """A memory figure of a process from /proc (Linux), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"{field_name} not in /proc/{pid}/status")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def server_process(cmd: list[str], env: dict[str, str], cwd: Path, log: IO[bytes], url: str, wait_s: float) -> Iterator[int]:
    """Start the server, wait until GET /health answers, yield its pid; stop it afterwards."""
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode} before answering; see {log.name}")
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not answer within {wait_s:.0f} s; see {log.name}")
            time.sleep(0.3)
        yield proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


Request = Callable[[httpx.AsyncClient, random.Random], Awaitable[tuple[httpx.Response, str | None]]]


def requests(questions: Sequence[str], doc_keys: Sequence[str]) -> dict[str, Request]:
    """How each endpoint of the mix is called, and what makes its 200 a failure."""

    async def ask(c: httpx.AsyncClient, rng: random.Random) -> tuple[httpx.Response, str | None]:
        r = await c.post("/ask", json={"question": rng.choice(questions)})
        return r, None if r.status_code != 200 or "mode" in r.json() else "no answer in the body"

    async def ask_stream(c: httpx.AsyncClient, rng: random.Random) -> tuple[httpx.Response, str | None]:
        r = await c.post("/ask", json={"question": rng.choice(questions), "stream": True})
        if r.status_code != 200:
            return r, None
        if "event: error" in r.text:
            return r, "stream ended with an error event: " + r.text.split("event: error", 1)[1][:200]
        return r, None if "event: answer" in r.text else "stream ended without its answer"

    def chat(stream: bool) -> Request:
        async def send(c: httpx.AsyncClient, rng: random.Random) -> tuple[httpx.Response, str | None]:
            body = {"model": "tro-ly-van-ban", "messages": [{"role": "user", "content": rng.choice(questions)}]}
            r = await c.post("/v1/chat/completions", json={**body, "stream": stream})
            if r.status_code != 200:
                return r, None
            if stream:
                return r, None if "[DONE]" in r.text and '"content": "Lỗi: ' not in r.text else "chat stream failed"
            return r, None if r.json()["choices"][0]["message"]["content"] else "empty chat answer"

        return send

    async def get(c: httpx.AsyncClient, path: str) -> tuple[httpx.Response, str | None]:
        return await c.get(path), None

    return {
        "POST /ask": ask,
        "POST /ask stream": ask_stream,
        "POST /v1/chat/completions": chat(False),
        "POST /v1/chat/completions stream": chat(True),
        "GET /documents": lambda c, rng: get(c, "/documents"),
        "GET /documents/{id}": lambda c, rng: get(c, "/documents/" + rng.choice(doc_keys)),
        "GET /health": lambda c, rng: get(c, "/health"),
    }


async def run_load(
    url: str, token: str, pid: int, questions: Sequence[str], *, clients: int = 50, duration_s: float = 120.0,
    think_s: float = 1.0, mix: dict[str, float] | None = None, drain_s: float = 300.0, settle_s: float = 300.0,
    timeout_s: float = 900.0, seed: int = 0,
) -> LoadResult:  # fmt: skip
    """`clients` clients for `duration_s`; then up to `drain_s` for open requests to finish (the rest are
    cancelled) and up to `settle_s` for the server's answer slots to come free."""
    mix = mix or DEFAULT_MIX
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients + 8, max_keepalive_connections=clients + 8)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=timeout_s, limits=limits) as c:
        docs = (await c.get("/documents")).json()
        send = requests(questions, [d["key"] for d in docs])
        result = LoadResult(clients, duration_s, rss_before_mb=proc_mb(pid))
        t0 = time.monotonic()
        stop = asyncio.Event()

        async def sample() -> None:
            while not stop.is_set():
                result.rss.append((time.monotonic() - t0, proc_mb(pid)))
                result.parts.append((proc_mb(pid, "RssAnon"), proc_mb(pid, "RssFile")))
                await asyncio.sleep(1.0)

        async def client(n: int) -> None:
            rng = random.Random(seed * 1000 + n)
            names, weights = list(mix), list(mix.values())
            await asyncio.sleep(rng.uniform(0, think_s))
            while time.monotonic() - t0 < duration_s:
                name = rng.choices(names, weights)[0]
                start = time.monotonic()
                try:
                    r, problem = await send[name](c, rng)
                    took = time.monotonic() - start
                    out = Outcome(name, start - t0, took, r.status_code, r.headers.get("retry-after"), problem)
                except httpx.HTTPError as exc:
                    out = Outcome(name, start - t0, time.monotonic() - start, None, problem=f"{type(exc).__name__}: {exc}")
                result.outcomes.append(out)
                await asyncio.sleep(rng.uniform(0, 2 * think_s))

        sampler = asyncio.create_task(sample())
        tasks = [asyncio.create_task(client(n)) for n in range(clients)]
        _, pending = await asyncio.wait(tasks, timeout=duration_s + drain_s)
        result.unfinished = len(pending)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        stop.set()
        await sampler
        result.hwm_mb = proc_mb(pid, "VmHWM")
        deadline = time.monotonic() + settle_s
        while True:
            result.slots_after = (await c.get("/health")).json().get("answers")
            if result.slots_after is None or (result.slots_after["running"], result.slots_after["queued"]) == (0, 0):
                break
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(1.0)
        return result


def warm_up(url: str, token: str, question: str, timeout_s: float = 900.0) -> float:
    """One answer before the load, so that the models are loaded when memory is first measured; its seconds."""
    start = time.monotonic()
    r = httpx.post(url + "/ask", json={"question": question}, headers={"Authorization": f"Bearer {token}"}, timeout=timeout_s)
    r.raise_for_status()
    return time.monotonic() - start


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"
