"""Prompt stage: versioned templates, a stable prefix, a token budget, selected sentences only."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from assistant.answer.prompt import ANSWER_SCHEMA, Templates, build_messages, render_passages, select_passages
from assistant.types import ChatMessage, Chunk, DocMeta, Hit

REPO = Path(__file__).resolve().parents[2]
PROMPTS = REPO / "prompts"


def _tokens(text: str) -> int:
    return max(1, len(text) // 3)


def _hit(doc_id: str, ordinal: int, text: str, crumb: tuple[str, ...] = ("II- MỤC TIÊU",)) -> Hit:
    meta = DocMeta(doc_id=doc_id, doc_type="NQ", issued=date(2024, 3, 12), key=doc_id)
    return Hit(chunk=Chunk(doc_id, ordinal, text, crumb, 0, len(text)), meta=meta, score=1.0)


RELEVANT = "Tổng chi cho nghiên cứu khoa học và phát triển công nghệ đạt 1,5% GRDP vào năm 2030."
IRRELEVANT = [
    "Hội Liên hiệp Phụ nữ tỉnh tổ chức giải bóng chuyền hơi truyền thống mừng xuân.",
    "Đoàn Thanh niên phát động phong trào trồng cây xanh ven các tuyến đường liên xã.",
    "Câu lạc bộ thơ ca của huyện ra mắt tập thơ mới về quê hương miền núi.",
    "Nhà văn hóa thôn được sửa chữa mái ngói và sơn lại tường rào phía trước.",
    "Các chi hội nông dân tập huấn kỹ thuật chăn nuôi gia cầm cho hội viên.",
    "Lễ hội mùa xuân có hội thi gói bánh chưng và kéo co giữa các dòng họ.",
]
LONG_PASSAGE = " ".join([IRRELEVANT[0], IRRELEVANT[1], IRRELEVANT[2], RELEVANT, *IRRELEVANT[3:]])
QUESTION = "Mục tiêu chi cho nghiên cứu khoa học và phát triển công nghệ đến năm 2030 là bao nhiêu phần trăm GRDP?"


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates.load(PROMPTS)


def test_templates_load(templates: Templates) -> None:
    assert templates.version == "v1"
    for part in (templates.system, templates.example_user, templates.example_assistant, templates.user):
        assert part and part == part.strip()
    assert "{passages}" in templates.user and "{question}" in templates.user
    # the few-shot answer is itself a valid answer under the schema's required keys
    example = json.loads(templates.example_assistant)
    required = ANSWER_SCHEMA["required"]
    assert isinstance(required, list) and set(required) <= set(example)
    assert example["claims"] and {"passage", "quote", "answer"} <= set(example["claims"][0])


def test_templates_missing_version_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"answer\.v9\.system\.txt"):
        Templates.load(PROMPTS, version="v9")
    with pytest.raises(FileNotFoundError):
        Templates.load(tmp_path)


def _messages(templates: Templates, question: str, hits: list[Hit], budget: int = 10_000) -> list[ChatMessage]:
    items = select_passages(question, hits, passages=3, sentences=2)
    messages, _ = build_messages(templates, question, items, count_tokens=_tokens, budget=budget)
    return messages


def test_prefix_is_identical_across_questions(templates: Templates) -> None:
    hits_a = [_hit("15-NQ/TU", 4, RELEVANT)]
    hits_b = [_hit("08-KL/TU", 2, "Nâng chỉ tiêu hồ sơ trực tuyến lên 85% vào năm 2030.")]
    a = _messages(templates, QUESTION, hits_a)
    b = _messages(templates, "Kết luận 08 nâng chỉ tiêu hồ sơ trực tuyến lên bao nhiêu?", hits_b)
    assert [m.role for m in a] == ["system", "user", "assistant", "user"]
    assert a[:3] == b[:3]
    assert a[0].content == templates.system
    assert a[1].content == templates.example_user and a[2].content == templates.example_assistant
    assert a[3] != b[3]
    # the question and the passage header go into the last message only
    assert QUESTION in a[3].content and "[1] 15-NQ/TU › II- MỤC TIÊU" in a[3].content
    assert all(QUESTION not in m.content for m in a[:3])


def test_passages_dropped_from_the_end_to_fit_budget(templates: Templates) -> None:
    filler = "Đến năm 2030, kinh tế số chiếm 25% GRDP của tỉnh và nhân lực số tăng mạnh. "
    hits = [_hit(f"{n}-NQ/TU", 0, f"Đoạn số {n}. " + filler * 3) for n in (11, 12, 13)]
    items = select_passages(QUESTION, hits, passages=3, sentences=4)
    full, kept_all = build_messages(templates, QUESTION, items, count_tokens=_tokens, budget=100_000)
    assert [p.n for p in kept_all] == [1, 2, 3]
    prefix = sum(_tokens(m.content) for m in full[:3])
    one = build_messages(templates, QUESTION, items[:1], count_tokens=_tokens, budget=100_000)[0]
    budget = prefix + _tokens(one[3].content) + 5  # room for one passage, not two
    messages, kept = build_messages(templates, QUESTION, items, count_tokens=_tokens, budget=budget)
    assert [p.n for p in kept] == [1]
    assert sum(_tokens(m.content) for m in messages) <= budget
    assert "[1] 11-NQ/TU" in messages[3].content
    assert "12-NQ/TU" not in messages[3].content and "13-NQ/TU" not in messages[3].content
    assert messages[:3] == full[:3]
    # Even a budget too small for anything keeps one passage (the prompt is never empty of evidence).
    _, kept_min = build_messages(templates, QUESTION, items, count_tokens=_tokens, budget=10)
    assert [p.n for p in kept_min] == [1]


def test_only_selected_sentences_of_a_long_passage_reach_the_prompt(templates: Templates) -> None:
    hits = [_hit("15-NQ/TU", 4, LONG_PASSAGE)]
    items = select_passages(QUESTION, hits, passages=3, sentences=2)
    assert len(items) == 1
    assert RELEVANT in items[0].shown
    messages = _messages(templates, QUESTION, hits)
    user = messages[3].content
    assert RELEVANT in user
    shown_irrelevant = [s for s in IRRELEVANT if s in user]
    assert len(shown_irrelevant) <= 1, shown_irrelevant
    assert len(user) < len(templates.user) + len(LONG_PASSAGE)
    [only] = select_passages(QUESTION, hits, passages=3, sentences=1)
    assert only.shown == RELEVANT


def test_select_passages_limits_and_numbers(templates: Templates) -> None:
    hits = [_hit(f"{n}-NQ/TU", 0, RELEVANT) for n in range(1, 6)]
    items = select_passages(QUESTION, hits, passages=3, sentences=2)
    assert [p.n for p in items] == [1, 2, 3]
    assert [p.hit for p in items] == hits[:3]
    rendered = render_passages(items)
    assert rendered.index("[1] 1-NQ/TU") < rendered.index("[2] 2-NQ/TU") < rendered.index("[3] 3-NQ/TU")
    assert "4-NQ/TU" not in rendered
