"""Answer latency: our pipeline against the LangChain RetrievalQA baseline, the same questions in one run.

    .venv/bin/python benchmarks/answer_latency.py [--limit 10] [--every 6] [--set evals/party_dev.jsonl]
        [--corpus ../shared/corpora/party --corpus ../shared/corpora/news] [--json FILE]

One process loads the embedder and the LLM once; both systems use them (same GGUF, context, threads,
token limit, temperature 0). Timed per question, from the moment the question is handed over:
- ours, generated answers (the configured `answer_mode`; `choose` unless the config says `copy`), through the
  real `Answerer.stream` (what the CLI and the API stream): passages available (the "passages" event), first
  model token (the first raw piece of the model's reply), evidence shown (the "units" event: the chosen units,
  verbatim, before the prose), first answer text (the first prose the web page shows while the model writes),
  end-to-end (the checked answer);
- ours, extractive mode (no LLM): passages and end-to-end;
- the baseline (`assistant/evaluation/langchain_baseline.py`): passages (its retriever's end callback), first token (its LLM's
  token callback; what a streaming tutorial shows), end-to-end (the chain's result).
Prompt tokens and tokens/s come from the generator's own counters (`llm_*`: prompt tokens / time to the first
token; generated pieces / time after it). Questions: every --every-th item of the set, --limit of them; a question our
evidence check refuses never reaches the LLM (counted in the table). Each system runs its questions as one
block, after --warmup untimed questions taken from after the timed ones, so llama.cpp's prompt-prefix cache
serves each system as it would in use. Percentiles: the harness's (linear interpolation).

Our index is the evaluation cache (`assistant eval run` builds it; reused when present); the baseline's
Chroma collection is cached in --baseline-index (default ~/.cache/assistant-bench/langchain-<corpus key>).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # this checkout's code, not an installed copy
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant.answer.answerer import Answerer  # noqa: E402
from assistant.evaluation.baseline import open_baseline  # noqa: E402
from assistant.evaluation.items import load_items  # noqa: E402
from assistant.evaluation.langchain_baseline import LangChainBaseline  # noqa: E402
from assistant.evaluation.metrics import percentile  # noqa: E402
from assistant.evaluation.runner import corpus_key, pick, prepare_index  # noqa: E402
from assistant.pipeline import Pipeline, build_embedder, build_generator  # noqa: E402
from assistant.settings import load_settings  # noqa: E402

Row = dict[str, float]
MEASURES = (  # key, label, unit
    ("passages", "passages available", "s"),
    ("first_token", "first model token", "s"),
    ("units", "evidence shown (chosen units)", "s"),
    ("first_text", "first answer text shown", "s"),
    ("total", "end-to-end answer", "s"),
    ("prompt_tokens", "prompt tokens", ""),
    ("prompt_tps", "prompt reading, tokens/s", ""),
    ("gen_tps", "generation, tokens/s", ""),
    ("gen_tokens", "generated tokens", ""),
)


def _llm(timings: dict[str, float]) -> Row:
    return {k: timings[f"llm_{k}"] for k in ("prompt_tokens", "prompt_tps", "gen_tps", "gen_tokens") if f"llm_{k}" in timings}


def time_ours(answerer: Answerer, question: str) -> Row:
    row: Row = {}
    t0 = time.perf_counter()
    for ev in answerer.stream(question):
        now = time.perf_counter() - t0
        if ev.kind == "passages":
            row["passages"] = now
        elif ev.kind == "token":
            row.setdefault("first_token", now)
        elif ev.kind == "units":
            row.setdefault("units", now)
        elif ev.kind == "text":
            row.setdefault("first_text", now)
        elif ev.kind == "answer" and ev.answer is not None:
            row["total"] = now
            row["refused"] = float(ev.answer.refused)
            if "first_token" in row:  # the LLM ran for this question
                row.update(_llm(ev.answer.timings))
    return row


def time_baseline(baseline: LangChainBaseline, question: str) -> Row:
    ans = baseline.ask(question)
    t = ans.timings
    row: Row = {"passages": t.get("passages_shown", float("nan")), "total": t["total"]}
    if "first_token" in t:
        row["first_token"] = row["first_text"] = t["first_token"]
    return row | _llm(t)


def run_block(name: str, fn: Callable[[str], Row], warm: Sequence[str], timed: Sequence[str]) -> list[Row]:
    for q in warm:
        fn(q)
    rows = []
    for i, q in enumerate(timed, 1):
        rows.append(fn(q))
        print(f"  {name} {i}/{len(timed)}: {rows[-1].get('total', float('nan')):.1f} s", flush=True)
    return rows


def stat(rows: list[Row], key: str) -> tuple[float, float] | None:
    values = [r[key] for r in rows if key in r and r[key] == r[key]]
    return (percentile(values, 50), percentile(values, 95)) if values else None


def _cell(v: tuple[float, float] | None, unit: str) -> str:
    if v is None:
        return "–"
    digits = 2 if unit == "s" else 0 if max(v) >= 100 else 1
    return f"{v[0]:.{digits}f} / {v[1]:.{digits}f}"


def table(results: dict[str, list[Row]]) -> str:
    ours, extr, base = results["ours"], results["extractive"], results["baseline"]
    lines = [
        "| measure (p50 / p95) | ours, generated | ours, extractive | LangChain baseline | ours/baseline p50 "
        "| ours/baseline p95 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, label, unit in MEASURES:
        a, e, b = stat(ours, key), stat(extr, key), stat(base, key)
        ratio = ["–", "–"] if a is None or b is None else [f"{x / y:.2f}" if y else "–" for x, y in zip(a, b, strict=True)]
        lines.append(f"| {label}{' (s)' if unit else ''} | {_cell(a, unit)} | {_cell(e, unit)} | {_cell(b, unit)} | "
                     f"{ratio[0]} | {ratio[1]} |")  # fmt: skip
    e2e_e, e2e_b = stat(extr, "total"), stat(base, "total")
    llm_ran = sum("first_token" in r for r in ours)
    notes = [
        f"questions: {len(ours)}; ours reached the LLM on {llm_ran} (the rest were refused by the evidence check "
        f"before it: {sum(r.get('refused', 0) == 1 and 'first_token' not in r for r in ours)}); "
        f"ours refused {sum(r.get('refused', 0) == 1 for r in ours)} in all",
    ]
    if e2e_e and e2e_b:
        notes.append(f"extractive/baseline end-to-end: p50 {e2e_e[0] / e2e_b[0]:.3f}, p95 {e2e_e[1] / e2e_b[1]:.3f}")
    return "\n".join([*lines, "", *notes])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", type=Path, default=REPO / "evals" / "party_dev.jsonl", help="evaluation items (JSONL)")
    ap.add_argument("--corpus", type=Path, action="append", help="corpus folder (repeatable; default party + news)")
    ap.add_argument("--limit", type=int, default=10, help="timed questions")
    ap.add_argument("--every", type=int, default=6, help="take every K-th question of the set (it is ordered by kind)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed questions per system first")
    ap.add_argument("--config", type=Path, help="YAML settings file")
    ap.add_argument("--cache-root", type=Path, help="our evaluation index cache (default: the eval cache beside index_dir)")
    ap.add_argument("--baseline-index", type=Path, help="the baseline's Chroma folder (cached)")
    ap.add_argument("--json", type=Path, help="write every per-question measurement here")
    args = ap.parse_args(argv)
    corpora = args.corpus or [REPO.parent / "shared" / "corpora" / "party", REPO.parent / "shared" / "corpora" / "news"]
    settings = load_settings(args.config)
    if settings.answer_mode == "extractive":  # "ours, generated" is the configured design that uses the model
        settings = settings.model_copy(update={"answer_mode": "choose"})
    questions, _ = load_items(args.set)
    chosen = pick(questions, args.limit, args.every)
    timed = [q.question for q in chosen]
    warm = [q.question for q in questions if q not in chosen][: args.warmup]

    t0 = time.perf_counter()
    embedder, generator = build_embedder(settings), build_generator(settings)
    print(f"models loaded in {time.perf_counter() - t0:.1f} s: {embedder.name}, {generator.name} (context "
          f"{settings.llm_context}, {settings.cpu_threads} threads, max {settings.llm_max_tokens} tokens)",
          flush=True)  # fmt: skip
    cache_root = args.cache_root or settings.index_dir.parent / "eval-indexes"
    pipe, _, cached = prepare_index(corpora, settings, cache_root, embedder=embedder, generator=generator)
    extractive = Pipeline(pipe.settings.model_copy(update={"answer_mode": "extractive"}), embedder=embedder)
    key = corpus_key(corpora, settings, embedder.name)
    bench_cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "assistant-bench"
    base_dir = args.baseline_index or bench_cache / f"langchain-{key}"
    baseline, info = open_baseline(corpora, settings, base_dir, embedder, generator)
    print(f"our index {'cached' if cached else 'built'} ({pipe.store.count()} passages); baseline: {info.get('chunks')} chunks "
          f"of {info.get('documents')} files in {base_dir}", flush=True)  # fmt: skip

    load0 = os.getloadavg()[0]
    results = {
        "ours": run_block("ours", lambda q: time_ours(pipe.answerer, q), warm, timed),
        "extractive": run_block("extractive", lambda q: time_ours(extractive.answerer, q), warm, timed),
        "baseline": run_block("baseline", lambda q: time_baseline(baseline, q), warm, timed),
    }
    load = (load0 + os.getloadavg()[0]) / 2
    print(f"\n{len(timed)} questions of {args.set.name}, {os.cpu_count()} CPUs, 1-minute load average {load:.1f} "
          "(mean of start and end; above the CPU count other work ran)\n")  # fmt: skip
    print(table(results))
    if args.json:
        payload: dict[str, Any] = {"questions": timed, "load": load, "results": results}
        payload["settings"] = settings.model_dump(mode="json")
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=1), "utf-8")
    pipe.close()
    extractive.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
