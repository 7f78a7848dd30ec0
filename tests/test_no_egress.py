"""No egress: ingest, ask and serve with every outbound connection blocked (loopback only) and recorded.

In-process, the guard of tests/netguard.py patches the socket module; in subprocesses (the real CLI with
the real models) a `sitecustomize` arms the same guard. The tests assert that no connection or name
lookup beyond loopback was even attempted, and that the guard was armed where the work ran.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.api import create_app
from assistant.pipeline import Pipeline
from assistant.settings import Settings
from tests import netguard
from tests.fakes import HashEmbedder, ScriptedGenerator

REPO = Path(__file__).resolve().parent.parent
QUESTION = "Tổng chi cho nghiên cứu khoa học và phát triển công nghệ đạt bao nhiêu phần trăm GRDP?"
QUOTE = "Tổng chi cho nghiên cứu khoa học và phát triển công nghệ đạt 1,5% GRDP"


@pytest.fixture
def guard() -> Iterator[None]:
    netguard.ATTEMPTS.clear()
    netguard.ALLOWED.clear()
    netguard.install()
    try:
        yield
    finally:
        netguard.uninstall()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _http(url: str, body: dict[str, object] | None = None, timeout: float = 600, token: str = "") -> dict[str, object]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    req = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return dict(json.loads(resp.read()))


def _wait_up(url: str, proc: subprocess.Popen[bytes] | None = None, seconds: float = 180, token: str = "") -> dict[str, object]:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return _http(url, timeout=5, token=token)
        except OSError:
            if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_the_guard_blocks_and_records_outbound_and_lets_loopback_through(guard: None) -> None:
    with socket.socket() as s, pytest.raises(netguard.EgressBlocked):
        s.connect(("203.0.113.7", 443))  # TEST-NET-3, never routed
    with pytest.raises(netguard.EgressBlocked):
        socket.getaddrinfo("huggingface.co", 443)
    with pytest.raises(OSError):
        urllib.request.urlopen("http://example.com/", timeout=5)
    assert len(netguard.ATTEMPTS) == 3, netguard.ATTEMPTS
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
    assert len(netguard.ATTEMPTS) == 3 and netguard.ALLOWED


def test_ingest_ask_and_serve_in_process_make_no_outbound_connection(guard: None, tmp_path: Path, sample_dir: Path) -> None:
    reply = {"units": ["S1"], "answer": "1,5% GRDP"}  # the default design: the model chooses units
    gen = ScriptedGenerator([json.dumps(reply, ensure_ascii=False)] * 2)
    s = Settings(index_dir=tmp_path / "idx", model_dir=tmp_path / "models")
    pipe = Pipeline(s, embedder=HashEmbedder(), generator=gen)
    reports = pipe.ingest([sample_dir])  # real loaders (unstructured, pdfminer), real Chroma and BM25
    assert {r.status for r in reports} == {"added"} and len(reports) == 5
    answer = pipe.ask(QUESTION)
    assert gen.schemas, "the generate path ran"
    assert answer.citations and all(c.verified for c in answer.citations), answer

    import uvicorn

    app = create_app(s, pipe)
    app.state.service.users.add_user("an", "analyst", "tối mật")
    token = app.state.service.users.issue_token("an", "test")[1]
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        health = _wait_up(f"http://127.0.0.1:{port}/health", token=token)
        assert health["status"] == "ok" and health["documents"] == 5
        got = _http(f"http://127.0.0.1:{port}/ask", {"question": QUESTION}, token=token)
        assert got["citations"] and len(gen.schemas) == 2
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        pipe.close()
    assert netguard.ATTEMPTS == [], netguard.ATTEMPTS
    assert any(str(port) in a for a in netguard.ALLOWED), "the requests went through the guarded socket layer"


@pytest.mark.slow
def test_the_real_cli_with_real_models_makes_no_outbound_connection(tmp_path: Path, sample_dir: Path) -> None:
    """ingest (EmbeddingGemma), ask --extractive, ask with the GGUF model, serve + /health + /ask."""
    log = tmp_path / "net.log"
    env = {
        **os.environ,
        "PYTHONPATH": f"{netguard.sitecustomize_dir(tmp_path / 'site')}{os.pathsep}{REPO}",
        "NETGUARD_LOG": str(log),
        "ASSISTANT_INDEX_DIR": str(tmp_path / "idx"),
    }
    env.pop("HF_HUB_OFFLINE", None)  # the code itself must keep the hubs offline

    def cli(*args: str) -> str:
        cmd = [sys.executable, "-m", "assistant.cli.main", *args]
        res = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
        assert res.returncode == 0, res.stderr[-2000:]
        return res.stdout

    assert "5 added" in cli("ingest", str(sample_dir))
    extractive = json.loads(cli("ask", "--extractive", "--json", QUESTION))
    assert extractive["mode"] == "extractive" and extractive["citations"]
    generated = json.loads(cli("ask", "--json", QUESTION))
    assert generated["mode"] in ("generated", "extractive") and generated["citations"]

    token = cli("users", "add", "an", "--role", "analyst", "--clearance", "tối mật").strip().splitlines()[-1]
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli.main", "serve", "--port", str(port)],
        cwd=REPO,
        env={**env, "ASSISTANT_ANSWER_MODE": "extractive"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _wait_up(f"http://127.0.0.1:{port}/health", server, token=token)["documents"] == 5
        answer = _http(f"http://127.0.0.1:{port}/ask", {"question": QUESTION}, token=token)
        assert answer["citations"]
    finally:
        server.terminate()
        server.wait(timeout=30)

    lines = log.read_text("utf-8").splitlines()
    armed = [ln for ln in lines if ln.startswith("armed")]
    assert len(armed) >= 5, lines  # ingest, ask, ask, users add, serve (and any helper processes they start)
    assert [ln for ln in lines if ln.startswith("blocked")] == []
