"""Fuzz ingestion: mutated PDF, DOCX, HTML, TXT and MD files through every stage short of storing.

    .venv/bin/python benchmarks/fuzz_ingest.py --examples 5000 [--seed N] [--kinds pdf docx]

Mutations come from hypothesis (tests/mutations.py). Each file must load into passages or fail with one
clear, one-line error; anything else is a crash, printed with the mutation that caused it. Prints a table
of outcomes by format and the most frequent error messages; exit code 1 on any crash.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402

from tests.mutations import KINDS, Mutation, mutations, outcome, write  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--examples", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    ap.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    args = ap.parse_args(argv)
    counts: Counter[tuple[str, str]] = Counter()
    messages: Counter[str] = Counter()
    example: dict[str, str] = {}
    crashes: list[tuple[Mutation, str]] = []
    slowest: list[tuple[float, str]] = []

    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:

        @settings(max_examples=args.examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @seed(args.seed)
        @given(m=mutations(tuple(args.kinds)))
        def run(m: Mutation) -> None:
            t0 = time.perf_counter()
            status, detail = outcome(write(m, Path(tmp), "fuzzed"))
            slowest.append((time.perf_counter() - t0, m.kind))
            counts[(m.kind, status)] += 1
            if status == "error":
                key = f"{m.kind}: {detail.split(' (')[0][:70]}"
                messages[key] += 1
                example.setdefault(key, detail)
            elif status == "crash":
                crashes.append((m, detail))

        t0 = time.perf_counter()
        run()
        elapsed = time.perf_counter() - t0

    total = sum(counts.values())
    print(f"{total} mutated files (seed {args.seed}) in {elapsed:.0f} s; slowest {max(slowest)[0]:.2f} s ({max(slowest)[1]})")
    print("| format | files | loaded | clear error | crash |\n|---|---:|---:|---:|---:|")
    for kind in args.kinds:
        row = [counts[(kind, s)] for s in ("loaded", "error", "crash")]
        print(f"| {kind} | {sum(row)} | {row[0]} | {row[1]} | {row[2]} |")
    print("\nmost frequent errors (count, format: message, an example in full):")
    for key, n in messages.most_common(15):
        print(f"  {n:5}  {key}\n         e.g. {example[key]}")
    for m, detail in crashes[:20]:
        print(f"CRASH {detail}\n      {m}")
    return 1 if crashes else 0


if __name__ == "__main__":
    raise SystemExit(main())
