"""How long the draft checker takes on a 40-statement draft, on this machine, with the default models.

    python -m benchmarks.check_speed                       # 40 statements of the real draft report vs 57-NQ/TW
    python -m benchmarks.check_speed --statements 20 --extractive
    python -m benchmarks.check_speed --out runs/check-speed.jsonl   # also each statement's verdict

The draft is read from ../shared at run time (nothing of it is copied into the project): by default the
statements that follow the cover letter of CV-402 (a draft report on implementing Nghị quyết 57). The
index is the evaluation index of the party and news corpora, reused from its cache (built once by
`assistant eval run … --corpus ../shared/corpora/party --corpus ../shared/corpora/news`).
Prints a table: wall time, per-statement percentiles, how many statements the model decided, its calls
and token rates. The target is ≤ 2 minutes for 40 statements on 2 cores. The check is rules-only by default;
`--model` lets the model decide what the rules leave open (`Checker.use_model`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from assistant.check.report import statement_json
from assistant.check.statements import split_statements
from assistant.evaluation.runner import prepare_index
from assistant.ingest.load import load_file
from assistant.pipeline import build_generator
from assistant.settings import load_settings
from assistant.types import ChatMessage, Generator

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"


class Counting:
    """A Generator that passes everything to another and counts calls, time and tokens."""

    def __init__(self, inner: Generator) -> None:
        self.inner = inner
        self.calls = 0
        self.seconds = 0.0
        self.prompt_tokens = 0.0
        self.gen_tokens = 0.0

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def context_size(self) -> int:
        return self.inner.context_size

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def choose(self, messages: Sequence[ChatMessage], *, prefix: str, options: Sequence[str]) -> dict[str, float] | None:
        return self.inner.choose(messages, prefix=prefix, options=options)

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        json_schema: dict[str, object] | None = None,
        prefix: str = "",
        grammar: str | None = None,
    ) -> Iterator[str]:
        t0 = time.perf_counter()
        self.calls += 1
        yield from self.inner.stream(messages, json_schema=json_schema, prefix=prefix, grammar=grammar)
        self.seconds += time.perf_counter() - t0
        stats = getattr(self.inner, "stats", {})
        self.prompt_tokens += stats.get("prompt_tokens", 0.0)
        self.gen_tokens += stats.get("gen_tokens", 0.0)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return 0.0
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--draft", type=Path, default=SHARED / "party" / "CV-402-CV-VPDU_2025-05-25_du-thao-bao-cao-NQ57.md")
    ap.add_argument("--against", action="append", default=None, help="directive id (default 57-NQ/TW)")
    ap.add_argument("--statements", type=int, default=40)
    ap.add_argument("--corpus", type=Path, action="append", default=None)
    ap.add_argument("--extractive", action="store_true", help="no LLM loaded at all: deterministic comparison only")
    ap.add_argument("--model", action="store_true", help="let the model decide what the rules leave open")
    ap.add_argument("--out", type=Path, default=None, help="also write each statement's check as JSON lines here")
    args = ap.parse_args()
    corpora = args.corpus or [SHARED / "party", SHARED / "news"]
    overrides: dict[str, Any] = {"answer_mode": "extractive"} if args.extractive else {}
    settings = load_settings(**overrides)
    gen = None if args.extractive else Counting(build_generator(settings))
    cache = settings.index_dir.parent / "eval-indexes"
    pipe, _reports, cached = prepare_index([Path(c) for c in corpora], settings, cache, generator=gen)
    text = load_file(args.draft, max_bytes=50_000_000).text
    body = [s for s in split_statements(text) if s.section]  # after the cover letter
    chosen = body[: args.statements]
    checker = pipe.checker
    checker.check_use_model = args.model and gen is not None
    ids, errors = checker.resolve(args.against or ["57-NQ/TW"])
    if errors:
        raise SystemExit("; ".join(errors))
    _ = checker.retriever.documents()  # load the embedder and keyword index before timing
    checker.retriever.search("khởi động", k=1)
    per: list[float] = []
    methods: dict[str, int] = {}
    verdicts: dict[str, int] = {}
    checks = []
    t0 = time.perf_counter()
    for st in chosen:
        t = time.perf_counter()
        c = checker.check_statement(st, ids, exclude={"402-CV/VPĐU"})
        per.append(time.perf_counter() - t)
        checks.append(c)
        methods[c.method] = methods.get(c.method, 0) + 1
        verdicts[c.verdict] = verdicts.get(c.verdict, 0) + 1
    total = time.perf_counter() - t0
    if args.out is not None:
        lines = [
            json.dumps({**statement_json(c), "seconds": round(t, 2)}, ensure_ascii=False)
            for c, t in zip(checks, per, strict=True)
        ]
        args.out.write_text("\n".join(lines) + "\n", "utf-8")
    rows = [
        ("draft", args.draft.name),
        ("index", "cached" if cached else "built now"),
        ("statements", str(len(chosen))),
        ("model", gen.name if gen is not None and checker.check_use_model else "none (rules only)"),
        ("total wall time", f"{total:.1f} s ({total / 60:.2f} min; target ≤ 2 min for 40)"),
        ("per statement p50 / p95 / max", f"{statistics.median(per):.2f} / {pct(per, 0.95):.2f} / {max(per):.2f} s"),
        ("decided by", ", ".join(f"{k} {v}" for k, v in sorted(methods.items()))),
        ("verdicts", ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items()))),
    ]
    if gen is not None and checker.check_use_model:
        rows += [
            ("model calls", f"{gen.calls} ({gen.seconds:.1f} s in all)"),
            ("prompt tokens / generated", f"{gen.prompt_tokens:.0f} / {gen.gen_tokens:.0f}"),
        ]
    width = max(len(k) for k, _ in rows)
    print(f"{'measure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 40}")
    for k, v in rows:
        print(f"{k:<{width}}  {v}")


if __name__ == "__main__":
    main()
