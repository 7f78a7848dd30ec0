"""`assistant eval …`: run an evaluation set, an ablation, compare runs, score the evidence gate, convert ALQAC."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from assistant.cli.common import console, err, progress_bar, settings, use_config
from assistant.settings import Settings

eval_app = typer.Typer(help="Evaluation sets: run, compare, convert ALQAC.", no_args_is_help=True)


def _settings(config: Path | None = None, **overrides: object) -> Settings:
    """The settings the main command was given (`assistant --config …`), or this command's own `--config`."""
    use_config(config)
    return settings(**overrides)


@eval_app.command("run")
def eval_run(
    set_path: Annotated[Path, typer.Argument(help="Items (JSONL).")],
    corpus: Annotated[list[Path], typer.Option("--corpus", help="Corpus folder or file (repeatable).")],
    out: Annotated[Path | None, typer.Option("--out", help="Run folder (default runs/<set>-<time>).")] = None,
    retrieval_only: Annotated[bool, typer.Option(help="Score retrieval only; no answers.")] = False,
    extractive: Annotated[bool, typer.Option(help="Answer in extractive mode (no LLM).")] = False,
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.")] = None,
    every: Annotated[int, typer.Option(min=1, help="Only every K-th question, from the first (before --limit).")] = 1,
    config: Annotated[Path | None, typer.Option("--config", help="YAML settings file for this run.")] = None,
    baseline: Annotated[str | None, typer.Option(help="Run a baseline instead of our pipeline: 'langchain'.")] = None,
    baseline_index: Annotated[Path | None, typer.Option(help="The baseline's own Chroma folder (cached).")] = None,
) -> None:
    """Index the corpora (cached by content and settings), run every item, write items.jsonl, summary.json, report.html."""
    from assistant.evaluation.runner import run_eval

    if baseline not in (None, "langchain"):
        raise typer.BadParameter(f"unknown baseline {baseline!r}; the one there is: langchain", param_hint="--baseline")
    s = _settings(config, **({"answer_mode": "extractive"} if extractive else {}))
    out = out or Path("runs") / f"{set_path.stem}-{date.today():%Y%m%d}-{os.getpid()}"
    with progress_bar() as bar:
        task = bar.add_task("eval", total=None)

        def progress(name: str, done: int, total: int) -> None:
            bar.update(task, total=total, completed=done, description=f"{name[:40]}")

        if baseline:
            from assistant.evaluation.baseline import run_baseline_eval

            summary = run_baseline_eval(set_path, corpus, s, out, index_dir=baseline_index, retrieval_only=retrieval_only,
                                        progress=progress, limit=limit, every=every)  # fmt: skip
        else:
            summary = run_eval(set_path, corpus, s, out, retrieval_only=retrieval_only, progress=progress, limit=limit,
                               every=every)  # fmt: skip
    console.print(summary["table"], highlight=False)
    failed = summary["config"]["ingest_failed"]
    if failed:
        err.print(f"[yellow]{len(failed)} corpus files failed to ingest; see summary.json[/]")
    console.print(f"run: {out}  report: {out / 'report.html'}")


@eval_app.command("answers")
def eval_answers(
    set_path: Annotated[Path, typer.Argument(help="Items (JSONL).")],
    corpus: Annotated[list[Path], typer.Option("--corpus", help="Corpus folder or file (repeatable).")],
    design: Annotated[
        list[str] | None,
        typer.Option("--design", help="Answer design (repeatable): choose, pointwise, copy, extractive; default: all."),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Run folder (default runs/<set>-answers-<date>).")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.")] = None,
    every: Annotated[int, typer.Option(min=1, help="Only every K-th question, from the first (before --limit).")] = 1,
    config: Annotated[Path | None, typer.Option("--config", help="YAML settings file for this run.")] = None,
) -> None:
    """The answer designs on one cached index, each in its own run folder, compared in one table."""
    from assistant.evaluation.designs import DESIGNS, run_designs

    out = out or Path("runs") / f"{set_path.stem}-answers-{date.today():%Y%m%d}-{os.getpid()}"
    with progress_bar() as bar:
        task = bar.add_task("answers", total=None)

        def progress(name: str, done: int, total: int) -> None:
            bar.update(task, total=total, completed=done, description=f"{name[:40]}")

        try:
            result = run_designs(set_path, corpus, _settings(config), out, designs=design or DESIGNS, progress=progress,
                                 limit=limit, every=every)  # fmt: skip
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--design") from exc
    console.print(result["table"], highlight=False)
    console.print(f"runs: {', '.join(str(out / d) for d in result['designs'])}")


