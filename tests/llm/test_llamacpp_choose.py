"""The in-process llama.cpp backend's choice step and constrained continuation, with a real (small) GGUF model."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from assistant import models
from assistant.answer import choose
from assistant.answer.units import Unit
from assistant.llm.llamacpp import LlamaCppGenerator
from assistant.settings import Settings
from assistant.types import ChatMessage

pytestmark = pytest.mark.slow
MODEL = "smollm2-135m-instruct-q4_1"
MESSAGES = [
    ChatMessage("system", "Chọn câu trả lời câu hỏi."),
    ChatMessage(
        "user",
        "S1: Kinh tế số chiếm 25% GRDP.\nS2: Có 100 trạm 5G.\nS3: Sở Tài chính chủ trì.\n\nCâu hỏi: Kinh tế số chiếm bao nhiêu?",
    ),
]


@pytest.fixture(scope="module")
def gen() -> Iterator[LlamaCppGenerator]:
    path = models.model_path(Settings().model_dir, MODEL)
    if not path.exists():
        pytest.fail(f"{MODEL} missing: run `assistant models pull {MODEL}` (scripts/install.sh --dev does)")
    yield LlamaCppGenerator(path, n_ctx=2048, n_threads=2, max_tokens=48)


def test_choose_gives_a_distribution_over_the_ids(gen: LlamaCppGenerator) -> None:
    probs = gen.choose(MESSAGES, prefix=choose.PREFIX, options=["0", "1", "2", "3"])
    assert probs is not None and set(probs) == {"0", "1", "2", "3"}
    assert all(0.0 <= p <= 1.0 for p in probs.values()) and 0.0 < sum(probs.values()) <= 1.0 + 1e-6
    # the same prompt again reuses the cached prefix and gives the same distribution
    again = gen.choose(MESSAGES, prefix=choose.PREFIX, options=["0", "1", "2", "3"])
    assert again is not None and all(abs(again[k] - probs[k]) < 1e-4 for k in probs)


def test_options_sharing_a_first_token_give_none(gen: LlamaCppGenerator) -> None:
    assert gen.choose(MESSAGES, prefix=choose.PREFIX, options=["1", "1"]) is None


def test_constrained_continuation_completes_the_reply(gen: LlamaCppGenerator) -> None:
    head = f"{choose.PREFIX}1"
    ids_tail = "".join(gen.stream(MESSAGES, prefix=head, grammar=choose.ids_grammar(3)))
    assert ids_tail.startswith('"') and ids_tail.endswith("]"), ids_tail
    prefix = choose.evidence_prefix([1], [_unit("Kinh tế số chiếm 25% GRDP.")])
    answer = "".join(gen.stream(MESSAGES, prefix=prefix, grammar=choose.ANSWER_GRAMMAR))
    reply = json.loads(prefix + answer)  # the grammar closes the JSON object
    assert reply["units"] == ["S1"] and reply["evidence"] == "Kinh tế số chiếm 25% GRDP." and reply["answer"]


def _unit(text: str) -> Unit:
    return Unit(0, text, "", 1.0, 1.0)
