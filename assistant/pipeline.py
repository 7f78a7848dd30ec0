"""Wiring: build the pipeline from settings. The CLI and the API are thin shells over this.

Heavy parts (the embedding model, the LLM) are built on first use, so commands that need
neither (listing documents, doctor) stay fast. Tests pass their own embedder and generator.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from functools import cached_property
from pathlib import Path

from assistant import models
from assistant.answer.answerer import Answerer
from assistant.answer.choose import ChooseTemplates
from assistant.answer.pointwise import PointwiseTemplates
from assistant.answer.prompt import Templates
from assistant.check.checker import Checker
from assistant.check.checker import Progress as CheckProgress
from assistant.check.judge import CheckTemplates
from assistant.check.load import DraftInput, load_draft
from assistant.check.plan import CheckPlan
from assistant.check.results import CheckReport
from assistant.ingest.indexer import Indexer, Progress
from assistant.search.catalog import Catalog
from assistant.search.keyword import KeywordIndex
from assistant.search.retrieve import Retriever
from assistant.search.store import ChromaStore
from assistant.settings import Settings
from assistant.types import Answer, Embedder, FileReport, Filters, Generator

# How each precision is named in the index: "<model>" or "<model>+<precision>".
EMBED_PRECISIONS: dict[str, str] = {
    "fp32": "",  # the bare name, so indexes built before precisions existed stay valid
    "bf16": "bf16",
    "int8": "int8",
    # "-r2": embed_onnx.RECIPE 2; an index of recipe 1's vectors ("+onnx-int8") is refused, never mixed with them
    "onnx-int8": "onnx-int8-r2",
}


def embedder_choice(settings: Settings, recorded: str | None = None) -> tuple[str, str]:
    """(name the index records, precision) of the configured embedder, without loading it.

    With `embed_precision: auto`, an index built with the same model keeps its own precision (`recorded`
    is the index's `embedder` meta), so its vectors are never mixed with another precision's; a new index
    gets `embed.auto_precision()`: bf16 with AMX, onnx-int8 with VNNI but no AMX, else bf16 or fp32.
    """
    precision: str = settings.embed_precision
    if precision == "auto":
        built = str(json.loads(recorded)["name"]) if recorded else ""
        base, _, variant = built.partition("+")
        followed = [p for p, v in EMBED_PRECISIONS.items() if v == variant]
        if base == settings.embed_model and followed:
            precision = followed[0]
        else:
            from assistant.ingest.embed import auto_precision

            precision = auto_precision()
    variant = EMBED_PRECISIONS[precision]
    return (f"{settings.embed_model}+{variant}" if variant else settings.embed_model), precision


def onnx_int8(settings: Settings) -> Path:
    """The int8 ONNX graph of the configured embedding model, built into the model store first if missing (one
    line on stderr per step; the libraries' own output goes to the log file that line names)."""
    from assistant.ingest import embed_onnx
    from assistant.ingest.embed import export_onnx

    source = models.resolve(settings.model_dir, settings.embed_model)
    dest = embed_onnx.int8_dir(settings.model_dir, source)
    return embed_onnx.build_int8(source, dest, export_onnx, step=lambda line: print(line, file=sys.stderr, flush=True))


def build_embedder(settings: Settings, recorded: str | None = None) -> Embedder:
    from assistant.ingest.embed import SentenceTransformerEmbedder

    name, precision = embedder_choice(settings, recorded)
    if precision == "onnx-int8":
        from assistant.ingest.embed_onnx import OnnxEmbedder

        source = models.resolve(settings.model_dir, settings.embed_model)
        return OnnxEmbedder(source, onnx_int8(settings), name, batch_size=settings.embed_batch_size,
                            max_tokens=settings.embed_max_tokens, threads=settings.cpu_threads)  # fmt: skip
    return SentenceTransformerEmbedder(
        models.resolve(settings.model_dir, settings.embed_model),
        name,
        batch_size=settings.embed_batch_size,
        max_tokens=settings.embed_max_tokens,
        precision="bf16" if precision == "bf16" else "int8" if precision == "int8" else "fp32",
        threads=settings.cpu_threads,
    )


def build_generator(settings: Settings) -> Generator:
    if settings.llm_backend == "openai":
        from assistant.llm.openai_http import OpenAIServerGenerator

        return OpenAIServerGenerator(
            settings.llm_base_url,
            settings.llm_model,
            api_key=settings.llm_api_key,
            max_tokens=settings.llm_max_tokens,
            timeout_s=settings.llm_timeout_s,
            context_size=settings.llm_context,
            schema_style=settings.llm_schema_style,
        )
    from assistant.llm.llamacpp import LlamaCppGenerator

    path = models.resolve(settings.model_dir, settings.llm_model)
    return LlamaCppGenerator(
        path, n_ctx=settings.llm_context, n_threads=settings.cpu_threads, max_tokens=settings.llm_max_tokens,
        prompt_lookup=settings.llm_prompt_lookup,
    )  # fmt: skip


class Pipeline:
    """Everything the commands need, built lazily from settings."""

    def __init__(self, settings: Settings, *, embedder: Embedder | None = None, generator: Generator | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._generator = generator
        settings.index_dir.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(settings.index_dir / "catalog.sqlite")

    @cached_property
    def embedder(self) -> Embedder:
        return self._embedder or build_embedder(self.settings, self.catalog.get_meta("embedder"))

    @cached_property
    def generator(self) -> Generator | None:
        if self.settings.answer_mode == "extractive":
            return self._generator
        return self._generator or build_generator(self.settings)

    @cached_property
    def store(self) -> ChromaStore:
        s = self.settings
        return ChromaStore(
            mode=s.chroma_mode, path=s.index_dir / "chroma", host=s.chroma_host, port=s.chroma_port,
            collection=s.chroma_collection,
        )  # fmt: skip

    @cached_property
    def keyword(self) -> KeywordIndex:
        return KeywordIndex(self.settings.index_dir / "keyword")

    @cached_property
    def indexer(self) -> Indexer:
        s = self.settings
        return Indexer(
            catalog=self.catalog, store=self.store, keyword=self.keyword, embedder=self.embedder,
            max_bytes=int(s.max_file_mb * 1_000_000), chunk_chars=s.chunk_chars,
            near_duplicate=s.near_duplicate_threshold, ocr_language=s.ocr_language,
        )  # fmt: skip

    @cached_property
    def retriever(self) -> Retriever:
        self.indexer.check_embedder(write=False)
        return Retriever(
            self.catalog, self.store, self.keyword, self.embedder, rrf_k=self.settings.rrf_k,
            refresh_keyword=self.indexer.refresh_keyword, mode=self.settings.retrieval_mode,
            understand=self.settings.query_understanding, dense_weight=self.settings.dense_weight,
        )  # fmt: skip

    @cached_property
    def answerer(self) -> Answerer:
        s = self.settings
        return Answerer(
            self.retriever, self.catalog, self.generator, Templates.load(s.prompts_dir),
            choose_templates=ChooseTemplates.load(s.prompts_dir), pointwise_templates=PointwiseTemplates.load(s.prompts_dir),
            top_k=s.top_k, prompt_passages=s.prompt_passages, prompt_sentences=s.prompt_sentences,
            min_evidence_coverage=s.min_evidence_coverage, min_sentence_coverage=s.min_sentence_coverage,
            answer_mode=s.answer_mode, llm_max_tokens=s.llm_max_tokens, answer_units=s.answer_units,
            answer_unit_tokens=s.answer_unit_tokens, choice_model_weight=s.choice_model_weight,
            choice_none_threshold=s.choice_none_threshold, choice_min_confidence=s.choice_min_confidence,
            choice_sure_coverage=s.choice_sure_coverage, choice_scoring=s.choice_scoring,
            pointwise_threshold=s.pointwise_threshold,
        )  # fmt: skip

    @cached_property
    def checker(self) -> Checker:
        s = self.settings
        templates = CheckTemplates.load(s.prompts_dir)
        return Checker(
            self.retriever, self.catalog, self.generator, templates, check_top_k=s.check_top_k,
            check_passages=s.check_passages, check_min_coverage=s.check_min_coverage,
            check_consistent_coverage=s.check_consistent_coverage, check_use_model=s.check_use_model,
        )  # fmt: skip

    def check(
        self,
        draft: DraftInput,
        against: Sequence[str] = (),
        progress: CheckProgress | None = None,
        filters: Filters | None = None,
    ) -> CheckReport:
        """Check a draft (a path, or (file name, bytes or text) as an upload gives it) against directives
        (ids such as "57-NQ/TW"; none: the whole index). `filters` carries the reader's clearance: nothing above
        it is searched, named or quoted. Bad input is reported in `report.errors`, never raised."""
        return self.checker.run(self.plan_check(draft, against, filters), progress)

    def plan_check(
        self,
        draft: DraftInput,
        against: Sequence[str] = (),
        filters: Filters | None = None,
        guard: AbstractContextManager[object] | None = None,
    ) -> CheckPlan:
        """A check prepared, for `checker.check_next` to take one statement at a time (as the service does): the
        draft read (no model, no index: outside `guard`), then, holding `guard` (the service's model lock), what
        comes before the first statement (`Checker.plan`)."""
        name, text, self_id, error = load_draft(draft, max_bytes=int(self.settings.max_file_mb * 1_000_000),
                                                ocr_language=self.settings.ocr_language)  # fmt: skip
        if error:
            return CheckPlan(CheckReport(draft=name, against=list(against), errors=[error]), [])
        with guard or nullcontext():
            return self.checker.plan(name, text, against, self_id=self_id, filters=filters)

    def ingest(
        self, paths: Sequence[Path], progress: Progress | None = None, *, uploader_rank: int | None = None
    ) -> list[FileReport]:
        return self.indexer.ingest(paths, progress, uploader_rank=uploader_rank)

    def delete(self, key: str) -> bool:
        """Remove a document from the catalog and the vector store (no model is loaded for this)."""
        if self.catalog.by_key(key) is None:
            return False
        self.catalog.remove_document(key)
        self.store.delete_doc(key)
        return True  # the keyword index follows the catalog's generation on next use

    def ask(self, question: str) -> Answer:
        return self.answerer.ask(question)

    def close(self) -> None:
        self.catalog.close()
