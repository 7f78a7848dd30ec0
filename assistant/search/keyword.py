"""Keyword index stage: BM25 over Vietnamese tokens (`terms.tokenize`), through bm25s (the only module importing it)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from assistant.text.terms import TOKENS_VERSION, tokenize

_OWN_TOKENIZER = "assistant.keyword.tokenize"
"""The name stored with every index built by our own tokenizer: fixed, so moving the function rebuilds nothing."""


class KeywordIndex:
    """BM25 over a list of (chunk_id, text), persisted in a folder and tagged with a generation."""

    def __init__(self, folder: Path, tokenizer: Callable[[str], list[str]] = tokenize) -> None:
        self._folder = folder
        self._tokenize = tokenizer
        self._ids: list[str] = []
        self._pos: dict[str, int] = {}  # id -> index, built on first use
        self._bm25: object | None = None
        self.generation: int = -1
        # which tokens an index holds: the tokenizer, and our own's version
        name = _OWN_TOKENIZER if tokenizer is tokenize else f"{tokenizer.__module__}.{tokenizer.__qualname__}"
        self._tokens_tag = f"{name}:{TOKENS_VERSION}"
        self.outdated = False  # the folder holds an index of other tokens (`load` said False; rebuild it)

    @property
    def ids(self) -> list[str]:
        """Passage ids in index order."""
        return list(self._ids)

    def build(self, items: Sequence[tuple[str, str]], generation: int) -> None:
        import bm25s

        self._ids = [cid for cid, _ in items]
        self._pos = {}
        corpus_tokens = [self._tokenize(text) or ["∅"] for _, text in items]
        model = bm25s.BM25()
        if corpus_tokens:
            model.index(corpus_tokens, show_progress=False)
        self._bm25 = model
        self.generation = generation
        self._save()

    def _save(self) -> None:
        if self._bm25 is None:
            return
        tmp = self._folder.with_name(self._folder.name + ".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        if self._ids:
            self._bm25.save(str(tmp), show_progress=False)  # type: ignore[attr-defined]
        meta = {"generation": self.generation, "tokens": self._tokens_tag, "ids": self._ids}
        (tmp / "ids.json").write_text(json.dumps(meta), "utf-8")
        if self._folder.exists():
            old = self._folder.with_name(self._folder.name + ".old")
            if old.exists():
                _rmtree(old)
            self._folder.rename(old)
            tmp.rename(self._folder)
            _rmtree(old)
        else:
            tmp.rename(self._folder)

    def load(self) -> bool:
        """Load from disk; False when there is nothing (or nothing readable) there, or an index of other tokens
        (`outdated`: built by another tokenizer or an earlier version of ours)."""
        meta = self._folder / "ids.json"
        if not meta.exists():
            return False
        import bm25s

        try:
            data = json.loads(meta.read_text("utf-8"))
            self.outdated = data.get("tokens") != self._tokens_tag
            if self.outdated:
                return False
            self._ids = list(data["ids"])
            self._pos = {}
            self.generation = int(data["generation"])
            self._bm25 = bm25s.BM25.load(str(self._folder), show_progress=False) if self._ids else bm25s.BM25()
        except (OSError, ValueError, KeyError):
            return False
        return True

    def idf(self, terms: set[str], allowed: set[str] | None = None) -> dict[str, float]:
        """BM25 inverse document frequency of each term; a term found in no passage gets the highest weight.

        With `allowed`, frequencies count only those passages, so passages a reader may not see
        leave no trace in the weights (and so in refusal decisions).
        """
        model = self._bm25
        vocab: dict[str, int] = getattr(model, "vocab_dict", {}) or {}
        scores = getattr(model, "scores", {}) if model is not None else {}
        indptr = scores.get("indptr")
        indices = scores.get("indices")
        mask = self._mask(allowed)
        n = len(self._ids) if mask is None else int(mask.sum())
        out = {}
        for t in terms:
            tid = vocab.get(t)
            if tid is None or indptr is None:
                df = 0
            elif mask is None or indices is None:
                df = int(indptr[tid + 1] - indptr[tid])
            else:
                df = int(mask[np.asarray(indices[indptr[tid] : indptr[tid + 1]], dtype=np.int64)].sum())
            out[t] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return out

    def _mask(self, allowed: set[str] | None) -> np.ndarray | None:
        if allowed is None:
            return None
        if not self._pos:
            self._pos = {cid: i for i, cid in enumerate(self._ids)}
        mask = np.zeros(len(self._ids), dtype=bool)
        mask[[self._pos[c] for c in allowed if c in self._pos]] = True
        return mask

    def search(self, query: str, k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        if not self._ids or self._bm25 is None:
            return []
        q = self._tokenize(query)
        if not q:
            return []
        allowed_mask = self._mask(allowed)
        mask = None
        if allowed_mask is not None:
            if not allowed_mask.any():
                return []
            mask = allowed_mask.astype(np.float32)
        k = min(k, len(self._ids))
        docs, scores = self._bm25.retrieve(  # type: ignore[attr-defined]
            [q], k=k, show_progress=False, weight_mask=mask, n_threads=1
        )
        out = []
        for idx, score in zip(docs[0], scores[0], strict=False):
            cid = self._ids[int(idx)]
            if float(score) <= 0 or (allowed is not None and cid not in allowed):
                continue
            out.append((cid, float(score)))
        return out


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
