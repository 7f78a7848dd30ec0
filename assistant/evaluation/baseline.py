"""`assistant eval run SET --baseline langchain`: the LangChain RetrievalQA baseline, scored by our harness.

The baseline (`assistant/evaluation/langchain_baseline.py`) reads the same files. Their text comes from our loader
(`load.load_file`: for .md and .txt the file's own text; .docx, .html and .pdf as our loader renders
them), so both systems see the same words and the comparison is not about file parsing. It indexes
them in its own Chroma collection (cached in `index_dir`, keyed by corpus content, embedder and
splitter settings) and answers every question with the same embedder and the same LLM.

Records have the harness's format, so `report.html` and `assistant eval compare` work unchanged:
- `retrieved`: the k=4 chunks the chain stuffed into its prompt (so @5 and @10 scores equal @4), with the
  document number our metadata extraction gives each file (for scoring only; the chain never sees it).
- `answer.citations` is null: the baseline gives none, so citation precision and recall are not
  applicable (left out of its summary), not zero.
- `answer.mode` is "refused" when the answer's first sentence says it does not know (the prompt asks
  it to say so; see `abstains`), "generated" otherwise. Correctness is scored on the full answer text.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.evaluation.items import QuestionItem, load_items
from assistant.evaluation.langchain_baseline import (
    CHUNK_OVERLAP,
    CHUNK_SIZE,
    TOP_K,
    BaselineAnswer,
    BaselineDoc,
    BaselineSource,
    LangChainBaseline,
)
from assistant.evaluation.metrics import summarize
from assistant.evaluation.report import format_table, write_report
from assistant.evaluation.runner import Progress, corpus_key, draft_record, pick
from assistant.ingest import docmeta, load, manifest
from assistant.settings import Settings
from assistant.text.normalize import fold
from assistant.types import Embedder, Generator, IngestError

SYSTEM = "LangChain RetrievalQA (stuff), RecursiveCharacterTextSplitter 1000/200, Chroma, k=4"
_MARKER = "langchain-baseline.json"
# A first sentence saying the answer is not in the context (Vietnamese or English, as the model may answer either).
_ABSTAIN = (
    "không biết", "không có thông tin", "không tìm thấy", "không được đề cập", "không đề cập", "không có dữ liệu",
    "không được nêu", "không thể trả lời", "không cung cấp thông tin", "chưa có thông tin",
    "don't know", "do not know", "not mentioned", "no information", "does not mention", "doesn't mention",
    "not provided", "cannot answer", "can't answer", "does not provide", "doesn't provide", "not specified",
)  # fmt: skip
_SENTENCE_END = re.compile(r"(?<=[.!?])\s|\n")


def abstains(text: str) -> bool:
    """Whether an answer declines: empty, or its first sentence says it does not know."""
    t = fold(text).replace("’", "'").strip()
    if not t:
        return True
    first = _SENTENCE_END.split(t, maxsplit=1)[0][:300]
    return any(p in first for p in _ABSTAIN)


def load_docs(corpora: Sequence[Path], settings: Settings) -> tuple[list[BaselineDoc], list[str]]:
    """Every supported file under `corpora` (duplicates included, as a tutorial's loader would), and load failures."""
    files, problems = load.discover([Path(c) for c in corpora])
    failed = [f"{p}: {m}" for p, m in problems]
    docs: list[BaselineDoc] = []
    manifests: dict[Path, dict[str, dict[str, object]]] = {}
    for path in files:
        try:
            if path.parent not in manifests:
                manifests[path.parent] = manifest.read_manifest(path.parent)
            source = load.load_file(path, max_bytes=int(settings.max_file_mb * 1_000_000), ocr_language=settings.ocr_language)
            meta = docmeta.extract(source.text, path.name, manifests[path.parent].get(path.name) or None)
        except (OSError, ValueError, IngestError) as exc:
            failed.append(f"{path}: {exc}")
            continue
        docs.append(BaselineDoc(doc_id=meta.doc_id, source_name=path.name, text=source.text))
    return docs, failed


def open_baseline(
    corpora: Sequence[Path], settings: Settings, index_dir: Path, embedder: Embedder, generator: Generator,
    progress: Progress | None = None,
) -> tuple[LangChainBaseline, dict[str, Any]]:  # fmt: skip
    """The baseline over `index_dir`, indexed now unless an index of the same corpus and settings is there."""
    key = f"{corpus_key(corpora, settings, embedder.name)}|lc{CHUNK_SIZE}-{CHUNK_OVERLAP}"
    marker = index_dir / _MARKER
    info: dict[str, Any] = json.loads(marker.read_text("utf-8")) if marker.is_file() else {}
    if info.get("key") != key or not info.get("complete"):
        if index_dir.exists() and any(index_dir.iterdir()) and not marker.is_file():
            raise ValueError(f"{index_dir}: not empty and not a baseline index; choose another --baseline-index")
        shutil.rmtree(index_dir, ignore_errors=True)
        index_dir.mkdir(parents=True)
        marker.write_text(json.dumps({"key": key, "complete": False}), "utf-8")
        if progress:
            progress("langchain: loading files", 0, 1)
        docs, failed = load_docs(corpora, settings)
        if progress:
            progress("langchain: embedding chunks", 0, 1)
        baseline = LangChainBaseline(embedder, generator, index_dir)
        chunks = baseline.add(docs)
        info = {"key": key, "complete": True, "documents": len(docs), "chunks": chunks, "load_failed": failed}
        marker.write_text(json.dumps(info, ensure_ascii=False), "utf-8")
        return baseline, info
    return LangChainBaseline(embedder, generator, index_dir), info


def source_record(rank: int, s: BaselineSource) -> dict[str, Any]:
    return {
        "rank": rank, "chunk_id": f"{s.source_name}#{s.ordinal}", "doc_id": s.doc_id, "source_name": s.source_name,
        "ordinal": s.ordinal, "breadcrumb": "", "score": None, "text": s.text,
    }  # fmt: skip


def baseline_record(item: QuestionItem, sources: list[BaselineSource], answer: BaselineAnswer | None,
                    timings: dict[str, float]) -> dict[str, Any]:  # fmt: skip
    refused = answer is not None and abstains(answer.text)
    scored = None
    if answer is not None:
        mode = "refused" if refused else "generated"
        scored = {"text": answer.text, "mode": mode, "refused": refused, "citations": None, "notes": []}
    return {
        "id": item.id,
        "type": "question",
        "kind": item.kind,
        "question": item.question,
        "answerable": item.answerable,
        "expected_docs": list(item.expected_docs),
        "expected_quotes": list(item.expected_quotes),
        "reference_answer": item.reference_answer,
        "retrieved": [source_record(i, s) for i, s in enumerate(sources, 1)],
        "answer": scored,
        "timings": timings,
        "error": None,
    }


def run_baseline_eval(
    set_path: Path,
    corpora: Sequence[Path],
    settings: Settings,
    out_dir: Path,
    *,
    index_dir: Path | None = None,
    retrieval_only: bool = False,
    embedder: Embedder | None = None,
    generator: Generator | None = None,
    progress: Progress | None = None,
    limit: int | None = None,
    every: int = 1,
) -> dict[str, Any]:
    """Like `runner.run_eval`, for the baseline: items.jsonl, summary.json and report.html in `out_dir`."""
    from assistant.pipeline import build_embedder, build_generator

    questions, drafts = load_items(set_path)
    questions = pick(questions, limit, every)
    embedder = embedder or build_embedder(settings)
    gen: Generator = generator or build_generator(settings)
    key = corpus_key(corpora, settings, embedder.name)
    index_dir = index_dir or settings.index_dir.parent / "eval-indexes" / f"{key}-langchain"
    baseline, info = open_baseline(corpora, settings, index_dir, embedder, gen, progress)
    records: list[dict[str, Any]] = []
    for i, item in enumerate(questions):
        if progress:
            progress(item.id, i, len(questions))
        if retrieval_only:
            sources, timings = baseline.retrieve(item.question)
            records.append(baseline_record(item, sources, None, timings))
        else:
            ans = baseline.ask(item.question)
            records.append(baseline_record(item, ans.sources, ans, ans.timings))
    records += [draft_record(d) for d in drafts]  # the baseline does not check drafts
    if progress:
        progress("", len(questions), len(questions))
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "items.jsonl").open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    summary = summarize(records)
    config = {
        "system": SYSTEM,
        "set": str(set_path),
        "corpora": [str(c) for c in corpora],
        "retrieval_only": retrieval_only,
        "baseline": {"chunk_size": CHUNK_SIZE, "chunk_overlap": CHUNK_OVERLAP, "k": TOP_K, "index_dir": str(index_dir),
                     "prompt": baseline.prompt_template(), **{k: v for k, v in info.items() if k != "key"}},
        "ingest_failed": list(info.get("load_failed", [])),
        "settings": json.loads(settings.model_dump_json()),
    }  # fmt: skip
    summary["config"] = config
    (out_dir / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), "utf-8")
    write_report(out_dir, summary, records, title=f"Đánh giá (LangChain baseline): {set_path.name}", config=config)
    summary["table"] = format_table(summary)
    return summary