@eval_app.command("ablation")
def eval_ablation(
    set_path: Annotated[Path, typer.Argument(help="Items (JSONL).")],
    corpus: Annotated[list[Path], typer.Option("--corpus", help="Corpus folder or file (repeatable).")],
    out: Annotated[Path | None, typer.Option("--out", help="Run folder (default runs/<set>-ablation).")] = None,
) -> None:
    """Retrieval ablation over one cached index: BM25+pyvi baseline, keyword, dense, hybrid, hybrid + query understanding."""
    from assistant.evaluation.ablation import format_ablation, run_ablation

    out = out or Path("runs") / f"{set_path.stem}-ablation"
    with progress_bar() as bar:
        task = bar.add_task("ablation", total=None)

        def progress(name: str, done: int, total: int) -> None:
            bar.update(task, total=total, completed=done, description=f"{name[:48]}")

        rows = run_ablation(set_path, corpus, _settings(), out, progress=progress)
    console.print(format_ablation(rows), highlight=False, soft_wrap=True)
    console.print(f"run: {out}")


@eval_app.command("compare")
def eval_compare(
    run_a: Path,
    run_b: Path,
    fail_if: Annotated[list[str] | None, typer.Option("--fail-if", help="METRIC<DELTA, e.g. mrr@10<-0.02")] = None,
    common: Annotated[bool, typer.Option(help="Score both runs on the items they share only.")] = False,
) -> None:
    """Per-metric deltas (b − a) and per-item wins and losses; exit 1 when a gate fails."""
    from assistant.evaluation.compare import compare, format_compare

    result = compare(run_a, run_b, list(fail_if or []), common=common)
    console.print(format_compare(result), highlight=False)
    raise typer.Exit(0 if result.ok else 1)


@eval_app.command("gate")
def eval_gate(
    run_dir: Path,
    thresholds: Annotated[str, typer.Option(help="Comma-separated thresholds.")] = "0,0.2,0.3,0.35,0.4,0.5",
    choice: Annotated[
        bool, typer.Option(help="Sweep the model's 'no unit answers' threshold (run with choice_none_threshold 1).")
    ] = False,
    sure: Annotated[float, typer.Option(help="choice_sure_coverage for --choice.")] = 0.8,
) -> None:
    """Score a run as if its evidence gate (run it with min_evidence_coverage 0), or with --choice the model's
    refusal threshold, had been each value."""
    from assistant.evaluation.calibrate import format_gate_table, gate_table

    try:
        values = [float(t) for t in thresholds.split(",") if t.strip()]
        rows = gate_table(run_dir, values, choice_sure=sure if choice else None)
    except (OSError, ValueError) as exc:
        console.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from exc
    print(format_gate_table(rows))


@eval_app.command("alqac")
def eval_alqac(
    alqac_dir: Annotated[Path, typer.Argument(help="The ALQAC folder, e.g. ../shared/corpora/alqac.")],
    out: Annotated[Path, typer.Option(help="Output folder for the corpus and item files.")] = Path(".work/alqac"),
) -> None:
    """Convert ALQAC into a corpus folder (one file per article) and question sets (train25, test23)."""
    from assistant.evaluation.alqac import convert_corpus, convert_questions

    n = convert_corpus(alqac_dir, out / "corpus")
    a = convert_questions(alqac_dir, "train25", out / "alqac25_train.jsonl")
    b = convert_questions(alqac_dir, "test23", out / "alqac23_test.jsonl")
    console.print(f"{n} articles → {out / 'corpus'}; {a} train25 items, {b} test23 items → {out}")
