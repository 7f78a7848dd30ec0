"""The service with the tests' fake models, as its own process, for the load test (`test_load.py`):

    python -m tests.api.load_server --index DIR --port PORT [--answer-seconds 0.4]

A real Chroma index of corpora/sample (hash embedder) and a scripted LLM that takes `--answer-seconds`
per answer, so that answers queue like real ones; the limiter's settings come from the environment.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from assistant.api import serve
from assistant.pipeline import Pipeline
from assistant.settings import Settings
from assistant.types import ChatMessage
from tests.api.conftest import GOOD_OUTPUT
from tests.fakes import HashEmbedder, ScriptedGenerator

REPO = Path(__file__).resolve().parent.parent.parent


class SlowGenerator(ScriptedGenerator):
    """Gives the same good output every time, spread over `seconds`; keeps no prompts (memory stays flat)."""

    def __init__(self, seconds: float) -> None:
        super().__init__([])
        self.seconds = seconds

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        json_schema: dict[str, object] | None = None,
        prefix: str = "",
        grammar: str | None = None,
    ) -> Iterator[str]:
        pieces = [GOOD_OUTPUT[i : i + 16] for i in range(0, len(GOOD_OUTPUT), 16)]
        for piece in pieces:
            time.sleep(self.seconds / len(pieces))
            yield piece


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--index", type=Path, required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--answer-seconds", type=float, default=0.4)
    args = p.parse_args()
    settings = Settings(index_dir=args.index, model_dir=args.index / "models", answer_mode="copy")
    pipe = Pipeline(settings, embedder=HashEmbedder(), generator=SlowGenerator(args.answer_seconds))
    try:
        pipe.ingest([REPO / "corpora" / "sample"])
        serve(settings, pipe, host="127.0.0.1", port=args.port)
    finally:
        pipe.close()


if __name__ == "__main__":
    main()
