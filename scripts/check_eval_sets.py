#!/usr/bin/env python3
"""Re-verify the Party-document evaluation sets against the shared corpus.

Checks `evals/party_dev.jsonl` (questions) and `evals/party_drafts.jsonl` (draft statements):

- every item has the required fields with the right types, ids are unique;
- every document id resolves to a file of the shared corpus (draft statements may also name a
  directive of the project's own sample corpus, `corpora/sample/`: .md/.txt read as text, .html as
  its text with tags removed, the .docx with python-docx: without it, items naming 08-KL/TU
  fail, so run this with the project's virtualenv, which has python-docx);
- every quote occurs in its document up to normalisation (`match_key(quote)` is a substring of
  `match_key(file_text)`), and lies within one paragraph / table cell of the original file
  (the matched span crosses no blank line, no heading and no table-cell separator);
- the required counts per kind / verdict are met, all documents are covered, and a few
  mandatory questions are present.

Draft statements also carry a `kind` (what was changed, see DRAFT_KIND_VERDICT: each kind belongs
to one verdict), a `split` and a `note` for reviewers. The split follows the directive: "dev" for
the directives the checker's rules were developed against (57-NQ/TW, 69-KL/TW, the sample corpus),
"untouched" for the others (03/NQ-CP, 3260-KH/ĐĐQH15, 20-NQ/TW), so that figures on "untouched"
measure generalisation. Every kind must occur in both splits. A table of counts per split × kind
× verdict ends the output.

Exits 1 and prints every failing item when anything is wrong.

Usage: .venv/bin/python scripts/check_eval_sets.py [--shared PATH] [--evals PATH]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import TypeGuard

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.text.normalize import find_span, match_key  # noqa: E402

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

# Directives of the project's own (fictional) sample corpus that draft statements may name: id ->
# file under corpora/sample. The .docx can be read only with python-docx (see Corpus.sample_ids).
SAMPLE_DIR = REPO / "corpora" / "sample"
SAMPLE: dict[str, str] = {
    "15-NQ/TU": "nghi-quyet-15-NQ-TU.md",
    "05-CT/TU": "chi-thi-05-CT-TU.txt",
    "112/KH-UBND": "ke-hoach-112-KH-UBND.html",
    "08-KL/TU": "ket-luan-08-KL-TU.docx",
}

DRAFT_VERDICTS = {"consistent", "contradicts", "not_covered"}
# kind -> the verdict an item of that kind has.
DRAFT_KIND_VERDICT: dict[str, str] = {
    "paraphrase_synonym": "consistent",  # synonyms / qualifier variants, reordered, restructured
    "paraphrase_abbrev": "consistent",  # the directive's abbreviations used or expanded
    "paraphrase_voice": "consistent",  # passive / active voice, nominalisation
    "paraphrase_date": "consistent",  # an equivalent form of a date, period or deadline
    "restatement": "consistent",  # near-verbatim
    "changed_number": "contradicts",
    "changed_year": "contradicts",  # a year, deadline or horizon
    "changed_qualifier": "contradicts",  # "tối thiểu" -> "khoảng", "trên" -> "dưới" ...
    "body_swapped": "contradicts",  # responsible body, incl. one with another task / a near-name
    "cycle_swapped": "contradicts",  # reporting cycle or report recipient
    "two_wrong": "contradicts",  # two things wrong at once
    "reversal": "contradicts",  # negation, restriction, "which is primary", must / must-not
    "neighbour_figure": "contradicts",  # a figure / body from a neighbouring sentence or section
    "other_document": "not_covered",  # true of another document of the corpus, not of this one
    "invented_figure": "not_covered",
    "no_figure_claim": "not_covered",  # a claim without a figure the directive does not make
}
DRAFT_KINDS = set(DRAFT_KIND_VERDICT)
# The split of the items against each directive (every directive an item names must agree).
DRAFT_SPLIT: dict[str, str] = {
    "57-NQ/TW": "dev",
    "69-KL/TW": "dev",
    **{doc: "dev" for doc in SAMPLE},
    "03/NQ-CP": "untouched",
    "3260-KH/ĐĐQH15": "untouched",
    "20-NQ/TW": "untouched",
}
DRAFT_SPLITS = ("dev", "untouched")
DRAFT_ID = re.compile(r"^draft-\d{3,}$")
DRAFT_MIN = {"consistent": 40, "contradicts": 60, "not_covered": 30}  # over both splits
DRAFT_MIN_PER_SPLIT = {"consistent": 15, "contradicts": 25, "not_covered": 10}
DRAFT_MIN_TOTAL = 156
DRAFT_MIN_SPLIT_TOTAL = {"dev": 60, "untouched": 60}
DRAFT_MIN_PARTY = 150  # statements against directives of the shared (real) corpus
DRAFT_MIN_PARTY_DIRECTIVES = 4
DRAFT_KIND_MIN = 6  # per kind over both splits; the common kinds need more:
DRAFT_KIND_MIN_COMMON = {
    "paraphrase_synonym": 10,
    "changed_number": 10,
    "changed_year": 10,
    "body_swapped": 10,
    "reversal": 10,
    "invented_figure": 10,
    "other_document": 10,
}
DRAFT_KIND_MIN_PER_SPLIT = 2  # every kind in both splits

QUOTE_MIN_WORDS = 6
QUOTE_MAX_WORDS = 30

# A quote must not cross a paragraph break, a heading or a table-cell boundary.
_BREAK = re.compile(r"\n[ \t\u00a0]*\n|\n[ \t]*#|\|")


class _HTMLText(HTMLParser):
    """The text of an HTML file: a blank line between blocks, " | " between table cells, so that
    the paragraph / cell test below applies to HTML as it does to Markdown."""

    _BLOCKS = frozenset({"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "table", "tr", "title", "body"})
    _SKIP = frozenset({"style", "script", "head"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")
        elif tag in ("td", "th"):
            self.parts.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")
        elif tag in ("td", "th"):
            self.parts.append(" | ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(raw: str) -> str:
    parser = _HTMLText()
    parser.feed(raw)
    parser.close()
    return "".join(parser.parts)


def docx_text(path: Path) -> str | None:
    """Paragraphs (and table cells, " | " between them) of a .docx, or None without python-docx."""
    try:
        import docx
    except ImportError:
        return None
    document = docx.Document(str(path))
    blocks = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            blocks.append(" | ".join(cell.text for cell in row.cells))
    return "\n\n".join(blocks)


def docx_text_ok() -> bool:
    try:
        import docx  # noqa: F401
    except ImportError:
        return False
    return True


class Corpus:
    def __init__(self, shared: Path, sample: Path = SAMPLE_DIR) -> None:
        self.party = shared / "corpora" / "party"
        self.news = shared / "corpora" / "news"
        self.sample = sample
        self._texts: dict[Path, tuple[str, str]] = {}
        # sample directives whose file can be read here (the .docx needs python-docx)
        self.sample_ids = {d for d, name in SAMPLE.items() if not name.endswith(".docx") or docx_text_ok()}

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

    def sample_path_for(self, doc_id: str) -> Path | None:
        """File of a sample-corpus directive (only for draft statements), None if unknown or unreadable."""
        if doc_id in self.sample_ids:
            return self.sample / SAMPLE[doc_id]
        return None

    def text(self, path: Path) -> tuple[str, str]:
        """(original text, match key) of a corpus file, cached. HTML and .docx files: their text."""
        if path not in self._texts:
            if path.suffix.lower() == ".docx":
                raw = docx_text(path) or ""
            else:
                raw = path.read_text(encoding="utf-8-sig")
                if path.suffix.lower() in (".html", ".htm"):
                    raw = html_text(raw)
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


def _is_nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


def check_drafts(items: list[dict], corpus: Corpus, errors: list[str]) -> Counter:
    """Check the draft statements; return counts keyed (split, kind, verdict)."""
    table: Counter = Counter()
    seen: set[str] = set()
    statements: dict[str, str] = {}
    party_docs: Counter = Counter()
    for item in items:
        iid = str(item.get("id", "?"))
        where = f"party_drafts {iid}"
        if iid in seen:
            errors.append(f"{where}: duplicate id")
        seen.add(iid)
        if not DRAFT_ID.match(iid):
            errors.append(f"{where}: id must look like draft-NNN")
        statement = item.get("statement")
        if not isinstance(statement, str) or not statement.strip():
            errors.append(f"{where}: missing statement")
            continue
        if not _is_nfc(statement):
            errors.append(f"{where}: statement is not NFC")
        key = match_key(statement)
        if key in statements:
            errors.append(f"{where}: same statement as {statements[key]}")
        statements[key] = iid
        note = item.get("note")
        if not isinstance(note, str) or not note.strip():
            errors.append(f"{where}: missing note")
        against, quotes = item.get("against"), item.get("evidence_quotes")
        if not _str_list(against) or not against or not _str_list(quotes):
            errors.append(f"{where}: against must be a non-empty list, evidence_quotes a list of strings")
            continue
        verdict, kind, split = item.get("verdict"), item.get("kind"), item.get("split")
        if verdict not in DRAFT_VERDICTS:
            errors.append(f"{where}: unknown verdict {verdict!r}")
            continue
        if kind not in DRAFT_KINDS:
            errors.append(f"{where}: unknown kind {kind!r} (one of {', '.join(sorted(DRAFT_KINDS))})")
            continue
        if DRAFT_KIND_VERDICT[kind] != verdict:
            errors.append(f"{where}: kind {kind!r} goes with verdict {DRAFT_KIND_VERDICT[kind]!r}, not {verdict!r}")
        if split not in DRAFT_SPLITS:
            errors.append(f"{where}: split must be one of {', '.join(DRAFT_SPLITS)}, not {split!r}")
            continue
        for doc in against:
            expected = DRAFT_SPLIT.get(doc)
            if expected is not None and expected != split:
                errors.append(f"{where}: items against {doc} belong to split {expected!r}, not {split!r}")
        if verdict == "not_covered":
            pass  # quotes optional: a nearby sentence may be cited; any given must be verbatim
        elif not quotes:
            errors.append(f"{where}: {verdict} item needs evidence_quotes")
        paths = []
        for doc in against:
            path = corpus.path_for(doc)
            if path is None and not doc.startswith("label:"):
                path = corpus.sample_path_for(doc)
            if path is None:
                hint = " (needs python-docx)" if doc in SAMPLE else ""
                errors.append(f"{where}: unknown document id {doc!r}{hint}")
                continue
            if doc not in DRAFT_SPLIT:
                errors.append(f"{where}: no split known for {doc!r}; add it to DRAFT_SPLIT")
            paths.append(path)
            if doc in CANONICAL:
                party_docs[doc] += 1
        for quote in quotes:
            if isinstance(quote, str) and not _is_nfc(quote):
                errors.append(f"{where}: quote {quote!r} is not NFC")
            reasons = [corpus.check_quote(quote, p) for p in paths]
            if paths and all(r is not None for r in reasons):
                errors.append(f"{where}: quote {quote!r}: {'; '.join(str(r) for r in reasons)}")
        table[(split, kind, verdict)] += 1

    total = sum(table.values())
    if total < DRAFT_MIN_TOTAL:
        errors.append(f"party_drafts: {total} items, need at least {DRAFT_MIN_TOTAL}")
    n_party = sum(party_docs.values())
    if n_party < DRAFT_MIN_PARTY or len(party_docs) < DRAFT_MIN_PARTY_DIRECTIVES:
        errors.append(
            f"party_drafts: {n_party} statements against {len(party_docs)} shared-corpus directives, "
            f"need at least {DRAFT_MIN_PARTY} over {DRAFT_MIN_PARTY_DIRECTIVES}"
        )
    by_split: Counter = Counter()
    by_verdict: Counter = Counter()
    by_split_verdict: Counter = Counter()
    by_kind: Counter = Counter()
    by_split_kind: Counter = Counter()
    for (split, kind, verdict), n in table.items():
        by_split[split] += n
        by_verdict[verdict] += n
        by_split_verdict[(split, verdict)] += n
        by_kind[kind] += n
        by_split_kind[(split, kind)] += n
    for split, minimum in DRAFT_MIN_SPLIT_TOTAL.items():
        if by_split[split] < minimum:
            errors.append(f"party_drafts: {by_split[split]} items in split {split!r}, need at least {minimum}")
    for verdict, minimum in DRAFT_MIN.items():
        if by_verdict[verdict] < minimum:
            errors.append(f"party_drafts: {by_verdict[verdict]} items with verdict {verdict!r}, need at least {minimum}")
        for split in DRAFT_SPLITS:
            need = DRAFT_MIN_PER_SPLIT[verdict]
            if by_split_verdict[(split, verdict)] < need:
                errors.append(
                    f"party_drafts: {by_split_verdict[(split, verdict)]} {verdict!r} items in split {split!r}, "
                    f"need at least {need}"
                )
    for kind in sorted(DRAFT_KINDS):
        need = DRAFT_KIND_MIN_COMMON.get(kind, DRAFT_KIND_MIN)
        if by_kind[kind] < need:
            errors.append(f"party_drafts: {by_kind[kind]} items of kind {kind!r}, need at least {need}")
        for split in DRAFT_SPLITS:
            if by_split_kind[(split, kind)] < DRAFT_KIND_MIN_PER_SPLIT:
                errors.append(
                    f"party_drafts: {by_split_kind[(split, kind)]} items of kind {kind!r} in split {split!r}, "
                    f"need at least {DRAFT_KIND_MIN_PER_SPLIT}"
                )
    return table


def draft_table(table: Counter) -> str:
    """Counts per kind (rows, grouped by verdict) and split (columns)."""
    kinds = [k for v in ("consistent", "contradicts", "not_covered") for k in DRAFT_KIND_VERDICT if DRAFT_KIND_VERDICT[k] == v]
    extra = sorted({k for (_, k, _) in table} - set(kinds))
    width = max(len(k) for k in [*kinds, *extra, "TOTAL"]) + 2
    lines = [f"{'verdict':<12} {'kind':<{width}} {'dev':>5} {'untouched':>10} {'all':>5}"]

    def row(verdict: str, kind: str, dev: int, unt: int) -> str:
        return f"{verdict:<12} {kind:<{width}} {dev:>5} {unt:>10} {dev + unt:>5}"

    for verdict in ("consistent", "contradicts", "not_covered"):
        sub_dev = sub_unt = 0
        for kind in [*kinds, *extra]:
            dev, unt = table[("dev", kind, verdict)], table[("untouched", kind, verdict)]
            if kind in DRAFT_KIND_VERDICT and DRAFT_KIND_VERDICT[kind] != verdict and not (dev or unt):
                continue
            lines.append(row(verdict, kind, dev, unt))
            sub_dev, sub_unt = sub_dev + dev, sub_unt + unt
        lines.append(row(verdict, "(all kinds)", sub_dev, sub_unt))
    dev = sum(n for (s, _, _), n in table.items() if s == "dev")
    unt = sum(n for (s, _, _), n in table.items() if s == "untouched")
    lines.append(row("", "TOTAL", dev, unt))
    return "\n".join(lines)


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
    table = check_drafts(drafts, corpus, errors)

    print(f"party_dev.jsonl: {len(dev)} items; " + ", ".join(f"{k}={v}" for k, v in sorted(kinds.items())))
    verdicts: Counter = Counter()
    for (_, _, verdict), n in table.items():
        verdicts[verdict] += n
    directives = Counter(doc for i in drafts if _str_list(i.get("against")) for doc in i["against"])
    print(f"party_drafts.jsonl: {len(drafts)} items; " + ", ".join(f"{k}={v}" for k, v in sorted(verdicts.items())))
    print("  per directive: " + ", ".join(f"{d}={n}" for d, n in sorted(directives.items())))
    if "08-KL/TU" not in corpus.sample_ids:
        print("  (python-docx not importable: 08-KL/TU cannot be checked and must not be used)")
    n_quotes = sum(len(i.get("expected_quotes") or []) for i in dev) + sum(len(i.get("evidence_quotes") or []) for i in drafts)
    print(f"quotes checked: {n_quotes}")
    print()
    print("party_drafts.jsonl, items per split x kind x verdict:")
    print(draft_table(table))
    print()
    if errors:
        for e in errors:
            print(f"FAIL: {e}")
        print(f"{len(errors)} problem(s)")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
