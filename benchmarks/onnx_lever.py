"""The ONNX Runtime lever of the ingestion benchmark (benchmark only: measured, not used by the assistant).

The local sentence-transformers folder is exported once, offline, with `torch.onnx.export` (dynamo) into one
graph (transformer, mean pooling, both dense layers, normalisation); the int8 variant is ONNX Runtime's dynamic
quantisation of its matrix products (per channel). Both are cached under the benchmark's data folder, never in
the model store. Optimum (what sentence-transformers' own `backend="onnx"` needs) would downgrade transformers
below the version this project runs, so it is not used. Needs the `onnx` and `onnxscript` packages (dev extra).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.batching import run_in_batches


def export(model_dir: Path, cache: Path, *, int8: bool) -> Path:
    """The ONNX file (fp32 or int8) for `model_dir`, exported and quantised first if not cached yet."""
    weights = (model_dir / "model.safetensors").stat()
    folder = cache / f"{model_dir.name}-{weights.st_size}-{weights.st_mtime_ns}"
    fp32, q8 = folder / "model.onnx", folder / "model_int8.onnx"
    if not fp32.exists():
        _export(model_dir, folder)
    if int8 and not q8.exists():
        _quantize(fp32, q8)
    return q8 if int8 else fp32


def _export(model_dir: Path, folder: Path) -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True).eval()

    class Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.st = st

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.st({"input_ids": input_ids, "attention_mask": attention_mask})["sentence_embedding"]

    sample = st.tokenizer(["title: none | text: xin chào", "title: none | text: một câu dài hơn để có đệm"], padding=True,
                          return_tensors="pt")  # fmt: skip
    batch, seq = torch.export.Dim("batch"), torch.export.Dim("seq")
    tmp = folder.with_name(folder.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(Graph().eval(), (sample["input_ids"], sample["attention_mask"]), str(tmp / "model.onnx"),
                          input_names=["input_ids", "attention_mask"], output_names=["sentence_vector"],
                          dynamic_shapes={"input_ids": {0: batch, 1: seq}, "attention_mask": {0: batch, 1: seq}},
                          dynamo=True, external_data=True)  # fmt: skip
    tmp.rename(folder)


def _quantize(src: Path, out: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(str(src))
    del model.graph.value_info[:]  # the exporter's stale shape annotations fail the quantiser's shape inference
    clean = src.with_name("clean.onnx")
    onnx.save(model, str(clean), save_as_external_data=True, location="clean.onnx.data")
    del model
    tmp = out.with_name("tmp_int8.onnx")
    quantize_dynamic(str(clean), str(tmp), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"], per_channel=True,
                     use_external_data_format=True)  # fmt: skip
    for f in (clean, clean.with_name("clean.onnx.data")):
        f.unlink()
    tmp.rename(out)  # the graph still names its data file "tmp_int8.onnx.data", which stays beside it


class OnnxEmbedder:
    """The exported graph on ONNX Runtime, with the model's own prompts and tokenizer; token-length-sorted batches."""

    def __init__(self, model_dir: Path, onnx_file: Path, name: str, *, batch_size: int, max_tokens: int, threads: int) -> None:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        prompts: dict[str, Any] = json.loads((model_dir / "config_sentence_transformers.json").read_text("utf-8"))["prompts"]
        self._doc, self._query = str(prompts["document"]), str(prompts["query"])
        self._tok = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
        self._max, self._batch, self.name = max_tokens, batch_size, name
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(onnx_file), sess_options=opts, providers=["CPUExecutionProvider"])
        self.dim = int(self._run([self._doc + "x"]).shape[1])

    def _run(self, texts: list[str]) -> np.ndarray:
        enc = self._tok(texts, padding=True, truncation=True, max_length=self._max, return_tensors="np")
        feeds = {"input_ids": enc["input_ids"].astype(np.int64), "attention_mask": enc["attention_mask"].astype(np.int64)}
        out = np.asarray(self._session.run(None, feeds)[0], dtype=np.float32)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        inputs = [self._doc + t for t in texts]
        lengths = [len(ids) for ids in self._tok(inputs, truncation=True, max_length=self._max)["input_ids"]]
        return [list(map(float, v)) for v in run_in_batches(inputs, lengths, self._batch, lambda b: list(self._run(b)))]

    def embed_query(self, text: str) -> list[float]:
        return list(map(float, self._run([self._query + text])[0]))


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "assistant-bench" / "onnx"
