"""Retrieval latency: everything an answer needs before the LLM, at several index sizes.

    .venv/bin/python benchmarks/retrieval_latency.py [--sizes 10000 50000 100000] [--queries N]

Timed per question, through the real `Answerer.stream` code path: query normalisation, query embedding
with the configured embedder (EmbeddingGemma-300m by default), Chroma vector search, BM25, reciprocal-rank
fusion, rerank, the evidence check and the prompt's passage assembly, up to the moment the LLM would be
called (or the refusal, when the evidence check refuses). The LLM is never run.

The index is built through the project's catalog, Chroma and BM25 code from real passages embedded once by
the real model; larger sizes are reached with noisy copies (see `bench_corpus.py`). Questions are real
(ALQAC-2025 train and evals/party_dev.jsonl), embedded at query time. Built indexes and the embedded base
are cached under --data-dir (default ~/.cache/assistant-bench), never in the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # this checkout's code, not an installed copy
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from assistant.pipeline import Pipeline, build_embedder  # noqa: E402
from assistant.settings import load_settings  # noqa: E402
from assistant.types import ChatMessage, Embedder  # noqa: E402
from benchmarks.bench_corpus import build_index, prepare  # noqa: E402


class _LLMReached(Exception):
    """Raised by the stand-in generator: the clock stops where the LLM would start."""


class ClockGenerator:
    """Implements `Generator`; stops the answer at the model call (token count approximated, ~3 chars a token)."""

    @property
    def name(self) -> str:
        return "clock"

    @property
    def context_size(self) -> int:
        return 4096

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 3)

    def choose(self, messages: Sequence[ChatMessage], *, prefix: str, options: Sequence[str]) -> dict[str, float] | None:
        raise _LLMReached

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        json_schema: dict[str, object] | None = None,
        prefix: str = "",
        grammar: str | None = None,
    ) -> Iterator[str]:
        raise _LLMReached
        yield ""  # pragma: no cover


class TimedEmbedder:
    """Wraps an embedder and records how long each query embedding took."""

    def __init__(self, inner: Embedder) -> None:
        self._inner = inner
        self.query_s: list[float] = []

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def dim(self) -> int:
        return self._inner.dim

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return self._inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        t0 = time.perf_counter()
        out = self._inner.embed_query(text)
        self.query_s.append(time.perf_counter() - t0)
        return out


def questions(shared: Path, n: int, seed: int = 0) -> list[str]:
    """Real questions: ALQAC-2025 train and the party development set, interleaved."""
    alqac = [q["text"] for q in json.loads((shared / "corpora" / "alqac" / "alqac25_train.json").read_text("utf-8"))]
    party = [
        json.loads(line)["question"] for line in (REPO / "evals" / "party_dev.jsonl").read_text("utf-8").splitlines() if line
    ]
    random.Random(seed).shuffle(alqac)
    mixed = [q for pair in zip(alqac, party * (len(alqac) // len(party) + 1), strict=False) for q in pair]
    return mixed[:n]


def time_questions(pipe: Pipeline, embedder: TimedEmbedder, qs: list[str]) -> tuple[list[float], list[float]]:
    """Seconds to the LLM call (or refusal) per question, and the query-embedding part of each."""
    totals, embeds = [], []
    for q in qs:
        embedder.query_s.clear()
        t0 = time.perf_counter()
        try:
            for _ in pipe.answerer.stream(q):
                pass
        except _LLMReached:
            pass
        totals.append(time.perf_counter() - t0)
        embeds.append(sum(embedder.query_s))
    return totals, embeds


def run_size(size: int, args: argparse.Namespace, embedder: TimedEmbedder, base: tuple[list, np.ndarray]) -> dict[str, float]:
    folder = args.data_dir / f"index-{size}-real{args.real}-sigma{args.sigma}"
    stamp = folder / "built.json"
    if args.rebuild and folder.exists():
        import shutil

        shutil.rmtree(folder)
    settings = load_settings(index_dir=folder, answer_mode="choose")
    pipe = Pipeline(settings, embedder=embedder, generator=ClockGenerator())
    if stamp.exists():
        build_s = float(json.loads(stamp.read_text())["build_s"])
    else:
        t0 = time.perf_counter()
        written = build_index(pipe, base[0], base[1], size, sigma=args.sigma)
        build_s = time.perf_counter() - t0
        stamp.write_text(json.dumps({"build_s": build_s, "passages": written}))
    qs = questions(args.shared, args.queries + args.warmup)
    time_questions(pipe, embedder, qs[: args.warmup])  # first use loads the passage map and BM25
    load_before = os.getloadavg()[0]
    totals, embeds = time_questions(pipe, embedder, qs[args.warmup :])
    load = (load_before + os.getloadavg()[0]) / 2
    ms = np.array(totals) * 1000
    row = {
        "size": size, "passages": pipe.store.count(), "build_s": build_s,
        "p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)), "p99": float(np.percentile(ms, 99)),
        "embed_p50": float(np.percentile(np.array(embeds) * 1000, 50)),
        "rest_p95": float(np.percentile(ms - np.array(embeds) * 1000, 95)),
        "load": load,
    }  # fmt: skip
    pipe.close()
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000], help="index sizes, in passages")
    ap.add_argument("--queries", type=int, default=200, help="timed questions per size")
    ap.add_argument("--warmup", type=int, default=5, help="untimed questions first at each size")
    ap.add_argument("--real", type=int, default=2000, help="real passages embedded by the real model (cached)")
    ap.add_argument("--sigma", type=float, default=0.01, help="per-dimension noise on copied vectors")
    ap.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "assistant-bench"
    )
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="folder holding corpora/ (read only)")
    ap.add_argument("--rebuild", action="store_true", help="rebuild indexes even when cached")
    ap.add_argument("--prepare-only", action="store_true", help="only embed and cache the real passages")
    args = ap.parse_args(argv)
    settings = load_settings()
    print(f"embedder {settings.embed_model}, {settings.cpu_threads} threads, data in {args.data_dir}", flush=True)
    embedder = TimedEmbedder(build_embedder(settings))
    base = prepare(args.data_dir, args.shared, args.real, embedder)
    n_real = int(base[1].shape[0])
    print(
        f"{n_real} real passages ({len(base[0])} documents) embedded by {embedder.name}; larger sizes are copies with "
        f"Gaussian noise (sigma {args.sigma} per dimension, re-normalised) and ~4% of words dropped or swapped",
        flush=True,
    )
    if args.prepare_only:
        return 0
    rows = []
    for size in args.sizes:
        rows.append(run_size(size, args, embedder, base))
        print(f"  size {size}: p95 {rows[-1]['p95']:.0f} ms", flush=True)
    ref = rows[0]["p95"]
    print(f"\nretrieval to the LLM call, {args.queries} real questions per size (ms); ratio = p95 / p95 at {rows[0]['size']}")
    print(f"machine: {os.cpu_count()} CPUs; load = 1-minute load average while timing (above {os.cpu_count()}: other work ran)")
    print("| passages | build s | p50 | p95 | p99 | p95 ratio | query embed p50 | p95 without embed | load |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['passages']:,} | {r['build_s']:.0f} | {r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} | "
              f"{r['p95'] / ref:.2f} | {r['embed_p50']:.0f} | {r['rest_p95']:.0f} | {r['load']:.1f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
