"""Load test of `assistant serve` on loopback, with the real models.

    python -m benchmarks.load_test [--clients 50] [--duration 120] [--answer-mode auto|choose|copy|extractive]

Builds an index of a corpus (default corpora/sample) in a temporary folder with `assistant ingest`, adds a
user and a token through the Python API, starts `assistant serve` on a free loopback port, warms it up with
one answer, then runs the clients (mix in `loadgen.DEFAULT_MIX`: /ask as JSON and as a stream, the
OpenAI-compatible endpoint, document listings and views, health) while sampling the server's RSS every
second. Prints a table; exits 1 on any 5xx or unanswered request, a failed answer inside a 200, a 429
without Retry-After, RSS growth or slope over the bounds, or answer slots still taken after the load.
Answer mode `auto` uses the configured design with the GGUF model when it is installed, else answers
extractively (and says so). The questions are those of evals/sample_smoke.jsonl (answerable and unanswerable).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from assistant import models
from assistant.access.users import UserStore
from assistant.settings import load_settings
from benchmarks.loadgen import free_port, loadavg, proc_mb, run_load, server_process, warm_up

REPO = Path(__file__).resolve().parent.parent


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=50, help="Concurrent clients (default 50).")
    p.add_argument("--duration", type=float, default=120.0, help="Seconds of load (default 120).")
    p.add_argument("--think", type=float, default=1.0, help="Mean pause of a client between requests, s (default 1).")
    p.add_argument("--corpus", type=Path, default=REPO / "corpora" / "sample", help="Folder indexed for the test.")
    p.add_argument("--questions", type=Path, default=REPO / "evals" / "sample_smoke.jsonl", help="Questions (JSONL).")
    p.add_argument(
        "--answer-mode",
        choices=["auto", "choose", "copy", "extractive"],
        default="auto",
        help="auto: the configured answer_mode with the GGUF model when it is installed, else extractive.",
    )
    p.add_argument("--max-concurrent-answers", type=int, help="Server setting (default: the server's).")
    p.add_argument("--max-queued-answers", type=int, help="Server setting (default: the server's).")
    p.add_argument("--answer-queue-wait", type=float, help="Server setting answer_queue_wait_s (default: the server's).")
    p.add_argument("--max-rss-growth-mb", type=float, default=100.0, help="Fail if RSS grows more during the load.")
    p.add_argument("--max-rss-slope", type=float, default=30.0, help="Fail if RSS rises faster over the second half, MB/min.")
    p.add_argument("--keep", type=Path, help="Work in this folder and keep it (index, server log, rss.csv, requests.jsonl).")
    return p.parse_args()


def main() -> int:
    args = parse_args()
    settings = load_settings()
    mode = settings.answer_mode if args.answer_mode == "auto" else args.answer_mode
    if mode != "extractive":
        try:
            gguf = models.resolve(settings.model_dir, settings.llm_model)
            print(f"answers: {mode} with {gguf.name}")
        except models.ModelError as exc:
            if args.answer_mode != "auto":
                print(f"cannot generate: {exc}")
                return 2
            print(f"answers: extractive — the LLM is not installed ({exc})")
            mode = "extractive"
    questions = [json.loads(line)["question"] for line in args.questions.read_text("utf-8").splitlines() if line.strip()]
    work = args.keep or Path(tempfile.mkdtemp(prefix="assistant-load-"))
    work.mkdir(parents=True, exist_ok=True)
    index = work / "index"
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index), "ASSISTANT_ANSWER_MODE": mode, "HF_HUB_OFFLINE": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    for name, value in [
        ("MAX_CONCURRENT_ANSWERS", args.max_concurrent_answers), ("MAX_QUEUED_ANSWERS", args.max_queued_answers),
        ("ANSWER_QUEUE_WAIT_S", args.answer_queue_wait),
    ]:  # fmt: skip
        if value is not None:
            env["ASSISTANT_" + name] = str(value)
    try:
        print(f"before: {loadavg()}")
        start = time.monotonic()
        subprocess.run([sys.executable, "-m", "assistant.cli.main", "ingest", str(args.corpus)], env=env, cwd=REPO, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        print(f"index of {args.corpus} built in {time.monotonic() - start:.0f} s")
        users = UserStore(index / "users.sqlite")
        users.add_user("tai-thu", "analyst", "tối mật", display_name="Kiểm thử tải")
        token = users.issue_token("tai-thu", "load test")[1]
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        cmd = [sys.executable, "-m", "assistant.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)]
        with open(work / "server.log", "wb") as log, server_process(cmd, env, REPO, log, url, wait_s=120) as pid:
            print(f"server pid {pid}: {proc_mb(pid):.0f} MB at start")
            print(f"warm-up answer in {warm_up(url, token, questions[0]):.1f} s; {proc_mb(pid):.0f} MB")
            result = asyncio.run(run_load(url, token, pid, questions, clients=args.clients, duration_s=args.duration,
                                          think_s=args.think))  # fmt: skip
        print(f"after: {loadavg()}")
        if args.keep:  # the raw figures, for a closer look
            samples = zip(result.rss, result.parts, strict=True)
            rows = [f"{t:.1f},{mb:.1f},{anon:.1f},{file:.1f}\n" for (t, mb), (anon, file) in samples]
            (work / "rss.csv").write_text("seconds,rss_mb,anon_mb,file_mb\n" + "".join(rows))
            with open(work / "requests.jsonl", "w", encoding="utf-8") as f:
                f.writelines(json.dumps(asdict(o), ensure_ascii=False) + "\n" for o in result.outcomes)
        print()
        print(f"answer mode {mode}; " + result.table())
        failures = result.failures(args.max_rss_growth_mb, args.max_rss_slope)
        for line in failures:
            print("FAIL:", line)
        if failures:
            print(f"server log: {work / 'server.log'}" if args.keep else "(rerun with --keep DIR to keep the server log)")
        return 1 if failures else 0
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
