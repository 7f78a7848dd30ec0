from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from assistant.evaluation.alqac import article_file_name, convert_corpus, convert_questions, label_stats, law_key
from assistant.evaluation.items import load_items


@pytest.fixture(scope="module")
def alqac(shared: Path) -> Path:
    return shared / "corpora" / "alqac"


@pytest.fixture(scope="module")
def corpus(alqac: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    out = tmp_path_factory.mktemp("alqac_corpus")
    return out, convert_corpus(alqac, out)


def test_law_key() -> None:
    assert law_key("Bộ Luật Dân sự 2015") == law_key("Bộ luật dân sự") == law_key(" Bộ  luật dân sự  ")
    assert law_key("Luật Phòng, chống ma túy 2021") == law_key("Luật Phòng, chống ma tuý")
    assert article_file_name("Luật Viên chức", "1") == "luat-vien-chuc__dieu-001.txt"


def test_convert_corpus(corpus: tuple[Path, int]) -> None:
    out, count = corpus
    assert count >= 2256  # v2 alone has 2,256 articles; v1 adds three laws
    files = sorted(out.glob("*.txt"))
    assert len(files) == count
    manifest = yaml.safe_load((out / "manifest.yaml").read_text(encoding="utf-8"))["documents"]
    assert len(manifest) == count and set(manifest) == {f.name for f in files}
    entry = manifest["luat-vien-chuc__dieu-001.txt"]
    assert entry == {"doc_id": "Luật Viên chức › Điều 1", "title": "Luật Viên chức › Điều 1"}
    text = (out / "luat-vien-chuc__dieu-001.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "Luật Viên chức"
    assert lines[1] == "Điều 1. Phạm vi điều chỉnh"
    assert "Luật này quy định về viên chức; quyền nghĩa vụ của viên chức" in text
    # a law only in v1 is kept
    assert manifest["luat-trong-trot__dieu-001.txt"]["doc_id"] == "Luật Trồng trọt › Điều 1"


def test_convert_questions_train25_resolve(alqac: Path, corpus: tuple[Path, int], tmp_path: Path) -> None:
    out, _ = corpus
    assert label_stats(alqac, "train25") == (740, 741)
    path = tmp_path / "train25.jsonl"
    written = convert_questions(alqac, "train25", path)
    assert written == 728  # of 729: the one whose only label (Luật Trồng trọt, Điều 64) is missing is left out
    questions, drafts = load_items(path)
    assert len(questions) == written and not drafts
    doc_ids = {d["doc_id"] for d in yaml.safe_load((out / "manifest.yaml").read_text(encoding="utf-8"))["documents"].values()}
    assert all(d in doc_ids for q in questions for d in q.expected_docs)
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert first == {
        "id": "train_alqac25_1",
        "question": first["question"],
        "expected_docs": ["Luật Phòng, chống ma túy › Điều 32"],
        "answerable": True,
        "kind": "Đúng/Sai",
    }
    assert {q.kind for q in questions} == {"Đúng/Sai", "Trắc nghiệm", "Tự luận"}


def test_convert_questions_test23(alqac: Path, tmp_path: Path) -> None:
    assert label_stats(alqac, "test23") == (151, 151)
    path = tmp_path / "test23.jsonl"
    assert convert_questions(alqac, "test23", path) == 140
    questions, _ = load_items(path)
    assert {q.kind for q in questions} == {"statement"}
    assert any("Hiến pháp › Điều 20" in q.expected_docs for q in questions)
    with pytest.raises(ValueError, match="unknown ALQAC question set"):
        convert_questions(alqac, "dev", tmp_path / "x.jsonl")  # type: ignore[arg-type]
