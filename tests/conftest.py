"""Shared fixtures. Real data lives in ../shared (override with ASSISTANT_SHARED_DIR)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    return Path(os.environ.get("ASSISTANT_SHARED_DIR", REPO.parent / "shared")).resolve()


@pytest.fixture(scope="session")
def shared() -> Path:
    path = shared_dir()
    if not (path / "corpora").is_dir():
        pytest.fail(f"shared data not found at {path}; set ASSISTANT_SHARED_DIR")
    return path


@pytest.fixture(scope="session")
def party_dir(shared: Path) -> Path:
    return shared / "corpora" / "party"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return REPO / "corpora" / "sample"


@pytest.fixture(scope="session")
def cli_env() -> Callable[..., dict[str, str]]:
    """`cli_env(index_dir, **extra)`: the environment for a CLI test over the real model store (the small MiniLM
    embedder, no LLM: extractive answers) with its index in `index_dir`; `extra` adds or overrides variables."""
    store = Path(os.environ.get("ASSISTANT_MODEL_DIR", Path.home() / ".local" / "share" / "assistant" / "models"))
    if not (store / "all-minilm-l6-v2" / "modules.json").is_file():
        pytest.fail(f"the CLI tests need the all-minilm-l6-v2 model in {store}; run: assistant models pull all-minilm-l6-v2")

    def make(index_dir: Path, **extra: str) -> dict[str, str]:
        return {
            "ASSISTANT_INDEX_DIR": str(index_dir),
            "ASSISTANT_MODEL_DIR": str(store),
            "ASSISTANT_EMBED_MODEL": "all-minilm-l6-v2",
            "ASSISTANT_ANSWER_MODE": "extractive",
            "ASSISTANT_CONFIG": "",
            **extra,
        }

    return make


@pytest.fixture
def directives(tmp_path: Path, sample_dir: Path) -> Path:
    """Two public directives of the sample corpus (15-NQ/TU, 05-CT/TU) in a folder of their own, for tests that
    change the index (quick to index: Markdown and plain text)."""
    folder = tmp_path / "directives"
    folder.mkdir()
    entries = []
    for name in ("nghi-quyet-15-NQ-TU.md", "chi-thi-05-CT-TU.txt"):
        shutil.copy(sample_dir / name, folder / name)
        entries.append(f'  "{name}":\n    access_level: "công khai"\n')
    (folder / "manifest.yaml").write_text("documents:\n" + "".join(entries), "utf-8")
    return folder
