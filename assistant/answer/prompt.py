"""Prompt stage: versioned templates from `prompts/`, filled with the best sentences of the best passages.

The system prompt and the few-shot example form an identical prefix for every question, so
llama.cpp reuses its cache. Only the most relevant sentences of each passage go in, within a
token budget derived from the model's context size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.answer.cite import ANSWER_MAX, QUOTE_MAX
from assistant.search.rerank import best_sentences
from assistant.text.normalize import plain_text
from assistant.types import ChatMessage, Hit

ANSWER_SCHEMA: dict[str, object] = {
    "type": "object",
    "properties": {
        "found": {"type": "boolean"},
        "claims": {
            "type": "array",
            "maxItems": 2,
            "items": {
                "type": "object",
                "properties": {
                    "passage": {"type": "integer"},
                    # the limits bound generation time; `cite` repairs a string cut at its limit
                    "quote": {"type": "string", "maxLength": QUOTE_MAX},
                    "answer": {"type": "string", "maxLength": ANSWER_MAX},
                },
                "required": ["passage", "quote", "answer"],
            },
        },
    },
    "required": ["found", "claims"],
}


def read_template(folder: Path, name: str) -> str:
    """One prompt template file of `folder`, stripped; a missing one is an error naming its path."""
    path = folder / name
    if not path.exists():
        raise FileNotFoundError(f"prompt template missing: {path}")
    return path.read_text("utf-8").strip()


@dataclass(frozen=True)
class Templates:
    system: str
    example_user: str
    example_assistant: str
    user: str
    version: str

    @classmethod
    def load(cls, folder: Path, version: str = "v1") -> Templates:
        def read(name: str) -> str:
            return read_template(folder, f"answer.{version}.{name}")

        return cls(
            system=read("system.txt"),
            example_user=read("example_user.txt"),
            example_assistant=read("example_assistant.json"),
            user=read("user.txt"),
            version=version,
        )


@dataclass(frozen=True)
class PromptPassage:
    n: int
    hit: Hit
    shown: str  # the sentences put into the prompt


def select_passages(question: str, hits: list[Hit], *, passages: int, sentences: int) -> list[PromptPassage]:
    out = []
    for i, hit in enumerate(hits[:passages], 1):
        shown = "\n".join(best_sentences(question, hit.chunk.text, sentences, mark_gaps=True))
        out.append(PromptPassage(i, hit, plain_text(shown or hit.chunk.text[:600])))
    return out


def render_passages(items: list[PromptPassage]) -> str:
    blocks = []
    for p in items:
        crumb = p.hit.chunk.breadcrumb_text
        head = f"[{p.n}] {p.hit.meta.doc_id}" + (f" › {crumb}" if crumb else "")
        blocks.append(f"{head}\n{p.shown}")
    return "\n".join(blocks)


def build_messages(
    templates: Templates,
    question: str,
    items: list[PromptPassage],
    *,
    count_tokens: Callable[[str], int],
    budget: int,
) -> tuple[list[ChatMessage], list[PromptPassage]]:
    """Messages for the model; passages are dropped from the end until the prompt fits `budget` tokens."""
    prefix = [
        ChatMessage("system", templates.system),
        ChatMessage("user", templates.example_user),
        ChatMessage("assistant", templates.example_assistant),
    ]
    fixed = sum(count_tokens(m.content) for m in prefix)
    kept = list(items)
    while True:
        user = templates.user.format(passages=render_passages(kept), question=question.strip())
        if fixed + count_tokens(user) <= budget or len(kept) <= 1:
            return [*prefix, ChatMessage("user", user)], kept
        kept = kept[:-1]
