"""Fuzzing ingestion with mutated PDF, DOCX, HTML, TXT and MD files (hypothesis).

Every mutated file either loads into passages or fails with one clear, one-line `IngestError`; nothing
else may escape. In a batch, each bad file gets its own failure naming it and the valid files beside
them are still indexed. `FUZZ_EXAMPLES` sets the number of hypothesis examples (default 1000); the
command `benchmarks/fuzz_ingest.py --examples N` runs longer campaigns and prints a table.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from hypothesis import HealthCheck, event, given, settings

from assistant.ingest.integrity import check_files, check_index
from assistant.pipeline import Pipeline
from assistant.settings import Settings
from tests.fakes import HashEmbedder
from tests.mutations import KINDS, SEEDS, Mutation, mutations, outcome, random_mutation, write

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1000"))


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """A file that makes a parser hang fails the test instead of hanging it."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"a file took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_the_seed_files_load() -> None:
    for kind, path in SEEDS.items():
        status, detail = outcome(path)
        assert status == "loaded" and int(detail) > 1, (kind, status, detail)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(m=mutations())
def test_a_mutated_file_loads_or_fails_with_one_clear_error(m: Mutation) -> None:
    with tempfile.TemporaryDirectory() as tmp, time_limit(120):
        status, detail = outcome(write(m, Path(tmp), "fuzzed"))
    event(f"{m.kind}: {status}")
    assert status != "crash", detail


def test_a_batch_of_bad_files_fails_file_by_file_and_keeps_the_valid_ones(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    valid = []
    for kind, seed in SEEDS.items():  # sorted first, so no mutated twin is indexed before its original
        valid.append(corpus / f"a-valid-{kind}{seed.suffix}")
        shutil.copyfile(seed, valid[-1])
    rng = random.Random(20250101)
    mutated = [write(random_mutation(rng, KINDS[i % len(KINDS)]), corpus, f"m-{i:03d}") for i in range(40)]
    (corpus / "m-empty.txt").write_bytes(b"")
    (corpus / "m-binary.md").write_bytes(b"\x00\x01\x02 not text")

    p = Pipeline(
        Settings(index_dir=tmp_path / "idx", model_dir=tmp_path / "m", answer_mode="extractive"), embedder=HashEmbedder()
    )
    try:
        with time_limit(600):
            reports = p.ingest([corpus])
        by_path = {r.path: r for r in reports}
        assert len(by_path) == len(reports) == len(valid) + len(mutated) + 2, "one report per file"
        assert all(by_path[v].status == "added" for v in valid), [(v.name, by_path[v]) for v in valid]
        failed = [r for r in reports if r.status == "failed"]
        assert {by_path[corpus / "m-empty.txt"].message, by_path[corpus / "m-binary.md"].message} <= {r.message for r in failed}
        assert len(failed) >= 10, "the mutations are meant to break most files"
        for r in failed:
            assert r.message.strip() and "\n" not in r.message, r
            assert outcome(r.path)[0] == "error", r  # the same file alone fails the same way
        state = check_index(p.catalog, p.store, p.settings.index_dir / "keyword")
        assert state.ok, state.problems
        added = [r.path for r in reports if r.status in ("added", "replaced")]
        assert check_files(p.catalog, added, chunk_chars=1200, max_bytes=50_000_000) == []
        hits = p.retriever.search("Tổng chi cho nghiên cứu khoa học và phát triển công nghệ", k=5).hits
        assert any(h.meta.source_name == "a-valid-md.md" for h in hits), [h.meta.source_name for h in hits]
    finally:
        p.close()
