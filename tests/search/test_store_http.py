"""Chroma client/server mode: a real `chroma run` server on loopback, `chroma_mode=http` in settings.

The sample corpus is ingested through the server, retrieved, checked for consistency, and read again
after the server restarts from its --path (the vectors live there, not under index_dir).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant.ingest.integrity import check_index
from assistant.pipeline import Pipeline
from assistant.settings import Settings
from tests.fakes import HashEmbedder

CHROMA = Path(sys.executable).parent / "chroma"  # the CLI the chromadb package installs beside python


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def chroma_server(path: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    if not CHROMA.is_file():
        pytest.fail(f"the chroma CLI is missing at {CHROMA} (it comes with the chromadb package)")
    log = (path.parent / f"chroma-{port}.log").open("wb")
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"chroma server did not start: {(path.parent / f'chroma-{port}.log').read_text()[-2000:]}")
                time.sleep(0.3)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_ingest_and_retrieve_through_a_chroma_server(tmp_path: Path, sample_dir: Path) -> None:
    port = _free_port()
    settings = Settings(
        index_dir=tmp_path / "idx", model_dir=tmp_path / "m", answer_mode="extractive",
        chroma_mode="http", chroma_host="127.0.0.1", chroma_port=port, chroma_collection="site_passages",
    )  # fmt: skip
    question = "Tổng chi cho nghiên cứu khoa học và phát triển công nghệ đạt bao nhiêu phần trăm GRDP?"
    with chroma_server(tmp_path / "chroma-server", port):
        pipe = Pipeline(settings, embedder=HashEmbedder())
        try:
            reports = pipe.ingest([sample_dir])
            assert [r.status for r in reports] == ["added"] * 5
            state = check_index(pipe.catalog, pipe.store, settings.index_dir / "keyword")
            assert state.ok and state.passages == pipe.store.count() > 5, state.problems
            answer = pipe.ask(question)
            assert answer.mode == "extractive" and "1,5% GRDP" in answer.citations[0].quote
        finally:
            pipe.close()
    assert not (settings.index_dir / "chroma").exists(), "no embedded Chroma next to the catalog"

    with chroma_server(tmp_path / "chroma-server", port):  # restarted: the vectors persisted on the server side
        again = Pipeline(settings, embedder=HashEmbedder())
        try:
            assert again.store.count() == state.passages
            assert {r.status for r in again.ingest([sample_dir])} == {"unchanged"}
            hits = again.retriever.search(question, k=5).hits
            assert any(h.meta.doc_id == "15-NQ/TU" and h.dense_score is not None for h in hits), hits
        finally:
            again.close()
