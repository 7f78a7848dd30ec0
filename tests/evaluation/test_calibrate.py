"""`assistant eval gate`: rescoring one run as if its evidence gate had been higher."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.evaluation.calibrate import choice_gated, format_gate_table, gate_table, gated

CITATION = {"n": 1, "doc_id": "1-NQ/TW", "chunk_id": "1-NQ/TW#0", "quote": "a", "verified": True}


def _record(i: int, answerable: bool, coverage: float, refused: bool) -> dict[str, Any]:
    return {
        "id": f"q{i}",
        "type": "question",
        "kind": "factual" if answerable else "unanswerable",
        "question": "?",
        "answerable": answerable,
        "expected_docs": ["1-NQ/TW"] if answerable else [],
        "expected_quotes": [],
        "reference_answer": "",
        "retrieved": [{"rank": 1, "chunk_id": "1-NQ/TW#0", "doc_id": "1-NQ/TW", "text": "a"}],
        "answer": {
            "text": "" if refused else "đáp án",
            "mode": "refused" if refused else "generated",
            "refused": refused,
            "citations": []
            if refused
            else [{"n": 1, "doc_id": "1-NQ/TW", "chunk_id": "1-NQ/TW#0", "quote": "a", "verified": True}],
            "notes": [],
        },
        "timings": {"evidence_coverage": coverage},
        "error": None,
    }


def test_gating_refuses_only_the_answers_under_the_threshold(tmp_path: Path) -> None:
    records = [_record(1, True, 0.3, False), _record(2, True, 0.8, False), _record(3, False, 0.2, False)]
    out = gated(records, 0.35)
    assert [r["answer"]["mode"] for r in out] == ["refused", "generated", "refused"]
    assert records[0]["answer"]["mode"] == "generated"  # the run's own records are not changed
    (tmp_path / "items.jsonl").write_text("\n".join(json.dumps(r) for r in records), "utf-8")
    rows = dict(gate_table(tmp_path, [0.0, 0.35]))
    assert rows[0.0]["false_refusal_rate"] == 0.0 and rows[0.0]["false_answer_rate"] == 1.0
    assert rows[0.35]["false_refusal_rate"] == 0.5 and rows[0.35]["false_answer_rate"] == 0.0
    assert "0.35" in format_gate_table(list(gate_table(tmp_path, [0.35])))


def test_a_run_without_recorded_coverage_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"items\.jsonl"):
        gate_table(tmp_path, [0.3])
    r = _record(1, True, 0.3, False)
    r["timings"] = {}
    (tmp_path / "items.jsonl").write_text(json.dumps(r), "utf-8")
    with pytest.raises(ValueError, match="no evidence coverage"):
        gate_table(tmp_path, [0.3])


def test_choice_gating_refuses_where_the_model_said_none_and_the_evidence_is_not_sure(tmp_path: Path) -> None:
    records = [_record(1, True, 0.9, False), _record(2, True, 0.9, False), _record(3, False, 0.9, False)]
    for r, (none, cov) in zip(records, [(0.7, 0.5), (0.7, 0.9), (0.6, 0.4)], strict=True):
        r["timings"].update(choice_none=none, choice_coverage=cov)
    out = choice_gated(records, 0.65, sure=0.8)
    assert [r["answer"]["mode"] for r in out] == ["refused", "generated", "generated"]  # q2: the evidence is sure
    (tmp_path / "items.jsonl").write_text("\n".join(json.dumps(r) for r in records), "utf-8")
    rows = dict(gate_table(tmp_path, [0.5, 0.65, 1.0], choice_sure=0.8))
    assert rows[0.5]["false_answer_rate"] == 0.0 and rows[0.5]["false_refusal_rate"] == 0.5
    assert rows[0.65]["false_answer_rate"] == 1.0 and rows[0.65]["false_refusal_rate"] == 0.5
    assert rows[1.0]["false_answer_rate"] == 1.0 and rows[1.0]["false_refusal_rate"] == 0.0
    records[0]["timings"] = {"evidence_coverage": 0.9}
    (tmp_path / "items.jsonl").write_text(json.dumps(records[0]), "utf-8")
    with pytest.raises(ValueError, match="no unit answers"):
        gate_table(tmp_path, [0.5], choice_sure=0.8)
