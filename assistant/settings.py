"""Typed settings: environment variables with the prefix ASSISTANT_, and an optional YAML file.

The YAML file is named by `ASSISTANT_CONFIG` (or the CLI's `--config`). Precedence, highest first:
explicit arguments, environment, the YAML file, defaults.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)


def _data_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "assistant"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="forbid")

    # --- locations -------------------------------------------------------------------------
    model_dir: Path = Field(
        default_factory=lambda: _data_home() / "models",
        description="Local model store that `assistant models pull` fills; models load from here only.",
    )
    index_dir: Path = Field(
        default_factory=lambda: _data_home() / "index",
        description="Folder of the embedded index: the document catalog, Chroma's files and the keyword index.",
    )

    # --- models ----------------------------------------------------------------------------
    embed_model: str = Field(
        default="embeddinggemma-300m",
        description="Embedding model: a name from `assistant models list`, or a path to a sentence-transformers folder.",
    )
    embed_batch_size: int = Field(
        default=4,
        ge=1,
        description="Passages embedded per batch. Small batches are faster on CPU (their activations stay in cache): "
        "4 beat 16 by 10–20% in fp32 and bf16 (benchmarks/ingest_throughput.py).",
    )
    embed_max_tokens: int = Field(
        default=512, ge=32, description="Longest passage input, in model tokens; longer input is truncated."
    )
    embed_precision: Literal["auto", "fp32", "bf16", "int8", "onnx-int8"] = Field(
        default="auto",
        description="Numeric precision of the embedder. `auto`: an existing index's own precision (same model), "
        "else, for a new index, bf16 on CPUs with AMX, onnx-int8 on CPUs with int8 dot products (VNNI) but no AMX, "
        "bf16 where only AVX512-BF16 is native, fp32 elsewhere; int8 is torch dynamic quantisation (its vectors "
        "drift from fp32's); onnx-int8 is the model as an int8 ONNX Runtime graph, built locally into the model "
        "store (`assistant models onnx`, or on first use); see the README's ingestion benchmark. The index records "
        "the choice and refuses another.",
    )
    llm_backend: Literal["llamacpp", "openai"] = Field(
        default="llamacpp",
        description="`llamacpp`: a GGUF file run in-process; `openai`: an OpenAI-compatible server (llama.cpp server, vLLM).",
    )
    llm_model: str = Field(
        default="qwen2.5-coder-1.5b-instruct-q4_k_m",
        description="For llamacpp: a model name from `assistant models list` or a path to any GGUF file. "
        "For openai: the model name the server expects.",
    )
    llm_base_url: str = Field(
        default="http://127.0.0.1:8080/v1", description="Base URL of the OpenAI-compatible server (llm_backend=openai)."
    )
    llm_api_key: str = Field(default="none", description="API key sent to the OpenAI-compatible server, if it needs one.")
    llm_context: int = Field(default=4096, ge=512, description="Context size (tokens) the LLM is run with.")
    cpu_threads: int = Field(default=2, ge=1, description="CPU threads for llama.cpp and for the embedding model.")
    llm_max_tokens: int = Field(default=320, ge=16, description="Most tokens the model may generate for one answer.")
    llm_prompt_lookup: int = Field(
        default=0,
        ge=0,
        le=32,
        description="llama.cpp in-process: tokens drafted by prompt-lookup decoding (speculation that copies "
        "from the prompt). It pays only for the `copy` answer design, whose quotes are copied verbatim; 0 turns "
        "it off. Output is unchanged; it costs memory for the logits of every position (about 1.4 GB).",
    )
    llm_timeout_s: float = Field(default=120.0, gt=0, description="Timeout of one request to an LLM server.")
    llm_schema_style: Literal["json_object", "json_schema"] = Field(
        default="json_object",
        description="How the answer's JSON schema is sent to an OpenAI-compatible server (llm_backend=openai). "
        "`json_object`: `response_format: {type: json_object, schema: …}`, the form llama-cpp-python's server "
        "(`python -m llama_cpp.server`) enforces; `json_schema`: OpenAI's `response_format: {type: json_schema, "
        "json_schema: {name, schema}}`, the form vLLM and llama.cpp's own `llama-server` enforce. A server given "
        "a form it does not know may return JSON that ignores the schema.",
    )

    # --- vector store ------------------------------------------------------------------------
    chroma_mode: Literal["embedded", "http"] = Field(
        default="embedded",
        description="`embedded`: Chroma on local disk under index_dir; `http`: a `chroma run` server.",
    )
    chroma_host: str = Field(default="127.0.0.1", description="Host of the Chroma server (chroma_mode=http).")
    chroma_port: int = Field(default=8000, description="Port of the Chroma server (chroma_mode=http).")
    chroma_collection: str = Field(default="passages", description="Chroma collection that holds the passages.")

    # --- ingestion ---------------------------------------------------------------------------
    max_file_mb: float = Field(default=50.0, gt=0, description="Files larger than this are refused.")
    chunk_chars: int = Field(default=1200, ge=200, description="Target passage size in characters.")
    near_duplicate_threshold: float = Field(
        default=0.8,
        gt=0,
        le=1,
        description="Shingle Jaccard similarity at or above which a document is a near-duplicate.",
    )
    ocr_language: str = Field(default="vie", description="Tesseract language used for scanned PDFs.")

    # --- retrieval and answers -----------------------------------------------------------------
    top_k: int = Field(default=10, ge=1, description="Passages retrieved for a question.")
    retrieval_mode: Literal["hybrid", "dense", "keyword"] = Field(
        default="hybrid", description="Search lists fused for a question: dense and keyword (hybrid), or one of them (ablation)."
    )
    query_understanding: bool = Field(
        default=True,
        description="Use document numbers, described sources (type, issuer, year, term) and abbreviations in questions.",
    )
    dense_weight: float = Field(
        default=1.0, gt=0, description="Weight of the dense lists against the keyword lists in rank fusion."
    )
    rrf_k: int = Field(default=60, ge=1, description="Constant of reciprocal-rank fusion between dense and keyword search.")
    prompt_passages: int = Field(default=3, ge=1, description="Best passages put into the LLM prompt.")
    prompt_sentences: int = Field(
        default=4, ge=1, description="Most relevant sentences kept from each passage put into the prompt."
    )
    answer_mode: Literal["choose", "copy", "extractive"] = Field(
        default="choose",
        description="`choose`: the model chooses numbered evidence units (sentences, list items, table rows) and writes "
        "a short answer from them, its choice combined with the units' own scores; `copy`: the model copies a "
        "verbatim quote per claim, each verified (the earlier design, kept for comparison); `extractive`: no LLM, "
        "the best verified sentences with citations. `generate` is read as `copy`.",
    )
    answer_units: int = Field(default=6, ge=1, le=9, description="Most evidence units shown to the model (`choose`).")
    answer_unit_tokens: int = Field(
        default=320, ge=50, description="Token budget of the evidence units in the prompt (`choose`); at least two are shown."
    )
    choice_model_weight: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Weight of the model's probability of each unit against the unit's own score when the first unit "
        "is chosen (`choose`, with a backend that gives probabilities).",
    )
    choice_none_threshold: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="The model's probability of 'no unit answers' at or above which the answer is refused, unless the "
        "best unit covers at least `choice_sure_coverage` of the question (`choose`).",
    )
    choice_min_confidence: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="The model's highest probability of any unit under which the answer is refused (it has no clear "
        "choice), unless the best unit covers at least `choice_sure_coverage` of the question (`choose`).",
    )
    choice_sure_coverage: float = Field(
        default=0.8,
        ge=0,
        le=1,
        description="Coverage of the question's key terms by the best unit above which the model's 'no unit answers' "
        "does not refuse (`choose`).",
    )
    choice_scoring: Literal["list", "pointwise"] = Field(
        default="list",
        description="How the model picks evidence units (`choose`): 'list' reads its probability of each id from one "
        "prompt showing them all; 'pointwise' asks of each unit on its own whether it answers (P of 'Có').",
    )
    pointwise_threshold: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="With choice_scoring 'pointwise': refuse when no unit's P('Có') reaches this (unless the best unit "
        "covers choice_sure_coverage of the question); further units for a question asking several things need it too.",
    )
    min_evidence_coverage: float = Field(
        default=0.25,
        ge=0,
        le=1,
        description="IDF-weighted share of the question's key terms that the best passages must contain, "
        "or the assistant refuses before asking the model.",
    )
    min_sentence_coverage: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="IDF-weighted share of the question's key terms a sentence (with its breadcrumb) must contain "
        "to be given as an extractive answer.",
    )
    check_use_model: bool = Field(
        default=False,
        description="Let the LLM decide the draft statements the rules leave open. Off by default: on the development "
        "set and a real draft it added false alarms and no correct verdict, at a hundred times the time.",
    )
    check_top_k: int = Field(default=8, ge=1, description="Passages retrieved for each statement of a checked draft.")
    check_passages: int = Field(default=4, ge=1, description="Best passages whose sentences are compared with a draft statement.")
    check_min_coverage: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="IDF-weighted share of a draft statement's key terms the best directive sentence must contain; "
        "below it the statement is not covered by the directives.",
    )
    check_consistent_coverage: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="Share of a statement's key terms a directive sentence must contain for the values it agrees on "
        "to make the statement consistent without asking the model (also the fallback without a model).",
    )
    prompts_dir: Path = Field(
        default=Path(__file__).resolve().parent.parent / "prompts",
        description="Folder of the versioned prompt templates.",
    )

    # --- service (assistant serve) -------------------------------------------------------------
    upload_access_level: str = Field(
        default="nội bộ",
        description="Access level of a document uploaded without one (công khai, nội bộ, mật, tối mật).",
    )
    session_hours: float = Field(default=12.0, gt=0, description="How long a browser login lasts, in hours.")
    cookie_secure: bool = Field(
        default=False,
        description="Mark the session cookie Secure (only sent over HTTPS); set it when a TLS proxy fronts the service.",
    )
    max_concurrent_answers: int = Field(
        default=1,
        ge=1,
        description="Answers (/ask, /v1/chat/completions) in progress at once. Each still takes the model lock "
        "(one model in the process), so 1 is right; more lets that many be admitted and wait on the lock.",
    )
    max_queued_answers: int = Field(
        default=4,
        ge=0,
        description="Answers that may wait for a free slot, in arrival order; one more is refused at once with "
        "429 and a Retry-After header. 0: refuse whenever all slots are busy.",
    )
    keep_alive_s: int = Field(
        default=30,
        ge=1,
        description="Seconds the service keeps an idle HTTP connection open. Longer than a client's own idle expiry "
        "(5 s for common HTTP libraries), so a client never reuses a connection the server is closing at that moment; "
        "behind a reverse proxy, keep it longer than the proxy's upstream keep-alive.",
    )
    answer_queue_wait_s: float = Field(
        default=120.0,
        gt=0,
        description="Longest wait in the answer queue, in seconds; a request still waiting then gets 429 with Retry-After.",
    )
    eval_sets_dir: Path = Field(
        default=Path(__file__).resolve().parent.parent / "evals",
        description="Folder of server-side evaluation sets (JSONL) that POST /eval/runs may name.",
    )
    eval_upload_mb: float = Field(default=5.0, gt=0, description="Largest evaluation items file that may be uploaded.")
    audit_head_path: Path | None = Field(
        default=None,
        description="Where the audit log's head (entry count and last hash) is kept; default `audit.jsonl.head` "
        "beside the log in index_dir. Put it on another disk or share to make silent truncation harder.",
    )

    @field_validator("answer_mode", mode="before")
    @classmethod
    def _old_mode_name(cls, value: object) -> object:
        return "copy" if value == "generate" else value

    @field_validator("upload_access_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        from assistant.access.clearance import parse_level

        return parse_level(value)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config = os.environ.get("ASSISTANT_CONFIG")
        if config:
            if not Path(config).is_file():
                raise FileNotFoundError(f"config file not found: {config}")
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=config))
        return tuple(sources)


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Settings from the environment, an optional YAML file and explicit overrides (the environment is left as it was)."""
    if config is None:
        return Settings(**overrides)
    previous = os.environ.get("ASSISTANT_CONFIG")
    os.environ["ASSISTANT_CONFIG"] = str(config)
    try:
        return Settings(**overrides)
    finally:
        if previous is None:
            del os.environ["ASSISTANT_CONFIG"]
        else:
            os.environ["ASSISTANT_CONFIG"] = previous
