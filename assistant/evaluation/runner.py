"""`assistant eval run`: index the corpora (cached), run every item, write records, summary and report."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import Any

from assistant.answer.answerer import Answerer
from assistant.check.report import statement_json
from assistant.check.results import StatementCheck
from assistant.check.statements import Statement
from assistant.evaluation.items import DraftItem, QuestionItem, load_items
from assistant.evaluation.metrics import summarize
from assistant.evaluation.report import format_table, write_report
from assistant.ingest.indexer import PIPELINE_VERSION
from assistant.pipeline import Pipeline, embedder_choice
from assistant.settings import Settings
from assistant.types import Answer, Embedder, FileReport, Filters, Generator, Hit

Progress = Callable[[str, int, int], None]

# Settings that change what the index holds; the index cache key covers them, and the embedder's name
# (which carries its backend and precision). `embed_quantize`, a retired setting, is hashed as False so
# that indexes cached before precisions existed keep their keys.
INDEX_SETTINGS = ("embed_model", "embed_max_tokens", "embed_quantize", "chunk_chars", "near_duplicate_threshold")


def corpus_key(corpora: Sequence[Path], settings: Settings, embedder_name: str) -> str:
    h = hashlib.sha256(f"v{PIPELINE_VERSION}|{embedder_name}".encode())
    for name in INDEX_SETTINGS:
        h.update(f"|{name}={getattr(settings, name) if name != 'embed_quantize' else False}".encode())
    for root in sorted(Path(c).resolve() for c in corpora):
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for f in files:
            h.update(str(f.relative_to(root.parent)).encode())
            h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()[:20]


def pick(questions: list[QuestionItem], limit: int | None = None, every: int = 1) -> list[QuestionItem]:
    """Every `every`-th question from the first (a spread-out subset of a set ordered by kind), then the first `limit`."""
    if every < 1:
        raise ValueError(f"every must be at least 1, not {every}")
    return questions[::every][:limit]


def hit_record(rank: int, hit: Hit) -> dict[str, Any]:
    return {
        "rank": rank,
        "chunk_id": hit.chunk.chunk_id,
        "doc_id": hit.meta.doc_id,
        "source_name": hit.meta.source_name,
        "ordinal": hit.chunk.ordinal,
        "breadcrumb": hit.chunk.breadcrumb_text,
        "score": round(hit.score, 6),
        "dense_score": None if hit.dense_score is None else round(hit.dense_score, 6),
        "keyword_score": None if hit.keyword_score is None else round(hit.keyword_score, 6),
        "text": hit.chunk.text,
    }


def answer_record(answer: Answer) -> dict[str, Any]:
    return {
        "text": answer.text,
        "mode": answer.mode,
        "refused": answer.refused,
        "citations": [asdict(c) for c in answer.citations],
        "notes": answer.notes,
        "model_output": answer.model_output,
    }


def question_record(item: QuestionItem, hits: list[Hit], answer: Answer | None, timings: dict[str, float]) -> dict[str, Any]:
    return {
        "id": item.id,
        "type": "question",
        "kind": item.kind,
        "question": item.question,
        "answerable": item.answerable,
        "expected_docs": list(item.expected_docs),
        "expected_quotes": list(item.expected_quotes),
        "reference_answer": item.reference_answer,
        "retrieved": [hit_record(i, h) for i, h in enumerate(hits[:10], 1)],
        "answer": answer_record(answer) if answer else None,
        "timings": timings,
        "error": None,
    }


def draft_record(item: DraftItem, check: StatementCheck | None = None, timings: dict[str, float] | None = None,
                 error: str | None = None) -> dict[str, Any]:  # fmt: skip
    """A draft item's record; `predicted` is None when the checker was not run (retrieval-only runs)."""
    predicted = None
    if check is not None:
        predicted = statement_json(check)
    elif error is not None:
        predicted = {"verdict": None, "evidence": [], "error": error}
    return {
        "id": item.id,
        "type": "draft",
        "statement": item.statement,
        "against": list(item.against),
        "expected_verdict": item.verdict,
        "evidence_quotes": list(item.evidence_quotes),
        "kind": item.kind,
        "split": item.split,
        "predicted": predicted,
        "timings": timings or {},
        "error": error,
    }


def check_item(pipe: Pipeline, item: DraftItem) -> dict[str, Any]:
    """Run the draft checker on one statement item against its directives."""
    t0 = time.perf_counter()
    ids, errors = pipe.checker.resolve(item.against)
    if errors:
        return draft_record(item, timings={"check": time.perf_counter() - t0}, error="; ".join(errors))
    st = Statement(1, item.statement, "", 1, 0, len(item.statement))
    check = pipe.checker.check_statement(st, ids)
    return draft_record(item, check, {"check": time.perf_counter() - t0})


