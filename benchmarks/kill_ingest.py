"""kill -9 trials: `assistant ingest` is SIGKILLed at random moments, rerun, and the index checked.

    .venv/bin/python benchmarks/kill_ingest.py --trials 20 [--seed N] [--fresh-every 5]

A copy of corpora/sample plus generated Markdown files is ingested by the real CLI (`python -m
assistant.cli.main ingest`, the configured embedder: EmbeddingGemma by default) in a subprocess, killed with
SIGKILL after a random delay, then ingested again to completion. Before each trial the generated files
get new content and one more file is added, so the killed run is replacing and adding documents; every
`--fresh-every` trials it starts from an empty index instead. After the kill the index must hold no
complete document without all its vectors; after the rerun the catalog, Chroma and the BM25 index must
hold exactly the same passages, none twice, and every file completely in its current version
(`assistant.ingest.integrity`). Checks run in their own process, so no Chroma client is shared with the child.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

VOCAB = (
    "chuyển đổi số khoa học công nghệ đổi mới sáng tạo kinh tế hạ tầng dữ liệu nhân lực doanh nghiệp tỉnh huyện "
    "xã chính quyền dịch vụ công trực tuyến an toàn thông tin nền tảng nông nghiệp du lịch giáo dục y tế môi trường "
    "đầu tư ngân sách cải cách hành chính văn hóa xã hội quốc phòng an ninh biên giới giao thông đô thị"
)
WORDS = VOCAB.split()


def write_generated(corpus: Path, round_no: int, seed: int) -> None:
    """Generated Markdown resolutions: all rewritten each round (new content), one more file each round."""
    rng = random.Random(seed * 1000 + round_no)
    for i in range(3 + round_no):
        parts = [f"ĐẢNG BỘ TỈNH THỬ NGHIỆM\n\nSố {100 + i}-NQ/TU\n\n# NGHỊ QUYẾT về nhiệm vụ thử nghiệm {i} (vòng {round_no})\n"]
        for j in range(1, rng.randint(3, 5)):
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(80, 160)))
            parts.append(f"## {j}. Nội dung {j}\n\n{words}. Chỉ tiêu vòng {round_no} đạt {rng.randint(1, 99)}%.\n")
        (corpus / f"nghi-quyet-{100 + i}-NQ-TU.md").write_text("\n".join(parts), "utf-8")


def _env(index: Path) -> dict[str, str]:
    return {**os.environ, "ASSISTANT_INDEX_DIR": str(index), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}


def ingest(index: Path, corpus: Path, kill_after: float | None = None) -> tuple[int | None, float, str]:
    """Run the CLI's ingest; with `kill_after`, SIGKILL it then. (exit code or None if killed, seconds, output)."""
    t0 = time.monotonic()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli.main", "ingest", str(corpus)], cwd=REPO, env=_env(index), stdout=out, stderr=out
        )
        try:
            proc.wait(timeout=kill_after if kill_after is not None else 1800)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            out.seek(0)
            return None, time.monotonic() - t0, out.read()
        out.seek(0)
        return proc.returncode, time.monotonic() - t0, out.read()


