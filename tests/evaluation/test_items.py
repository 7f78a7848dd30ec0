from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.evaluation.items import DraftItem, QuestionItem, load_items

QUESTION = {
    "id": "q1",
    "question": "Nghị quyết 57-NQ/TW đặt mục tiêu gì cho năm 2030?",
    "expected_docs": ["57-NQ/TW", "label:000_x.txt"],
    "expected_quotes": ["Đến năm 2030"],
    "reference_answer": "Tiềm lực khoa học đạt mức tiên tiến.",
    "answerable": True,
    "kind": "by_number",
    "notes": "unknown fields are ignored",
}
RETRIEVAL_ONLY = {"id": "q2", "question": "Kết luận 69?", "expected_docs": ["69-KL/TW"], "answerable": True}
UNANSWERABLE = {"id": "q3", "question": "Luật đất đai 2024?", "expected_docs": [], "answerable": False}
DRAFT = {
    "id": "d1",
    "statement": "Tỷ trọng kinh tế số đạt 10% GDP.",
    "against": ["57-NQ/TW"],
    "verdict": "contradicts",
    "evidence_quotes": ["tối thiểu 30% GDP"],
}


def write(tmp_path: Path, *objs: object, raw: str = "") -> Path:
    path = tmp_path / "items.jsonl"
    lines = [json.dumps(o, ensure_ascii=False) for o in objs]
    path.write_text("\n".join(lines) + "\n" + raw, encoding="utf-8")
    return path


def test_load_questions_and_drafts(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    text = "\n".join(json.dumps(o, ensure_ascii=False) for o in (QUESTION, DRAFT, RETRIEVAL_ONLY))
    path.write_text(text + "\n\n" + json.dumps(UNANSWERABLE) + "\n", encoding="utf-8")
    questions, drafts = load_items(path)
    assert [q.id for q in questions] == ["q1", "q2", "q3"]
    assert questions[0] == QuestionItem(
        id="q1",
        question=QUESTION["question"],  # type: ignore[arg-type]
        expected_docs=("57-NQ/TW", "label:000_x.txt"),
        answerable=True,
        expected_quotes=("Đến năm 2030",),
        reference_answer="Tiềm lực khoa học đạt mức tiên tiến.",
        kind="by_number",
    )
    assert questions[1].expected_quotes == () and questions[1].reference_answer is None and questions[1].kind is None
    assert questions[2].answerable is False
    assert drafts == [DraftItem("d1", DRAFT["statement"], ("57-NQ/TW",), "contradicts", ("tối thiểu 30% GDP",))]  # type: ignore[arg-type]


def test_items_are_frozen(tmp_path: Path) -> None:
    questions, _ = load_items(write(tmp_path, QUESTION))
    with pytest.raises(AttributeError):
        questions[0].id = "x"  # type: ignore[misc]


def test_bad_json_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, QUESTION, DRAFT, raw='{"id": "q9", "question": \n')
    with pytest.raises(ValueError, match=r"items\.jsonl:3: invalid JSON"):
        load_items(path)


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ({k: v for k, v in QUESTION.items() if k != "answerable"}, 'missing required field "answerable"'),
        ({k: v for k, v in QUESTION.items() if k != "expected_docs"}, 'missing required field "expected_docs"'),
        ({k: v for k, v in QUESTION.items() if k != "id"}, 'missing required field "id"'),
        (QUESTION | {"expected_docs": "57-NQ/TW"}, '"expected_docs" must be a list of strings'),
        (QUESTION | {"answerable": "yes"}, '"answerable" must be true or false'),
        ({k: v for k, v in DRAFT.items() if k != "against"}, 'missing required field "against"'),
        (DRAFT | {"verdict": "wrong"}, '"verdict" must be one of'),
        ({"id": "x", "text": "?"}, 'neither "question" nor "statement"'),
        (QUESTION | {"statement": "x"}, 'both "question" and "statement"'),
    ],
)
def test_missing_or_bad_fields(tmp_path: Path, obj: dict, message: str) -> None:
    path = write(tmp_path, RETRIEVAL_ONLY, obj)
    with pytest.raises(ValueError, match=r"items\.jsonl:2\b") as excinfo:
        load_items(path)
    assert message in str(excinfo.value)


def test_duplicate_ids_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, QUESTION, DRAFT, DRAFT | {"id": "q1"})
    with pytest.raises(ValueError, match=r"items\.jsonl:3: duplicate id 'q1' \(first on line 1\)"):
        load_items(path)


def test_non_object_line(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r":1: expected a JSON object"):
        load_items(write(tmp_path, ["not", "an", "object"]))
