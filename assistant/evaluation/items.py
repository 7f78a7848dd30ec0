"""Evaluation items: JSONL files of questions and draft statements.

One JSON object per line, UTF-8. Blank lines and lines starting with `//` are skipped; unknown
fields are ignored. A line is a question when it has "question", a draft statement when it has
"statement".

Question:  {"id", "question", "expected_docs": [...], "answerable": bool,
            "expected_quotes"?: [...], "reference_answer"?: str, "kind"?: str}
Statement: {"id", "statement", "against": [...], "verdict": "consistent"|"contradicts"|"not_covered",
            "evidence_quotes"?: [...], "kind"?: str, "split"?: str ("dev", "untouched": figures are given per split)}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VERDICTS: tuple[str, ...] = ("consistent", "contradicts", "not_covered")


@dataclass(frozen=True)
class QuestionItem:
    id: str
    question: str
    expected_docs: tuple[str, ...]
    answerable: bool
    expected_quotes: tuple[str, ...] = ()
    reference_answer: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class DraftItem:
    id: str
    statement: str
    against: tuple[str, ...]
    verdict: str
    evidence_quotes: tuple[str, ...] = ()
    kind: str | None = None
    split: str | None = None


class _LineError(Exception):
    pass


def _str(obj: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    if key not in obj or obj[key] is None:
        if required:
            raise _LineError(f'missing required field "{key}"')
        return None
    value = obj[key]
    if not isinstance(value, str) or (required and not value.strip()):
        raise _LineError(f'field "{key}" must be a non-empty string')
    return value


def _str_list(obj: dict[str, Any], key: str, *, required: bool = True) -> tuple[str, ...]:
    if key not in obj or obj[key] is None:
        if required:
            raise _LineError(f'missing required field "{key}"')
        return ()
    value = obj[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _LineError(f'field "{key}" must be a list of strings')
    return tuple(value)


def _question(obj: dict[str, Any]) -> QuestionItem:
    if "answerable" not in obj:
        raise _LineError('missing required field "answerable"')
    if not isinstance(obj["answerable"], bool):
        raise _LineError('field "answerable" must be true or false')
    return QuestionItem(
        id=_str(obj, "id") or "",
        question=_str(obj, "question") or "",
        expected_docs=_str_list(obj, "expected_docs"),
        answerable=obj["answerable"],
        expected_quotes=_str_list(obj, "expected_quotes", required=False),
        reference_answer=_str(obj, "reference_answer", required=False),
        kind=_str(obj, "kind", required=False),
    )


def _draft(obj: dict[str, Any]) -> DraftItem:
    verdict = _str(obj, "verdict") or ""
    if verdict not in VERDICTS:
        raise _LineError(f'field "verdict" must be one of {", ".join(VERDICTS)}, not {verdict!r}')
    return DraftItem(
        id=_str(obj, "id") or "",
        statement=_str(obj, "statement") or "",
        against=_str_list(obj, "against"),
        verdict=verdict,
        evidence_quotes=_str_list(obj, "evidence_quotes", required=False),
        kind=_str(obj, "kind", required=False),
        split=_str(obj, "split", required=False),
    )


def load_items(path: Path | str) -> tuple[list[QuestionItem], list[DraftItem]]:
    """Read a JSONL file of evaluation items; raise ValueError naming the file and line on any problem."""
    path = Path(path)
    questions: list[QuestionItem] = []
    drafts: list[DraftItem] = []
    seen: dict[str, int] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8: {exc}") from exc
    for lineno, line in enumerate(lines, start=1):
        stripped = line.strip().lstrip("\ufeff")
        if not stripped or stripped.startswith("//"):
            continue
        where = f"{path}:{lineno}"
        try:
            obj = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{where}: invalid JSON: {exc.msg} (column {exc.colno})") from exc
        if not isinstance(obj, dict):
            raise ValueError(f"{where}: expected a JSON object, got {type(obj).__name__}")
        try:
            if "question" in obj and "statement" in obj:
                raise _LineError('has both "question" and "statement"; cannot tell the item type')
            if "question" in obj:
                item: QuestionItem | DraftItem = _question(obj)
            elif "statement" in obj:
                item = _draft(obj)
            else:
                raise _LineError('neither "question" nor "statement" present')
        except _LineError as exc:
            ident = obj.get("id")
            suffix = f" (id {ident!r})" if isinstance(ident, str) else ""
            raise ValueError(f"{where}{suffix}: {exc}") from None
        if item.id in seen:
            raise ValueError(f"{where}: duplicate id {item.id!r} (first on line {seen[item.id]})")
        seen[item.id] = lineno
        if isinstance(item, QuestionItem):
            questions.append(item)
        else:
            drafts.append(item)
    return questions, drafts
