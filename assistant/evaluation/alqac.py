"""Converters for the ALQAC Vietnamese legal retrieval benchmark (internal evaluation only).

Corpus: the union of `law_v1.json` (16 laws) and `legal_passages_v2_102023.json` (18 laws).
Law names are matched case-insensitively after NFC normalisation with any trailing year stripped
("Bộ Luật Dân sự 2015" = "Bộ luật dân sự"); on conflicts the v2 text and the v2 spelling of the
name (without its year) win. Every article becomes one .txt file; its doc id is
"<Law name> › Điều <id>" and questions use the same canonicalisation, so their labels resolve.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any, Literal

import yaml

from assistant.text.normalize import normalize_text, strip_diacritics

log = logging.getLogger(__name__)

CORPUS_FILES = ("law_v1.json", "legal_passages_v2_102023.json")  # later files win
QUESTION_SETS: dict[str, tuple[str, str, str, str]] = {
    # which: (file, id field, text field, labels field)
    "train25": ("alqac25_train.json", "question_id", "text", "relevant_articles"),
    "test23": ("test_v2_102023.json", "example_id", "statement", "legal_passages"),
}
Which = Literal["train25", "test23"]


def law_key(name: str) -> str:
    """Canonical key of a law name: NFC, whitespace collapsed, trailing year dropped, case-folded."""
    return _law_display(name).casefold()


def _law_display(name: str) -> str:
    name = re.sub(r"\s+", " ", normalize_text(name)).strip()
    return re.sub(r"\s+\d{4}$", "", name)


def article_doc_id(law_name: str, article_id: str) -> str:
    return f"{law_name} › Điều {article_id}"


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def load_articles(alqac_dir: Path) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Return (law key -> display name, (law key, article id) -> text) for the v1 ∪ v2 union."""
    names: dict[str, str] = {}
    articles: dict[tuple[str, str], str] = {}
    for file in CORPUS_FILES:
        for law in _read_json(Path(alqac_dir) / file):
            key = law_key(law["id"])
            names[key] = _law_display(law["id"])
            for article in law["articles"]:
                articles[(key, str(article["id"]).strip())] = article["text"]
    return names, articles


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", strip_diacritics(text).lower()).strip("-")


def article_file_name(law_name: str, article_id: str) -> str:
    aid = article_id.zfill(3) if article_id.isdigit() else _slug(article_id)
    return f"{_slug(law_name)}__dieu-{aid}.txt"


def convert_corpus(alqac_dir: Path, out_dir: Path) -> int:
    """Write one .txt per article plus `manifest.yaml` into `out_dir`; return the article count."""
    names, articles = load_articles(Path(alqac_dir))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    documents: dict[str, dict[str, str]] = {}
    for (key, aid), text in sorted(articles.items(), key=lambda kv: (kv[0][0], _article_order(kv[0][1]))):
        law = names[key]
        file_name = article_file_name(law, aid)
        if file_name in documents:
            raise ValueError(f"two articles map to the file name {file_name}")
        doc_id = article_doc_id(law, aid)
        (out_dir / file_name).write_text(f"{law}\nĐiều {aid}. {text.strip()}\n", encoding="utf-8")
        documents[file_name] = {"doc_id": doc_id, "title": doc_id}
    manifest = yaml.safe_dump({"documents": documents}, allow_unicode=True, sort_keys=False, width=1000)
    (out_dir / "manifest.yaml").write_text(manifest, encoding="utf-8")
    return len(documents)


def _article_order(article_id: str) -> tuple[int, str]:
    return (int(article_id), "") if article_id.isdigit() else (10**9, article_id)


def _questions(alqac_dir: Path, which: Which) -> tuple[list[dict[str, Any]], int, int]:
    if which not in QUESTION_SETS:
        raise ValueError(f"unknown ALQAC question set {which!r}; expected one of {', '.join(QUESTION_SETS)}")
    file, id_field, text_field, labels_field = QUESTION_SETS[which]
    names, articles = load_articles(Path(alqac_dir))
    items: list[dict[str, Any]] = []
    total = resolved = 0
    for q in _read_json(Path(alqac_dir) / file):
        docs: list[str] = []
        for label in q.get(labels_field) or []:
            total += 1
            key, aid = law_key(label["law_id"]), str(label["article_id"]).strip()
            if (key, aid) not in articles:
                log.info("%s: %s › Điều %s is not in the corpus", q[id_field], label["law_id"], aid)
                continue
            resolved += 1
            doc_id = article_doc_id(names[key], aid)
            if doc_id not in docs:
                docs.append(doc_id)
        if not docs:  # nothing to retrieve in this corpus: leave the question out
            continue
        items.append(
            {
                "id": str(q[id_field]),
                "question": q[text_field],
                "expected_docs": docs,
                "answerable": True,
                "kind": q.get("question_type") or "statement",
            }
        )
    return items, resolved, total


def label_stats(alqac_dir: Path, which: Which) -> tuple[int, int]:
    """(labels that resolve against the corpus, all labels) of a question set."""
    _, resolved, total = _questions(alqac_dir, which)
    return resolved, total


def convert_questions(alqac_dir: Path, which: Which, out_path: Path) -> int:
    """Write question items (JSONL) for `which`; return how many were written.

    Labels that do not resolve against the v1 ∪ v2 corpus are dropped, and a question left with
    none is skipped; the resolution rate is logged (see also `label_stats`).
    """
    items, resolved, total = _questions(alqac_dir, which)
    log.info("ALQAC %s: %d of %d labels resolve; %d questions written", which, resolved, total, len(items))
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    return len(items)
