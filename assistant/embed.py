"""Embedding stage: the sentence-transformers adapter (the only module that imports it or torch)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder, never from a hub.

    Uses the model's own query/document prompts (`encode_query` / `encode_document`) where it
    has them (EmbeddingGemma does), and L2-normalised vectors.
    """

    def __init__(
        self,
        path: Path,
        name: str,
        *,
        batch_size: int = 16,
        max_tokens: int = 512,
        quantize: bool = False,
        threads: int | None = None,
    ) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        self._name = name
        self._batch = batch_size
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self._model.max_seq_length = min(max_tokens, self._model.max_seq_length or max_tokens)
        if quantize:
            self._model = torch.ao.quantization.quantize_dynamic(self._model, {torch.nn.Linear}, dtype=torch.qint8)
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

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        encode = getattr(self._model, "encode_document", self._model.encode)
        vecs = encode(list(texts), batch_size=self._batch, normalize_embeddings=True, show_progress_bar=False)
        return [list(map(float, v)) for v in vecs]

    def embed_query(self, text: str) -> list[float]:
        encode = getattr(self._model, "encode_query", self._model.encode)
        vec = encode([text], batch_size=1, normalize_embeddings=True, show_progress_bar=False)[0]
        return list(map(float, vec))