def check(index: Path, corpus: Path | None, settled: bool) -> dict[str, object]:
    """Consistency of an index, read in a separate process (a fresh Chroma client)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--check", str(index)]
    cmd += ["--settled"] if settled else []
    cmd += ["--corpus", str(corpus)] if corpus else []
    res = subprocess.run(cmd, cwd=REPO, env=_env(index), capture_output=True, text=True, timeout=600)
    if res.returncode != 0:
        return {"ok": False, "problems": [f"check failed: {res.stderr.strip()[-500:]}"]}
    return dict(json.loads(res.stdout.strip().splitlines()[-1]))


def _check_main(index: Path, corpus: Path | None, settled: bool) -> int:
    from assistant.ingest.integrity import check_files, check_index
    from assistant.pipeline import Pipeline
    from assistant.settings import load_settings

    s = load_settings(index_dir=index)
    pipe = Pipeline(s)
    state = check_index(pipe.catalog, pipe.store, index / "keyword", settled=settled)
    if corpus is not None:
        state.problems += check_files(pipe.catalog, [corpus], chunk_chars=s.chunk_chars, max_bytes=int(s.max_file_mb * 1e6))
    out = {k: getattr(state, k) for k in ("documents", "passages", "pending", "orphan_vectors", "problems")}
    print(json.dumps({**out, "ok": not state.problems}, ensure_ascii=False))
    return 0


@dataclass
class Trial:
    n: int
    fresh: bool
    kill_after: float
    killed: bool = False
    left: dict[str, object] = field(default_factory=dict)
    rerun_rc: int | None = None
    rerun_s: float = 0.0
    final: dict[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.left.get("ok")) and bool(self.final.get("ok")) and self.rerun_rc == 0


def run_trials(trials: int, *, seed: int, fresh_every: int, work: Path, log: bool = True) -> list[Trial]:
    rng = random.Random(seed)
    corpus, index = work / "corpus", work / "index"
    shutil.copytree(REPO / "corpora" / "sample", corpus, dirs_exist_ok=True)
    # calibration: a full ingest, then one round of changed files; kill delays are drawn from these durations
    write_generated(corpus, 0, seed)
    rc, full_s, out = ingest(index, corpus)
    if rc != 0:
        raise RuntimeError(f"calibration ingest failed:\n{out}")
    write_generated(corpus, 1, seed)
    rc, round_s, out = ingest(index, corpus)
    if rc != 0:
        raise RuntimeError(f"calibration ingest failed:\n{out}")
    if log:
        print(f"calibration: full ingest {full_s:.1f} s, a round of changed files {round_s:.1f} s\n{HEADER}", flush=True)
    done: list[Trial] = []
    for n in range(1, trials + 1):
        fresh = fresh_every > 0 and n % fresh_every == 1 % fresh_every
        if fresh:
            shutil.rmtree(index)
        write_generated(corpus, n + 1, seed)
        t = Trial(n, fresh, round(rng.uniform(0.0, full_s if fresh else round_s), 2))
        rc, _, _ = ingest(index, corpus, kill_after=t.kill_after)
        t.killed = rc is None
        t.left = check(index, None, settled=False)
        t.rerun_rc, t.rerun_s, out = ingest(index, corpus)
        t.final = check(index, corpus, settled=True)
        done.append(t)
        if log:
            print(_row(t), flush=True)
            for p in [*list(t.left.get("problems", [])), *list(t.final.get("problems", []))]:  # type: ignore[call-overload]
                print(f"    problem: {p}", flush=True)
    return done


HEADER = (
    "| trial | index | killed after s | killed | complete docs left | pending left | orphan vectors left | rerun s | "
    "docs | passages | consistent |\n|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---|"
)


def _row(t: Trial) -> str:
    f, left = t.final, t.left
    return (
        f"| {t.n} | {'empty' if t.fresh else 'existing'} | {t.kill_after:.2f} | {'yes' if t.killed else 'finished first'} | "
        f"{left.get('documents', '?')} | {left.get('pending', '?')} | {left.get('orphan_vectors', '?')} | {t.rerun_s:.1f} | "
        f"{f.get('documents', '?')} | {f.get('passages', '?')} | {'yes' if t.ok else 'NO'} |"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    ap.add_argument("--fresh-every", type=int, default=5, help="every N-th trial starts from an empty index (0: never)")
    ap.add_argument("--work-dir", type=Path, help="keep the corpus and index here (default: a temporary folder)")
    ap.add_argument("--check", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--settled", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.check:
        return _check_main(args.check, args.corpus, args.settled)
    print(f"seed {args.seed}", flush=True)
    with tempfile.TemporaryDirectory(prefix="kill-ingest-") as tmp:
        work = args.work_dir or Path(tmp)
        trials = run_trials(args.trials, seed=args.seed, fresh_every=args.fresh_every, work=work)
    bad = [t.n for t in trials if not t.ok]
    killed = sum(t.killed for t in trials)
    print(f"\n{len(trials)} trials (seed {args.seed}), {killed} killed mid-run, {len(trials) - len(bad)} consistent"
          + (f"; INCONSISTENT: {bad}" if bad else ""))  # fmt: skip
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
