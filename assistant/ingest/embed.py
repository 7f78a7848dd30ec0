"""Embedding stage: the sentence-transformers adapter (the only module that imports it or torch at run time).

Precision (`embed_precision`): `fp32`; `bf16` (weights and activations in bfloat16: fast on CPUs with
AVX512-BF16/AMX, which run its matrix products natively; vectors agree with fp32 to a cosine of ~0.9999);
`int8` (torch dynamic quantisation of every linear layer: faster than fp32 but its vectors drift from fp32's,
see the README's ingestion benchmark). `export_onnx` traces the model for `embed_onnx` (onnx-int8).
`auto_precision` is what `auto` picks for a new index on this CPU.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

Precision = Literal["fp32", "bf16", "int8"]


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder, never from a hub.

    Uses the model's own query/document prompts (`encode_query` / `encode_document`) where it
    has them (EmbeddingGemma does), and L2-normalised vectors. sentence-transformers sorts the
    inputs of one call by length before batching, so batches carry little padding.
    """

    def __init__(
        self,
        path: Path,
        name: str,
        *,
        batch_size: int = 16,
        max_tokens: int = 512,
        precision: Precision = "fp32",
        threads: int | None = None,
    ) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        self._name = name
        self._batch = batch_size
        # bf16 weights are read as such (every module, the dense layers too): a lower peak than converting after loading
        model_kwargs: dict[str, Any] | None = {"dtype": torch.bfloat16} if precision == "bf16" else None
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True, model_kwargs=model_kwargs)
        self._model.max_seq_length = min(max_tokens, self._model.max_seq_length or max_tokens)
        if precision == "int8":
            self._model = torch.ao.quantization.quantize_dynamic(self._model, {torch.nn.Linear}, dtype=torch.qint8)
        self._model.eval()
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = get_dim()
        if dim is None:
            raise ValueError(f"embedding model at {path} does not report its dimension")
        self._dim = int(dim)

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def _encode(self, kind: Literal["document", "query"], texts: list[str], batch_size: int) -> list[list[float]]:
        import torch

        encode = getattr(self._model, f"encode_{kind}", self._model.encode)
        with torch.inference_mode():
            vecs = encode(texts, batch_size=batch_size, show_progress_bar=False, convert_to_tensor=True).float()
            vecs = torch.nn.functional.normalize(vecs, p=2, dim=1)  # in fp32: a bf16 norm is only good to ~0.4%
        return [list(map(float, v)) for v in vecs.cpu().numpy()]

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        return self._encode("document", list(texts), self._batch)

    def embed_query(self, text: str) -> list[float]:
        return self._encode("query", [text], 1)[0]


def export_onnx(model_dir: Path, out: Path) -> None:
    """Trace the sentence-transformers folder into one fp32 ONNX graph at `out` (weights in `out`.data).

    Inputs `input_ids` and `attention_mask` (batch and sequence dynamic), output `sentence_vector`: the
    transformer, pooling, dense layers and normalisation of the folder's own modules (`embed_onnx` runs it).
    """
    import torch
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True).eval()

    class Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.st = st

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.st({"input_ids": input_ids, "attention_mask": attention_mask})["sentence_embedding"]

    sample = st.tokenizer(["xin chào", "một câu dài hơn để có đệm"], padding=True, return_tensors="pt")
    batch, seq = torch.export.Dim("batch"), torch.export.Dim("seq")
    with torch.no_grad():
        torch.onnx.export(Graph().eval(), (sample["input_ids"], sample["attention_mask"]), str(out),
                          input_names=["input_ids", "attention_mask"], output_names=["sentence_vector"],
                          dynamic_shapes={"input_ids": {0: batch, 1: seq}, "attention_mask": {0: batch, 1: seq}},
                          dynamo=True, external_data=True)  # fmt: skip


def cpu_flags() -> set[str]:
    """The instruction-set flags of this CPU (/proc/cpuinfo), empty where they cannot be read."""
    try:
        info = Path("/proc/cpuinfo").read_text("utf-8", errors="replace")
    except OSError:
        return set()
    return set(next((ln for ln in info.splitlines() if ln.startswith("flags")), "").split())


def native_bf16(flags: set[str] | None = None) -> bool:
    """Whether this CPU computes bfloat16 matrix products natively (AVX512-BF16 or AMX-BF16)."""
    return bool((cpu_flags() if flags is None else flags) & {"avx512_bf16", "amx_bf16"})


def auto_precision(flags: set[str] | None = None) -> str:
    """The precision `embed_precision: auto` gives a new index on this CPU (the README's ingestion benchmark).

    AMX: bf16 (4.5x naive fp32, no measurable ALQAC loss). int8 dot products (VNNI) without AMX: onnx-int8 (3.6x,
    within 0.2 points of fp32's ALQAC MRR@10; bf16 there is 2.8x). Otherwise bf16 where native, else fp32.
    """
    have = cpu_flags() if flags is None else flags
    if "amx_bf16" in have:
        return "bf16"
    if have & {"avx512_vnni", "avx_vnni"}:
        return "onnx-int8"
    return "bf16" if native_bf16(have) else "fp32"
