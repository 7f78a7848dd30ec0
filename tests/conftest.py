"""Shared fixtures. Real data lives in ../shared (override with ASSISTANT_SHARED_DIR)."""

from __future__ import annotations

import os
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
