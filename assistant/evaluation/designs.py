"""`assistant eval answers`: the answer designs (`choose`, `copy`, `extractive`) on one cached index, one table.

One process loads the embedder and the LLM once; each design answers the same questions through the real
`Answerer`, and writes its own run folder (`<out>/<design>/items.jsonl`, `summary.json`, `report.html`) so
that `assistant eval compare` works on any two of them. The table puts the designs side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.evaluation.items import load_items
from assistant.evaluation.runner import Progress, pick, prepare_index, score_items, write_run
from assistant.pipeline import Pipeline, build_generator
from assistant.settings import Settings
from assistant.types import Embedder, Generator

# design -> the settings it stands for
DESIGN_SETTINGS: dict[str, dict[str, str]] = {
    "choose": {"answer_mode": "choose", "choice_scoring": "list"},
    "pointwise": {"answer_mode": "choose", "choice_scoring": "pointwise"},
    "copy": {"answer_mode": "copy"},
    "extractive": {"answer_mode": "extractive"},
}
DESIGNS = tuple(DESIGN_SETTINGS)

# (label, metric key in summary["metrics"], number format)
ROWS: tuple[tuple[str, str, str], ...] = (
    ("abstention accuracy", "abstention_accuracy", "{:.3f}"),
    ("false refusals", "false_refusal_rate", "{:.3f}"),
    ("false answers", "false_answer_rate", "{:.3f}"),
    ("citation precision", "citation_precision", "{:.3f}"),
    ("citation recall", "citation_recall", "{:.3f}"),
    ("answer correctness", "answer_correctness", "{:.3f}"),
    ("strict correctness", "strict_correctness", "{:.3f}"),
    ("token F1", "answer_token_f1", "{:.3f}"),
    ("prompt tokens p50", "latency.llm_prompt_tokens.p50", "{:.0f}"),
    ("prompt tokens p95", "latency.llm_prompt_tokens.p95", "{:.0f}"),
    ("evidence shown p50 (s)", "latency.first_units.p50", "{:.1f}"),
    ("first answer text p50 (s)", "latency.first_text.p50", "{:.1f}"),
    ("first answer text p95 (s)", "latency.first_text.p95", "{:.1f}"),
    ("end-to-end p50 (s)", "latency.total.p50", "{:.1f}"),
    ("end-to-end p95 (s)", "latency.total.p95", "{:.1f}"),
)


def design_table(summaries: dict[str, dict[str, Any]]) -> str:
    """One row per measure, one column per design; "–" where a design has no such figure."""
    names = list(summaries)
    width = max(len(label) for label, _, _ in ROWS)
    lines = [f"{'':{width}}  " + "  ".join(f"{n:>10}" for n in names)]
    for label, key, fmt in ROWS:
        cells = []
        for n in names:
            value = summaries[n]["metrics"].get(key)
            cells.append(f"{fmt.format(value) if value is not None else '–':>10}")
        lines.append(f"{label:{width}}  " + "  ".join(cells))
    return "\n".join(lines)


def run_designs(
    set_path: Path,
    corpora: Sequence[Path],
    settings: Settings,
    out_dir: Path,
    *,
    designs: Sequence[str] = DESIGNS,
    cache_root: Path | None = None,
    embedder: Embedder | None = None,
    generator: Generator | None = None,
    progress: Progress | None = None,
    limit: int | None = None,
    every: int = 1,
) -> dict[str, Any]:
    """Answer the set's questions with each design; returns {"designs": {name: summary}, "table": str}."""
    unknown = [d for d in designs if d not in DESIGNS]
    if unknown:
        raise ValueError(f"unknown answer design(s) {', '.join(unknown)}; the designs are {', '.join(DESIGNS)}")
    questions, _drafts = load_items(set_path)
    questions = pick(questions, limit, every)
    cache_root = cache_root or settings.index_dir.parent / "eval-indexes"
    base, reports, cached = prepare_index(corpora, settings, cache_root, embedder=embedder, progress=progress)
    shared_embedder = base.embedder
    shared_generator = generator
    summaries: dict[str, dict[str, Any]] = {}
    for design in designs:
        s = base.settings.model_copy(update=DESIGN_SETTINGS[design])
        if design != "extractive" and shared_generator is None:
            shared_generator = build_generator(s)
        pipe = Pipeline(s, embedder=shared_embedder, generator=None if design == "extractive" else shared_generator)
        records = score_items(pipe.answerer, questions, [], progress=progress)
        pipe.close()
        design_settings = settings.model_copy(update=DESIGN_SETTINGS[design])
        summary = write_run(out_dir / design, records, set_path, corpora, design_settings, reports, cached,
                            {"design": design}, f"Đánh giá ({design}): {set_path.name}")  # fmt: skip
        summaries[design] = summary
    base.close()
    table = design_table(summaries)
    (out_dir / "designs.txt").write_text(table + "\n", "utf-8")
    return {"designs": summaries, "table": table}
