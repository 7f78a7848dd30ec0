"""JSON shapes of answers, citations and passages, shared by the CLI (`--json`), the HTTP API and reports."""

from __future__ import annotations

from typing import Any

from assistant.types import Answer, Citation, Hit


def citation_json(c: Citation) -> dict[str, Any]:
    return {
        "n": c.n, "doc_id": c.doc_id, "breadcrumb": c.breadcrumb, "quote": c.quote, "verified": c.verified,
        "chunk_id": c.chunk_id, "start": c.start, "end": c.end,
    }  # fmt: skip


def passages_json(hits: list[Hit]) -> list[dict[str, Any]]:
    """Passages numbered from 1, as the answer's citations number them."""
    return [
        {
            "n": n,
            "doc_id": h.meta.doc_id,
            "key": h.chunk.doc_id,
            "chunk_id": h.chunk.chunk_id,
            "breadcrumb": h.chunk.breadcrumb_text,
            "text": h.chunk.text,
            "score": h.score,
        }
        for n, h in enumerate(hits, 1)
    ]


def answer_json(answer: Answer) -> dict[str, Any]:
    return {
        "question": answer.question,
        "answer": answer.text,
        "mode": answer.mode,
        "citations": [citation_json(c) for c in answer.citations],
        "passages": passages_json(answer.passages),
        "notes": list(answer.notes),
        "timings": dict(answer.timings),
    }
