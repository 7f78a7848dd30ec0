"""Run-record builders for the evaluation tests (metrics, report, compare)."""

from __future__ import annotations

from typing import Any


def passage(rank: int, doc_id: str, ordinal: int, text: str, *, source_name: str | None = None) -> dict[str, Any]:
    return {
        "rank": rank,
        "chunk_id": f"{doc_id}#{ordinal}",
        "doc_id": doc_id,
        "source_name": source_name or f"{doc_id.replace('/', '-')}.md",
        "ordinal": ordinal,
        "breadcrumb": f"Mục {ordinal}",
        "score": 1.0 / rank,
        "text": text,
    }


def question(
    rid: str,
    retrieved: list[dict[str, Any]],
    expected_docs: list[str],
    *,
    expected_quotes: list[str] | None = None,
    answerable: bool = True,
    answer: dict[str, Any] | None = None,
    reference_answer: str | None = None,
    kind: str = "by_number",
    timings: dict[str, float] | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    return {
        "id": rid,
        "type": "question",
        "kind": kind,
        "question": f"Câu hỏi {rid}?",
        "answerable": answerable,
        "expected_docs": expected_docs,
        "expected_quotes": expected_quotes or [],
        "reference_answer": reference_answer,
        "retrieved": retrieved,
        "answer": answer,
        "timings": timings or {},
        "error": error,
    }


def answer(text: str, mode: str = "generated", citations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"text": text, "mode": mode, "citations": citations or []}


def citation(n: int, p: dict[str, Any], quote: str, *, verified: bool = True) -> dict[str, Any]:
    return {"n": n, "doc_id": p["doc_id"], "chunk_id": p["chunk_id"], "quote": quote, "verified": verified}


def draft(
    rid: str, expected: str, predicted: str | None, *, evidence: list[str] | None = None, found: list[str] | None = None
) -> dict[str, Any]:
    return {
        "id": rid,
        "type": "draft",
        "statement": f"Nhận định {rid}.",
        "against": ["57-NQ/TW"],
        "expected_verdict": expected,
        "evidence_quotes": evidence or [],
        "predicted": None
        if predicted is None
        else {"verdict": predicted, "evidence": [{"doc_id": "57-NQ/TW", "quote": q} for q in found or []]},
        "timings": {},
    }


QUOTE = "Đến năm 2030, tiềm lực khoa học công nghệ đạt mức tiên tiến"


def ranking_record() -> dict[str, Any]:
    retrieved = [
        passage(1, "20-NQ/TW", 1, "khác"),
        passage(2, "57-nq/ tw", 3, "một"),  # same canonical id, other case and spacing
        passage(3, "57-NQ/TW", 4, "hai"),  # a second passage of the same doc: no extra gain
        passage(4, "69-KL/TW", 1, "ba"),
        passage(5, "03/NQ-CP", 2, "bốn"),
    ] + [passage(r, f"{r}-X/Y", 1, "x") for r in range(6, 12)]
    return question("r1", retrieved, ["57-NQ/TW", "03/NQ-CP"])
