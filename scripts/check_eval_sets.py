#!/usr/bin/env python3
"""Re-verify the Party-document evaluation sets against the shared corpus.

Checks `evals/party_dev.jsonl` (questions) and `evals/party_drafts.jsonl` (draft statements):

- every item has the required fields with the right types, ids are unique;
- every document id resolves to a file of the shared corpus;
- every quote occurs in its document up to normalisation (`match_key(quote)` is a substring of
  `match_key(file_text)`), and lies within one paragraph / table cell of the original file
  (the matched span crosses no blank line, no heading and no table-cell separator);
- the required counts per kind / verdict are met, all documents are covered, and a few
  mandatory questions are present.

Exits 1 and prints every failing item when anything is wrong.

Usage: .venv/bin/python scripts/check_eval_sets.py [--shared PATH] [--evals PATH]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import TypeGuard

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.normalize import find_span, match_key  # noqa: E402

# Canonical document id -> file (relative to corpora/party). The first file is the one quotes
# must come from: the system indexes only one of the near-duplicate versions.
CANONICAL: dict[str, str] = {
    "57-NQ/TW": "NQ-57-NQ-TW_2024-12-22_full.md",
    "69-KL/TW": "KL-69-KL-TW_2024-01-11.md",
    "20-NQ/TW": "NQ-20-NQ-TW_2012-11-01.md",
    "03/NQ-CP": "NQ-03-NQ-CP_2025-01-09.md",
    "3260-KH/ĐĐQH15": "KH-3260-KH-DDQH15_2025-01-10.md",
}
DRAFT_REPORT = "label:CV-402-CV-VPDU_2025-05-25_du-thao-bao-cao-NQ57.md"

DEV_KINDS = {"by_number", "paraphrase", "factual", "unanswerable"}
DEV_MIN = {"by_number": 12, "paraphrase": 12, "unanswerable": 9, "factual": 1}
DEV_MIN_TOTAL = 45
DEV_MIN_NEWS = 3
DEV_REQUIRED_QUESTIONS = [
    "Nghị quyết 57 đặt mục tiêu chi cho nghiên cứu phát triển đến năm 2030 là bao nhiêu phần trăm GDP?",
]
DEV_MUST_COVER = [*CANONICAL, DRAFT_REPORT]

DRAFT_VERDICTS = {"consistent", "contradicts", "not_covered"}
DRAFT_KINDS = {"number", "year", "deadline", "body", "direction", "restatement", "not_covered"}
DRAFT_MIN = {"consistent": 8, "contradicts": 8, "not_covered": 8}
DRAFT_MIN_TOTAL = 24

QUOTE_MIN_WORDS = 6
QUOTE_MAX_WORDS = 30

# A quote must not cross a paragraph break, a heading or a table-cell boundary.
_BREAK = re.compile(r"\n[ \t\u00a0]*\n|\n[ \t]*#|\|")


class Corpus:
    def __init__(self, shared: Path) -> None:
        self.party = shared / "corpora" / "party"
        self.news = shared / "corpora" / "news"
        self._texts: dict[Path, tuple[str, str]] = {}

    def path_for(self, doc_id: str) -> Path | None:
        if doc_id in CANONICAL:
            return self.party / CANONICAL[doc_id]
        if doc_id.startswith("label:"):
            name = doc_id[len("label:") :]
            if not name or "/" in name or "\\" in name:
                return None
            for folder in (self.party, self.news):
                if (folder / name).is_file():
                    return folder / name
        return None

    def text(self, path: Path) -> tuple[str, str]:
        """(original text, match key) of a corpus file, cached."""
        if path not in self._texts:
            raw = path.read_text(encoding="utf-8")
            self._texts[path] = (raw, match_key(raw))
        return self._texts[path]

    def check_quote(self, quote: str, path: Path) -> str | None:
        """None if the quote is valid in `path`, else the reason."""
        if not isinstance(quote, str) or not quote.strip():
            return "empty quote"
        if "\n" in quote:
            return "quote spans several lines"
        n_words = len(quote.split())
        if not QUOTE_MIN_WORDS <= n_words <= QUOTE_MAX_WORDS:
            return f"quote has {n_words} words (allowed {QUOTE_MIN_WORDS}-{QUOTE_MAX_WORDS})"
        raw, key = self.text(path)
        if match_key(quote) not in key:
            return f"not found in {path.name}"
        span = find_span(raw, quote)
        if span is None:  # pragma: no cover - same test as above
            return f"not found in {path.name}"
        if _BREAK.search(raw[span[0] : span[1]]):
            return f"crosses a paragraph, heading or table-cell boundary in {path.name}"
        return None


def _load(path: Path, errors: list[str]) -> list[dict]:
    items: list[dict] = []
    if not path.is_file():
        errors.append(f"{path}: missing")
        return items
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{path.name}:{n}: invalid JSON ({exc})")
            continue
        if not isinstance(obj, dict):
            errors.append(f"{path.name}:{n}: not a JSON object")
            continue
        items.append(obj)
    return items


def _str_list(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def check_dev(items: list[dict], corpus: Corpus, errors: list[str]) -> Counter:
    kinds: Counter = Counter()
    covered: set[str] = set()
    news = 0
    seen: set[str] = set()
    questions: set[str] = set()
    for item in items:
        iid = str(item.get("id", "?"))
        where = f"party_dev {iid}"
        if iid in seen:
            errors.append(f"{where}: duplicate id")
        seen.add(iid)
        for field, typ in (("question", str), ("reference_answer", str), ("kind", str), ("answerable", bool)):
            if not isinstance(item.get(field), typ):
                errors.append(f"{where}: field {field!r} missing or not {typ.__name__}")
        if not _str_list(item.get("expected_docs")) or not _str_list(item.get("expected_quotes")):
            errors.append(f"{where}: expected_docs / expected_quotes must be lists of strings")
            continue
        kind = item.get("kind")
        if kind not in DEV_KINDS:
            errors.append(f"{where}: unknown kind {kind!r}")
            continue
        kinds[kind] += 1
        questions.add(str(item.get("question", "")).strip())
        docs, quotes = item["expected_docs"], item["expected_quotes"]
        if kind == "unanswerable" or item.get("answerable") is False:
            if kind != "unanswerable" or item.get("answerable") is not False:
                errors.append(f"{where}: kind 'unanswerable' and answerable=false must go together")
            if docs or quotes:
                errors.append(f"{where}: unanswerable item must have empty expected_docs and expected_quotes")
            continue
        if not docs:
            errors.append(f"{where}: no expected_docs")
        if not 1 <= len(quotes) <= 2:
            errors.append(f"{where}: needs 1-2 expected_quotes, has {len(quotes)}")
        paths = []
        for doc in docs:
            path = corpus.path_for(doc)
            if path is None:
                errors.append(f"{where}: unknown document id {doc!r}")
            else:
                paths.append(path)
                covered.add(doc)
        if any(p.parent == corpus.news for p in paths):
            news += 1
        for quote in quotes:
            reasons = [corpus.check_quote(quote, p) for p in paths]
            if paths and all(r is not None for r in reasons):
                errors.append(f"{where}: quote {quote!r}: {'; '.join(str(r) for r in reasons)}")
    total = sum(kinds.values())
    if total < DEV_MIN_TOTAL:
        errors.append(f"party_dev: {total} items, need at least {DEV_MIN_TOTAL}")
    for kind, minimum in DEV_MIN.items():
        if kinds[kind] < minimum:
            errors.append(f"party_dev: {kinds[kind]} items of kind {kind!r}, need at least {minimum}")
    if news < DEV_MIN_NEWS:
        errors.append(f"party_dev: {news} questions on news files, need at least {DEV_MIN_NEWS}")
    for doc in DEV_MUST_COVER:
        if doc not in covered:
            errors.append(f"party_dev: no question on {doc}")
    for q in DEV_REQUIRED_QUESTIONS:
        if q not in questions:
            errors.append(f"party_dev: required question missing: {q!r}")
    kinds["news"] = news
    return kinds


def check_drafts(items: list[dict], corpus: Corpus, errors: list[str]) -> Counter:
    verdicts: Counter = Counter()
    seen: set[str] = set()
    for item in items:
        iid = str(item.get("id", "?"))
        where = f"party_drafts {iid}"
        if iid in seen:
            errors.append(f"{where}: duplicate id")
        seen.add(iid)
        if not isinstance(item.get("statement"), str) or not item["statement"].strip():
            errors.append(f"{where}: missing statement")
        against, quotes = item.get("against"), item.get("evidence_quotes")
        if not _str_list(against) or not against or not _str_list(quotes):
            errors.append(f"{where}: against must be a non-empty list, evidence_quotes a list of strings")
            continue
        verdict, kind = item.get("verdict"), item.get("kind")
        if verdict not in DRAFT_VERDICTS:
            errors.append(f"{where}: unknown verdict {verdict!r}")
            continue
        if kind not in DRAFT_KINDS:
            errors.append(f"{where}: unknown kind {kind!r}")
        verdicts[verdict] += 1
        if verdict == "not_covered":
            if quotes:
                errors.append(f"{where}: not_covered item must have no evidence_quotes")
            if kind != "not_covered":
                errors.append(f"{where}: not_covered item must have kind 'not_covered'")
        else:
            if not quotes:
                errors.append(f"{where}: {verdict} item needs evidence_quotes")
            if kind == "not_covered":
                errors.append(f"{where}: kind 'not_covered' used with verdict {verdict!r}")
        paths = []
        for doc in against:
            path = corpus.path_for(doc)
            if path is None:
                errors.append(f"{where}: unknown document id {doc!r}")
            else:
                paths.append(path)
        for quote in quotes:
            reasons = [corpus.check_quote(quote, p) for p in paths]
            if paths and all(r is not None for r in reasons):
                errors.append(f"{where}: quote {quote!r}: {'; '.join(str(r) for r in reasons)}")
    total = sum(verdicts.values())
    if total < DRAFT_MIN_TOTAL:
        errors.append(f"party_drafts: {total} items, need at least {DRAFT_MIN_TOTAL}")
    for verdict, minimum in DRAFT_MIN.items():
        if verdicts[verdict] < minimum:
            errors.append(f"party_drafts: {verdicts[verdict]} items with verdict {verdict!r}, need at least {minimum}")
    return verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Re-verify the Party-document evaluation sets against the shared corpus.")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="shared data folder")
    parser.add_argument("--evals", type=Path, default=REPO / "evals", help="folder holding the eval sets")
    args = parser.parse_args(argv)

    if not (args.shared / "corpora" / "party").is_dir():
        print(f"FAIL: no corpora/party under {args.shared}", file=sys.stderr)
        return 2
    corpus = Corpus(args.shared)
    errors: list[str] = []
    for doc_id, name in CANONICAL.items():
        if not (corpus.party / name).is_file():
            errors.append(f"corpus: file for {doc_id} missing: {name}")

    dev = _load(args.evals / "party_dev.jsonl", errors)
    drafts = _load(args.evals / "party_drafts.jsonl", errors)
    kinds = check_dev(dev, corpus, errors)
    verdicts = check_drafts(drafts, corpus, errors)

    print(f"party_dev.jsonl: {len(dev)} items; " + ", ".join(f"{k}={v}" for k, v in sorted(kinds.items())))
    print(f"party_drafts.jsonl: {len(drafts)} items; " + ", ".join(f"{k}={v}" for k, v in sorted(verdicts.items())))
    n_quotes = sum(len(i.get("expected_quotes") or []) for i in dev) + sum(len(i.get("evidence_quotes") or []) for i in drafts)
    print(f"quotes checked: {n_quotes}")
    if errors:
        for e in errors:
            print(f"FAIL: {e}")
        print(f"{len(errors)} problem(s)")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
