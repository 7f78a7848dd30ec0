"""`assistant models list|pull` and `assistant doctor`: what they report about the model store and the index,
and their exit codes. Real CLI, real model store (the small MiniLM embedder), no LLM (extractive answers)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner


@pytest.fixture
def env(tmp_path: Path, cli_env: Callable[..., dict[str, str]]) -> dict[str, str]:
    return cli_env(tmp_path / "idx", ASSISTANT_EMBED_PRECISION="fp32")


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    from assistant.cli.main import app

    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_models_list_says_which_models_are_in_the_store(env: dict[str, str], tmp_path: Path) -> None:
    code, out = run(env, "models", "list")
    assert code == 0, out
    row = next(line for line in out.splitlines() if "all-minilm-l6-v2" in line)
    assert "yes" in row
    code, out = run({**env, "ASSISTANT_MODEL_DIR": str(tmp_path / "empty")}, "models", "list")
    assert code == 0, out
    row = next(line for line in out.splitlines() if "all-minilm-l6-v2" in line)
    assert "no" in row and "yes" not in row


def test_models_pull_leaves_a_present_model_alone(env: dict[str, str]) -> None:
    code, out = run(env, "models", "pull", "all-minilm-l6-v2")
    assert code == 0, out
    assert "already in" in out


def test_doctor_passes_on_a_fresh_index_with_the_model_present(env: dict[str, str]) -> None:
    code, out = run(env, "doctor")
    assert code == 0, out
    assert "index: 0 documents" in out
    assert "embedder: all-minilm-l6-v2" in out


def test_doctor_fails_and_names_a_missing_model(env: dict[str, str], tmp_path: Path) -> None:
    code, out = run({**env, "ASSISTANT_MODEL_DIR": str(tmp_path / "empty")}, "doctor")
    assert code == 1, out
    assert "✗" in out and "embedding model" in out


def test_doctor_fails_when_the_index_was_built_with_another_embedder(
    env: dict[str, str], tmp_path: Path, sample_dir: Path
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    first = sorted(sample_dir.glob("*.md"))[0]
    shutil.copy(first, folder / first.name)
    code, out = run(env, "ingest", str(folder))
    assert code == 0, out
    code, out = run(env, "doctor")
    assert code == 0, out
    assert "index: 1 documents, built with all-minilm-l6-v2" in out
    code, out = run({**env, "ASSISTANT_EMBED_MODEL": "embeddinggemma-300m"}, "doctor")
    assert code == 1, out
    assert "index was built with all-minilm-l6-v2" in out and "settings name embeddinggemma-300m" in out
