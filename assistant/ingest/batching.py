"""Length-sorted batching for the embedders: similar lengths share a batch, so little padding is computed.

A batch is padded to its longest input, and on a CPU every pad token costs as much as a real one.
Sorting the inputs by token count before cutting them into batches, then putting the results back in
input order, removes most of that waste without changing any vector (padding is masked out).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Input positions grouped into batches of at most `batch_size`, longest first (ties keep input order)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def run_in_batches(
    items: Sequence[str], lengths: Sequence[int], batch_size: int, run: Callable[[list[str]], Sequence[T]]
) -> list[T]:
    """`run` applied to length-sorted batches of `items`; one result per item, in input order."""
    if len(items) != len(lengths):
        raise ValueError(f"{len(items)} items but {len(lengths)} lengths")
    out: dict[int, T] = {}
    for batch in length_sorted_batches(lengths, batch_size):
        results = run([items[i] for i in batch])
        if len(results) != len(batch):
            raise ValueError(f"a batch of {len(batch)} inputs gave {len(results)} results")
        out.update(zip(batch, results, strict=True))
    return [out[i] for i in range(len(items))]


def padding_share(lengths: Sequence[int], batches: Sequence[Sequence[int]]) -> float:
    """Share of the computed tokens that are padding when each batch is padded to its longest input."""
    computed = sum(max(lengths[i] for i in b) * len(b) for b in batches if b)
    return 1.0 - sum(lengths) / computed if computed else 0.0
