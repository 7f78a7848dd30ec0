"""The LLM's part of the draft check: a verdict where the value comparison leaves one open, and a
rewrite for a contradiction that no value explains (a reversed position).

Prompts are the versioned Vietnamese templates `prompts/check.v1.*`; output is constrained to a
JSON schema. The model's word never stands alone: its verdict must name a sentence that was shown,
and its rewrite is kept only when it passes `rewrite_ok`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from assistant.answer.cite import numbers
from assistant.answer.prompt import read_template
from assistant.check.compare import polarity
from assistant.check.results import VERDICTS, Verdict
from assistant.text.normalize import fold
from assistant.text.terms import coverage, key_terms
from assistant.types import ChatMessage, Generator

VERDICT_SCHEMA: dict[str, object] = {
    "type": "object",
    "properties": {
        "verdict": {"type": "string", "enum": ["consistent", "contradicts", "not_covered"]},
        "evidence": {"type": "integer"},
    },
    "required": ["verdict", "evidence"],
}
REWRITE_SCHEMA: dict[str, object] = {
    "type": "object",
    "properties": {"rewrite": {"type": "string"}},
    "required": ["rewrite"],
}


@dataclass(frozen=True)
class CheckTemplates:
    system: str
    user: str
    rewrite: str
    version: str

    @classmethod
    def load(cls, folder: Path, version: str = "v1") -> CheckTemplates:
        def read(name: str) -> str:
            return read_template(folder, f"check.{version}.{name}")

        return cls(read("system.txt"), read("user.txt"), read("rewrite.txt"), version)


def focus(sentence: str, terms: set[str], weights: dict[str, float] | None = None, max_words: int = 45) -> str:
    """The clauses of a long directive sentence that cover the statement best (verbatim, at most ~`max_words`
    words), so the model reads tens of tokens, not hundreds."""
    clauses = [c.strip() for c in re.split(r"(?<=;)\s+", sentence) if c.strip()]
    if len(sentence.split()) <= max_words or len(clauses) < 2:
        return sentence
    scores = [coverage(terms, c, weights) for c in clauses]
    lo = hi = max(range(len(clauses)), key=lambda i: scores[i])
    words = len(clauses[lo].split())
    while True:
        options = [i for i in (lo - 1, hi + 1) if 0 <= i < len(clauses) and words + len(clauses[i].split()) <= max_words]
        if not options:
            break
        i = max(options, key=lambda i: scores[i])
        if scores[i] <= 0:
            break
        lo, hi = min(lo, i), max(hi, i)
        words += len(clauses[i].split())
    return " ".join(clauses[lo : hi + 1])


@dataclass(frozen=True)
class ModelVerdict:
    verdict: Verdict
    evidence: int  # 1-based index into the sentences shown


def _run(gen: Generator, messages: list[ChatMessage], schema: dict[str, object]) -> dict[str, object]:
    raw = "".join(gen.stream(messages, json_schema=schema))
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("model output is not a JSON object")
    return data


def judge(gen: Generator, tpl: CheckTemplates, statement: str, sentences: list[str]) -> ModelVerdict | None:
    """The model's verdict on `statement` against the numbered `sentences`; None when its output is unusable."""
    shown = "\n".join(f"[{i}] {s}" for i, s in enumerate(sentences, 1))
    messages = [ChatMessage("system", tpl.system), ChatMessage("user", tpl.user.format(sentences=shown, statement=statement))]
    try:
        data = _run(gen, messages, VERDICT_SCHEMA)
        evidence = int(str(data.get("evidence", 1)))
        verdict = next(v for v in VERDICTS if v == data["verdict"])
    except (ValueError, KeyError, RuntimeError, StopIteration):
        return None
    return ModelVerdict(verdict, evidence if 1 <= evidence <= len(sentences) else 1)


def rewrite_ok(rewrite: str, statement: str, quote: str) -> bool:
    """A rewrite is kept when it states no number absent from the quote and the statement, keeps most of
    the quote's key terms, and points the way the quote does (its cue word, not the statement's opposite one)."""
    if not rewrite.strip() or fold(rewrite.strip()) == fold(statement.strip()):
        return False
    if numbers(rewrite) - numbers(quote) - numbers(statement):
        return False
    if coverage(key_terms(quote), rewrite) < 0.4:
        return False
    q_sign, q_cue = polarity(quote)
    s_sign, s_cue = polarity(statement)
    if q_sign and q_cue not in fold(rewrite):
        return False
    return not (s_sign and s_sign != q_sign and s_cue in fold(rewrite))


def suggest_rewrite(gen: Generator, tpl: CheckTemplates, statement: str, quote: str) -> str | None:
    """The model's corrected statement, or None when it fails `rewrite_ok` or the output is unusable."""
    # the same system message as `judge`, so llama.cpp keeps that prefix cached across both calls
    messages = [ChatMessage("system", tpl.system), ChatMessage("user", tpl.rewrite.format(quote=quote, statement=statement))]
    try:
        text = str(_run(gen, messages, REWRITE_SCHEMA)["rewrite"]).strip()
    except (ValueError, KeyError, RuntimeError):
        return None
    return text if rewrite_ok(text, statement, quote) else None
