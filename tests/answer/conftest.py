"""The answer tests' shared index: the sample corpus ingested once per module with the hash embedder, and pipelines
over it with a scripted generator and the settings each test module asks for (`answer_settings`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.pipeline import Pipeline
from assistant.settings import Settings
from tests.fakes import HashEmbedder, ScriptedGenerator

MakePipe = Callable[..., tuple[Pipeline, ScriptedGenerator]]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    root = tmp_path_factory.mktemp("answer")
    p = Pipeline(Settings(index_dir=root / "idx", model_dir=root / "models", answer_mode="extractive"), embedder=HashEmbedder())
    reports = p.ingest([sample_dir])
    p.close()
    assert [r.status for r in reports] == ["added"] * 5, reports
    return root / "idx"


@pytest.fixture
def answer_settings() -> dict[str, Any]:
    """The settings of the module's pipelines (a module overrides this fixture)."""
    return {"answer_mode": "choose"}


@pytest.fixture
def make_pipe(index_dir: Path, tmp_path: Path, answer_settings: dict[str, Any]) -> Iterator[MakePipe]:
    """`make(outputs, choices=None, **settings)`: a pipeline over the shared index whose generator replies with
    `outputs` (and `choices` as its probabilities), with the module's settings and these on top."""
    made: list[Pipeline] = []

    def make(
        outputs: list[str], choices: list[dict[str, float] | None] | None = None, **overrides: Any
    ) -> tuple[Pipeline, ScriptedGenerator]:
        gen = ScriptedGenerator(outputs, choices=choices or [])
        s = Settings(index_dir=index_dir, model_dir=tmp_path / "models", **{**answer_settings, **overrides})
        p = Pipeline(s, embedder=HashEmbedder(), generator=gen)
        made.append(p)
        return p, gen

    yield make
    for p in made:
        p.close()
