"""Length-sorted batching: batches of similar lengths, results back in input order."""

from __future__ import annotations

import random

import pytest

from assistant.ingest.batching import length_sorted_batches, padding_share, run_in_batches


def test_batches_are_longest_first_and_cover_every_position_once() -> None:
    lengths = [5, 40, 7, 40, 12, 3, 33]
    batches = length_sorted_batches(lengths, 3)
    assert [len(b) for b in batches] == [3, 3, 1]
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    flat = [lengths[i] for b in batches for i in b]
    assert flat == sorted(lengths, reverse=True)
    assert batches[0][:2] == [1, 3], "equal lengths keep their input order"


def test_results_come_back_in_input_order() -> None:
    rng = random.Random(7)
    items = [f"đoạn {i} " + "chữ " * rng.randint(1, 60) for i in range(53)]
    lengths = [len(t.split()) for t in items]
    seen: list[list[str]] = []

    def run(batch: list[str]) -> list[str]:
        seen.append(batch)
        return [t.upper() for t in batch]

    out = run_in_batches(items, lengths, 8, run)
    assert out == [t.upper() for t in items]
    assert len(seen) == 7 and all(len(b) <= 8 for b in seen)
    assert seen[0] != items[:8], "the batches were cut from the sorted inputs, not the input order"
    # every batch spans a narrow range of lengths once sorted
    assert all(max(len(t.split()) for t in b) - min(len(t.split()) for t in b) <= 20 for b in seen)


def test_sorting_cuts_padding() -> None:
    rng = random.Random(1)
    lengths = [rng.choice([20, 40, 60, 200, 400]) for _ in range(256)]
    in_order = [list(range(i, min(i + 16, 256))) for i in range(0, 256, 16)]
    sorted_batches = length_sorted_batches(lengths, 16)
    assert padding_share(lengths, sorted_batches) < 0.1 < 0.5 < padding_share(lengths, in_order)
    assert padding_share([10, 10], [[0, 1]]) == 0.0


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        length_sorted_batches([1, 2], 0)
    with pytest.raises(ValueError, match="2 items but 1 lengths"):
        run_in_batches(["a", "b"], [1], 4, lambda b: b)
    with pytest.raises(ValueError, match="gave 1 results"):
        run_in_batches(["a", "b"], [1, 1], 4, lambda b: b[:1])
    assert run_in_batches([], [], 4, lambda b: b) == []