def prepare_index(
    corpora: Sequence[Path], settings: Settings, cache_root: Path, *, embedder: Embedder | None = None,
    generator: Generator | None = None, progress: Progress | None = None,
) -> tuple[Pipeline, list[FileReport], bool]:  # fmt: skip
    """A pipeline over an index of `corpora`, reused from the cache when corpus and settings are unchanged."""
    probe = embedder.name if embedder else embedder_choice(settings)[0]
    key = corpus_key(corpora, settings, probe)
    index_dir = cache_root / key
    done_marker = index_dir / "COMPLETE"
    run_settings = settings.model_copy(update={"index_dir": index_dir})
    pipe = Pipeline(run_settings, embedder=embedder, generator=generator)
    if done_marker.exists():
        return pipe, [], True
    reports = pipe.ingest(list(corpora), progress)
    if not any(r.status == "failed" for r in reports):
        done_marker.write_text(json.dumps({"corpora": [str(c) for c in corpora]}, ensure_ascii=False), "utf-8")
    return pipe, reports, False


def score_items(
    answerer: Answerer,
    questions: Sequence[QuestionItem],
    drafts: Sequence[DraftItem],
    *,
    retrieval_only: bool = False,
    filters: Filters | None = None,
    progress: Progress | None = None,
    guard: AbstractContextManager[object] | None = None,
) -> list[dict[str, Any]]:
    """One record per item. `filters` restrict what is searched (e.g. a reader's clearance); `guard`
    (a lock) is held around each item, so a server can interleave evaluation with questions."""
    records: list[dict[str, Any]] = []
    for i, item in enumerate(questions):
        if progress:
            progress(item.id, i, len(questions))
        t0 = time.perf_counter()
        with guard or nullcontext():
            if retrieval_only:
                hits, ret = answerer.retrieve(item.question, filters)
                timings = dict(ret.timings)
                timings["total"] = time.perf_counter() - t0
                records.append(question_record(item, hits, None, timings))
            else:
                ans = answerer.ask(item.question, filters)
                records.append(question_record(item, ans.passages, ans, dict(ans.timings)))
    records += [draft_record(d) for d in drafts]
    if progress:
        progress("", len(questions), len(questions))
    return records


def write_run(
    out_dir: Path, records: list[dict[str, Any]], set_path: Path, corpora: Sequence[Path], settings: Settings,
    reports: Sequence[FileReport], cached: bool, extra: dict[str, Any], title: str,
) -> dict[str, Any]:  # fmt: skip
    """Write a run folder (items.jsonl, summary.json with the run's config, report.html); returns the summary."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "items.jsonl").open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    summary = summarize(records)
    config = {
        "set": str(set_path),
        "corpora": [str(c) for c in corpora],
        **extra,
        "index_cached": cached,
        "ingest_failed": [f"{r.path}: {r.message}" for r in reports if r.status == "failed"],
        "settings": json.loads(settings.model_dump_json()),
    }
    summary["config"] = config
    (out_dir / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), "utf-8")
    write_report(out_dir, summary, records, title=title, config=config)
    return summary


def run_eval(
    set_path: Path,
    corpora: Sequence[Path],
    settings: Settings,
    out_dir: Path,
    *,
    retrieval_only: bool = False,
    cache_root: Path | None = None,
    embedder: Embedder | None = None,
    generator: Generator | None = None,
    progress: Progress | None = None,
    limit: int | None = None,
    every: int = 1,
) -> dict[str, Any]:
    questions, drafts = load_items(set_path)
    questions = pick(questions, limit, every)
    cache_root = cache_root or settings.index_dir.parent / "eval-indexes"
    pipe, reports, cached = prepare_index(
        corpora, settings, cache_root, embedder=embedder, generator=generator, progress=progress
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    records = score_items(pipe.answerer, questions, [], retrieval_only=retrieval_only, progress=progress)
    for i, d in enumerate(drafts):
        if progress:
            progress(d.id, len(questions) + i, len(questions) + len(drafts))
        records.append(draft_record(d) if retrieval_only else check_item(pipe, d))
    if progress:
        progress("", len(questions) + len(drafts), len(questions) + len(drafts))
    config = {"retrieval_only": retrieval_only}
    summary = write_run(out_dir, records, set_path, corpora, settings, reports, cached, config, f"Đánh giá: {set_path.name}")
    summary["table"] = format_table(summary)
    return summary
