"""Embedding stage on ONNX Runtime: the adapter for onnxruntime and onnx (the only module that imports them).

`embed_precision: onnx-int8` runs the embedding model as one ONNX graph (transformer, pooling, dense layers,
normalisation) whose matrix products ONNX Runtime's dynamic quantisation turned into int8 (per channel). On
CPUs without AMX this is the fastest configuration measured (benchmarks/ingest_throughput.py).

Recipe 2 keeps each MLP's down projection (weight `intermediate_size × hidden_size`) in fp32: its inputs carry
activation outliers that one per-tensor dynamic scale resolves badly, and quantising it caused almost all of the
drift from fp32 (mean cosine 0.981 with it, 0.996 without, on ALQAC passages). The dense layers after pooling
are exported as `Gemm` and stay fp32 too. A folder built by another recipe is rebuilt, not used.

The graph is derived locally from the sha256-verified model folder, never downloaded: `embed.export_onnx`
traces it (torch), `build_int8` quantises it into the model store beside its source, and `manifest.json`
records the source's sha256 and each produced file's sha256, checked before every load. A folder is written
under a temporary name and renamed when complete, so a killed export leaves nothing that looks finished.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import numpy as np

from assistant.ingest.batching import run_in_batches
from assistant.models import sha256_file

GRAPH = "model_int8.onnx"
MANIFEST = "manifest.json"
RECIPE = 2  # 1: every weight MatMul int8; 2: the MLP down projections kept fp32


class OnnxModelError(RuntimeError):
    """The int8 graph is missing, incomplete or does not match its manifest."""


def int8_dir(store: Path, source: Path) -> Path:
    """Where the int8 graph of the model folder `source` lives: `<store>/<folder name>+onnx-int8`."""
    return store / f"{source.name}+onnx-int8"


def build_int8(source: Path, dest: Path, export: Callable[[Path, Path], None], step: Callable[[str], None] | None = None) -> Path:
    """Export `source` with `export(source, fp32_file)`, quantise it to int8 in `dest`; returns `dest`.

    `step` hears one line per step (export, quantise); what the libraries print meanwhile (the exporter's
    progress, warnings, ONNX Runtime's advice) goes to `build_log(dest)`, which the lines name.

    Idempotent: a complete `dest` of this RECIPE is kept as it is (`verify` checks it; `OnnxEmbedder` does so at
    every load); one of another recipe is replaced, atomically, once the new graph is complete. Processes that
    need the graph at once (the API and a CLI ingest) take turns on a lock file: one builds, the others use it.
    """
    if dest.exists() and _recipe(dest) == RECIPE:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest.with_name(dest.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, by the kernel if the process dies
        if dest.exists() and _recipe(dest) == RECIPE:
            return dest
        return _build(source, dest, export, step or (lambda _line: None))


def build_log(dest: Path) -> Path:
    """The file that keeps the libraries' output of the last build of `dest`."""
    return dest.with_name(dest.name + ".build.log")


@contextmanager
def library_output_to(log: Path) -> Iterator[None]:
    """Everything written to stdout and stderr, by Python or by native code, and every warning, goes to `log`."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log, "a", encoding="utf-8") as f, warnings.catch_warnings(), redirect_stdout(f), redirect_stderr(f):
        warnings.simplefilter("default")

        def show(message: Warning | str, category: type[Warning], filename: str, lineno: int, file: object = None,
                 line: str | None = None) -> None:  # fmt: skip
            f.write(warnings.formatwarning(message, category, filename, lineno, line))

        warnings.showwarning = show
        try:
            os.dup2(f.fileno(), 1)
            os.dup2(f.fileno(), 2)
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def _build(source: Path, dest: Path, export: Callable[[Path, Path], None], step: Callable[[str], None]) -> Path:
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "fp32").mkdir(parents=True)
    log = build_log(dest)
    log.write_text("", "utf-8")
    step(f"int8 ONNX graph of {source.name}: export (about 2 min; library output in {log})")
    with library_output_to(log):
        export(source, tmp / "fp32" / "model.onnx")
    step(f"int8 ONNX graph of {source.name}: quantise")
    with library_output_to(log):
        _quantize(tmp / "fp32" / "model.onnx", tmp / GRAPH, _down_projection_shape(source))
    shutil.rmtree(tmp / "fp32")
    files = {p.name: sha256_file(p) for p in sorted(tmp.iterdir())}
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model",
                 "added_tokens.json", "config_sentence_transformers.json"):  # fmt: skip
        if (source / name).exists():
            shutil.copy2(source / name, tmp / name)
    manifest = {"source": source.name, "source_sha256": sha256_file(source / "model.safetensors"), "recipe": RECIPE,
                "fp32_nodes": _fp32_nodes(tmp / GRAPH), "files": files}  # fmt: skip
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1), "utf-8")
    if dest.exists():  # another recipe's folder: set aside, then dropped once the new one is in place
        old = dest.with_name(dest.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(dest, old)
        os.replace(tmp, dest)
        shutil.rmtree(old)
    else:
        os.replace(tmp, dest)
    return dest


def _recipe(folder: Path) -> int | None:
    try:
        return int(json.loads((folder / MANIFEST).read_text("utf-8")).get("recipe", 1))
    except (OSError, ValueError, TypeError):
        return None


def _down_projection_shape(source: Path) -> tuple[int, int]:
    """(intermediate_size, hidden_size) from the model's config.json: the MLP down projection's weight shape."""
    config = json.loads((source / "config.json").read_text("utf-8"))
    return int(config["intermediate_size"]), int(config["hidden_size"])


def _quantize(src: Path, out: Path, keep_shape: tuple[int, int]) -> None:
    """Dynamic int8 of every weight MatMul except those whose weight has `keep_shape` (left fp32)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(str(src))
    del model.graph.value_info[:]  # the exporter's stale shape annotations fail the quantiser's shape inference
    shapes = {init.name: tuple(init.dims) for init in model.graph.initializer}
    keep = [n.name for n in model.graph.node
            if n.op_type == "MatMul" and len(n.input) > 1 and shapes.get(n.input[1]) == keep_shape]  # fmt: skip
    if not keep:
        raise OnnxModelError(f"{src}: no MatMul has a weight of shape {keep_shape} (the MLP down projection)")
    clean = src.with_name("clean.onnx")
    onnx.save(model, str(clean), save_as_external_data=True, location="clean.onnx.data")
    del model
    quantize_dynamic(str(clean), str(out), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"], per_channel=True,
                     nodes_to_exclude=keep, use_external_data_format=True)  # fmt: skip


def _fp32_nodes(graph: Path) -> int:
    """How many MatMul/Gemm nodes of `graph` multiply by an fp32 weight (recorded in the manifest)."""
    import onnx

    model = onnx.load(str(graph), load_external_data=False)
    fp32 = {i.name for i in model.graph.initializer if i.data_type == onnx.TensorProto.FLOAT and len(i.dims) == 2}
    return sum(1 for n in model.graph.node if n.op_type in ("MatMul", "Gemm") and len(n.input) > 1 and n.input[1] in fp32)


def verify(source: Path, folder: Path) -> dict[str, Any]:
    """The manifest of `folder`, after checking it was built from `source` and that no file changed."""
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise OnnxModelError(f"{folder}: no readable {MANIFEST} ({exc}); delete the folder and rebuild it") from exc
    if manifest.get("recipe", 1) != RECIPE:
        raise OnnxModelError(f"{folder} was built by quantisation recipe {manifest.get('recipe', 1)}, not {RECIPE}; "
                             "rebuild it with `assistant models onnx`")  # fmt: skip
    if manifest.get("source_sha256") != sha256_file(source / "model.safetensors"):
        raise OnnxModelError(f"{folder} was built from another version of {source}; delete it and rebuild it")
    for name, digest in manifest.get("files", {}).items():
        path = folder / name
        if not path.exists() or sha256_file(path) != digest:
            raise OnnxModelError(f"{path} is missing or changed since it was built; delete {folder} and rebuild it")
    return manifest


class OnnxEmbedder:
    """The int8 graph on ONNX Runtime, with the model's own prompts and tokenizer; token-length-sorted batches."""

    def __init__(self, source: Path, folder: Path, name: str, *, batch_size: int = 8, max_tokens: int = 512,
                 threads: int | None = None) -> None:  # fmt: skip
        import onnxruntime as ort
        from transformers import AutoTokenizer

        verify(source, folder)
        config = folder / "config_sentence_transformers.json"
        prompts: dict[str, Any] = json.loads(config.read_text("utf-8")).get("prompts", {}) if config.exists() else {}
        self._doc, self._query = str(prompts.get("document", "")), str(prompts.get("query", ""))
        self._tok = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        self._max, self._batch, self._name = max_tokens, batch_size, name
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(folder / GRAPH), sess_options=opts, providers=["CPUExecutionProvider"])
        self._dim = int(self._run([self._doc + "x"]).shape[1])

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def _run(self, texts: list[str]) -> np.ndarray:
        enc = self._tok(texts, padding=True, truncation=True, max_length=self._max, return_tensors="np")
        feeds = {"input_ids": enc["input_ids"].astype(np.int64), "attention_mask": enc["attention_mask"].astype(np.int64)}
        out = np.asarray(self._session.run(None, feeds)[0], dtype=np.float32)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        inputs = [self._doc + t for t in texts]
        lengths = [len(ids) for ids in self._tok(inputs, truncation=True, max_length=self._max)["input_ids"]]
        vecs = run_in_batches(inputs, lengths, self._batch, lambda b: list(self._run(b)))
        return [list(map(float, v)) for v in vecs]

    def embed_query(self, text: str) -> list[float]:
        return list(map(float, self._run([self._query + text])[0]))
