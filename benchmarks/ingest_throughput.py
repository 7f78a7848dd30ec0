"""Ingestion throughput: passages embedded per second by each embedding configuration, against naive
sentence-transformers fp32, on the same real passages, in one run; then end-to-end ingestion of the same files.

    .venv/bin/python benchmarks/ingest_throughput.py [--corpus ../shared/corpora/party] [--passages 256]
        [--configs naive bf16:4 onnx-int8:8 ...] [--no-e2e]

The sample is whole files of --corpus in name order until at least --passages passages, chunked by our own
chunker into exactly the inputs ingestion embeds (`embed_input`: document id, breadcrumb, passage). Every
configuration runs in a fresh process (its own model load, threads and peak RSS). Columns: passages/s over the
sample, ratio to the naive row of the same run, mean and lowest cosine of each vector with the naive fp32 one,
model load seconds, median query-embedding ms, peak RSS, and the 1-minute load average when it finished (the
machine may be shared).

Configurations: `naive` is `SentenceTransformer.encode_document(passages, batch_size=32)` in input order
(sentence-transformers sorts one call's inputs by character length itself); `unsorted` is the same model fed
consecutive slices of 32, i.e. without any length sorting; `PRECISION:BATCH[:MAX_TOKENS]` is our adapter
(`embed.py`; fp32, bf16 or int8; max tokens 512 unless given) or `onnx-int8` (`embed_onnx.py`: the int8 ONNX graph
in the model store, built there first if missing, so a first run's load column includes the export);
`default` is what the settings build. The end-to-end rows run the real pipeline (load, metadata, chunk,
embed, Chroma, catalog, BM25) with the default settings into a temporary index, then edit every file (one new
sentence) and ingest again: unchanged passages keep their vectors.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # this checkout's code, not an installed copy
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from assistant.ingest import chunk as chunking  # noqa: E402
from assistant.ingest.indexer import (  # noqa: E402
    docmeta,
    embed_input,
    load,
)

DEFAULT_CONFIGS = ["naive", "unsorted", "fp32:16", "fp32:4", "int8:16", "onnx-int8:8", "onnx-int8:4", "bf16:16", "bf16:4",
                   "bf16:4:256", "default"]  # fmt: skip
QUERIES = ["Nghị quyết 57 đặt mục tiêu chi cho nghiên cứu phát triển đến năm 2030 là bao nhiêu?",
           "Cơ quan nào chủ trì xây dựng cơ sở dữ liệu quốc gia về khoa học công nghệ?",
           "Thời hạn báo cáo kết quả thực hiện kế hoạch là khi nào?"] * 4  # fmt: skip


def sample(corpus: Path, passages: int) -> tuple[list[Path], list[str]]:
    """Whole files in name order until at least `passages` passages, and their embedding inputs."""
    files: list[Path] = []
    texts: list[str] = []
    for path in sorted(p for p in corpus.iterdir() if p.suffix in (".md", ".txt", ".docx", ".html", ".pdf")):
        src = load.load_file(path, max_bytes=50_000_000)
        meta = docmeta.extract(src.text, path.name)
        meta = replace(meta, key=meta.doc_id)
        files.append(path)
        texts += [embed_input(meta, c) for c in chunking.chunk_document(src.text, meta.key, target_chars=1200)]
        if len(texts) >= passages:
            break
    return files, texts


# --- worker (one configuration, in its own process) -------------------------------------------------------------
def _worker(config: str, texts_file: Path, out: Path) -> None:
    from assistant.settings import load_settings

    texts = json.loads(texts_file.read_text("utf-8"))
    settings = load_settings()
    report: dict[str, Any] = {"config": config}
    t0 = time.perf_counter()
    if config in ("naive", "unsorted"):
        from sentence_transformers import SentenceTransformer

        from assistant import models

        model = SentenceTransformer(str(models.resolve(settings.model_dir, settings.embed_model)), device="cpu",
                                    local_files_only=True)  # fmt: skip
        report["load_s"] = time.perf_counter() - t0
        lengths = [len(ids) for ids in model.tokenizer(texts)["input_ids"]]
        report["tokens"] = {"mean": statistics.mean(lengths), "p90": float(np.percentile(lengths, 90)), "max": max(lengths),
                            "over_512": sum(n > 512 for n in lengths), "over_256": sum(n > 256 for n in lengths)}  # fmt: skip
        report["threads"] = __import__("torch").get_num_threads()
        model.encode_document(texts[:2], batch_size=2)  # warm-up
        t0 = time.perf_counter()
        if config == "naive":
            vecs = model.encode_document(texts, batch_size=32, normalize_embeddings=True)
        else:
            vecs = np.concatenate([model.encode_document(texts[i : i + 32], batch_size=32, normalize_embeddings=True)
                                   for i in range(0, len(texts), 32)])  # fmt: skip
        report["embed_s"] = time.perf_counter() - t0
        q = []
        for text in QUERIES:
            tq = time.perf_counter()
            model.encode_query([text], normalize_embeddings=True)
            q.append(time.perf_counter() - tq)
        report["query_ms"] = 1000 * statistics.median(q)
        np.save(out, np.asarray(vecs, dtype=np.float32))
    else:
        embedder = _embedder(config, settings)
        report["name"] = embedder.name
        report["load_s"] = time.perf_counter() - t0
        report["threads"] = settings.cpu_threads
        embedder.embed_documents(texts[:2])  # warm-up
        t0 = time.perf_counter()
        vecs = embedder.embed_documents(texts)
        report["embed_s"] = time.perf_counter() - t0
        q = []
        for text in QUERIES:
            tq = time.perf_counter()
            embedder.embed_query(text)
            q.append(time.perf_counter() - tq)
        report["query_ms"] = 1000 * statistics.median(q)
        np.save(out, np.asarray(vecs, dtype=np.float32))
    report["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report["load_avg"] = os.getloadavg()[0]
    print("RESULT " + json.dumps(report), flush=True)


def _embedder(config: str, settings: Any) -> Any:
    """`default`, or `PRECISION:BATCH[:MAX_TOKENS]` with any `embed_precision` (onnx-int8 included)."""
    from assistant.pipeline import build_embedder

    if config == "default":
        return build_embedder(settings)
    kind, batch, *rest = config.split(":")
    settings = settings.model_copy(update={"embed_batch_size": int(batch), "embed_max_tokens": int(rest[0]) if rest else 512})
    return build_embedder(settings.model_copy(update={"embed_precision": kind}))


def _e2e(files_list: Path) -> None:
    """End-to-end ingestion with the default settings into a temporary index, then an edit-and-reingest."""
    from assistant.pipeline import Pipeline
    from assistant.settings import load_settings

    files = [Path(p) for p in json.loads(files_list.read_text("utf-8"))]
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp_s:
        tmp = Path(tmp_s)
        corpus = tmp / "corpus"
        corpus.mkdir()
        for f in files:
            shutil.copy(f, corpus / f.name)
        pipe = Pipeline(load_settings(index_dir=tmp / "index"))
        t0 = time.perf_counter()
        name = pipe.embedder.name
        load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        reports = pipe.ingest([corpus])
        first_s = time.perf_counter() - t0
        chunks = sum(r.chunks for r in reports)
        for f in corpus.iterdir():  # one new closing sentence in every file
            f.write_text(f.read_text("utf-8") + "\n\nVăn bản này được cập nhật để kiểm tra việc nạp lại.\n", "utf-8")
        t0 = time.perf_counter()
        again = pipe.ingest([corpus])
        second_s = time.perf_counter() - t0
        result = {
            "name": name, "load_s": load_s, "files": len(files), "statuses": [r.status for r in reports],
            "chunks": chunks, "first_s": first_s, "again_chunks": sum(r.chunks for r in again),
            "again_reused": sum(r.reused for r in again), "again_s": second_s,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "load_avg": os.getloadavg()[0],
        }  # fmt: skip
        pipe.close()
    print("RESULT " + json.dumps(result), flush=True)


# --- driver --------------------------------------------------------------------------------------------------------
def _run_child(args: list[str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"{' '.join(args[:2])} failed:\n{proc.stderr[-3000:]}")
    return dict(json.loads(lines[-1][len("RESULT ") :]))


def _cpu() -> str:
    info = Path("/proc/cpuinfo").read_text("utf-8", errors="replace") if Path("/proc/cpuinfo").exists() else ""
    model = next((ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("model name")), "?")
    flags = set(next((ln for ln in info.splitlines() if ln.startswith("flags")), "").split())
    have = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_int8") if f in flags]
    return f"{model}, {os.cpu_count()} cores, {' '.join(have)}"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpora" / "party")
    ap.add_argument("--passages", type=int, default=256, help="at least this many passages (whole files)")
    ap.add_argument("--configs", nargs="+", default=DEFAULT_CONFIGS)
    ap.add_argument("--no-e2e", action="store_true", help="skip the end-to-end ingestion rows")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--e2e-worker", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--texts", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return _worker(args.worker, args.texts, args.out)
    if args.e2e_worker:
        return _e2e(args.e2e_worker)

    configs = ["naive"] + [c for c in args.configs if c != "naive"]
    files, texts = sample(args.corpus, args.passages)
    print(f"{len(texts)} passages from {len(files)} files of {args.corpus}; {_cpu()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="ingest-throughput-") as tmp_s:
        tmp = Path(tmp_s)
        texts_file = tmp / "texts.json"
        texts_file.write_text(json.dumps(texts, ensure_ascii=False), "utf-8")
        rows: list[tuple[str, dict[str, Any], np.ndarray]] = []
        for config in configs:
            out = tmp / f"{len(rows)}.npy"
            result = _run_child(["--worker", config, "--texts", str(texts_file), "--out", str(out)])
            vecs = np.load(out)
            rows.append((config, result, vecs))
            print(f"  {config}: {len(texts) / float(result['embed_s']):.2f} passages/s", flush=True)
        e2e = None
        if not args.no_e2e:
            files_file = tmp / "files.json"
            files_file.write_text(json.dumps([str(f) for f in files]), "utf-8")
            e2e = _run_child(["--e2e-worker", str(files_file)])
    print_table(texts, rows, e2e)


def print_table(texts: list[str], rows: list[tuple[str, dict[str, Any], np.ndarray]], e2e: dict[str, Any] | None) -> None:
    _, base, ref = rows[0]
    tok = base.get("tokens") or {}
    print(f"\npassage length in tokens (prompt included): mean {tok.get('mean', 0):.0f}, p90 {tok.get('p90', 0):.0f}, "
          f"max {tok.get('max', 0)}; {tok.get('over_512')} passages over 512 tokens (our adapter truncates them at "
          f"embed_max_tokens, naive keeps up to 2048), {tok.get('over_256')} over 256; "
          f"{base.get('threads')} torch threads")  # fmt: skip
    base_rate = len(texts) / float(base["embed_s"])
    head = ["configuration", "embedder name", "passages/s", "vs naive", "cosine to fp32 mean / min", "load s", "query ms",
            "peak RSS MB", "load avg"]  # fmt: skip
    print("\n| " + " | ".join(head) + " |")
    print("|---|---|---:|---:|---|---:|---:|---:|---:|")
    for config, r, vecs in rows:
        rate = len(texts) / float(r["embed_s"])
        v = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        cos = (v * ref).sum(axis=1)
        print(f"| {config} | {r.get('name', 'sentence-transformers fp32')} | {rate:.2f} | {rate / base_rate:.2f}× | "
              f"{cos.mean():.5f} / {cos.min():.5f} | {float(r['load_s']):.1f} | {float(r['query_ms']):.0f} | "
              f"{float(r['rss_mb']):.0f} | {float(r['load_avg']):.1f} |")  # fmt: skip
    if e2e:
        chunks, again = int(e2e["chunks"]), int(e2e["again_chunks"])
        first_s, again_s = float(e2e["first_s"]), float(e2e["again_s"])
        print(f"\nend to end (`Pipeline.ingest`, default settings, embedder {e2e['name']}, model load "
              f"{float(e2e['load_s']):.1f} s not included; load avg {float(e2e['load_avg']):.1f}):")  # fmt: skip
        print("\n| run | files | passages | embedded | seconds | passages/s |")
        print("|---|---:|---:|---:|---:|---:|")
        print(f"| first ingestion | {e2e['files']} | {chunks} | {chunks} | {first_s:.1f} | {chunks / first_s:.2f} |")
        reused = int(e2e["again_reused"])
        print(f"| every file edited, ingested again | {e2e['files']} | {again} | {again - reused} | {again_s:.1f} | "
              f"{again / again_s:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
