"""Command line: a thin shell over `pipeline`."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant import admin_cli, models
from assistant.answer import answer_json
from assistant.pipeline import Pipeline
from assistant.retrieve import Filters
from assistant.settings import Settings, load_settings
from assistant.types import Answer, Event

app = typer.Typer(help="On-premises research assistant for Vietnamese policy documents.", no_args_is_help=True)
docs_app = typer.Typer(help="Indexed documents.", no_args_is_help=True)
app.add_typer(docs_app, name="docs")
console = Console()
err = Console(stderr=True)

_state: dict[str, Path | None] = {"config": None}


@app.callback()
def _main(
    config: Annotated[Path | None, typer.Option("--config", help="YAML settings file (also ASSISTANT_CONFIG).")] = None,
) -> None:
    _state["config"] = config


def _settings(**overrides: object) -> Settings:
    return load_settings(_state["config"], **overrides)


admin_cli.register(app, _settings)  # users, tokens, audit


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True
    )


# --- ingest -----------------------------------------------------------------------------------------
@app.command()
def ingest(paths: Annotated[list[Path], typer.Argument(help="Files and folders.")]) -> None:
    """Index files (.pdf .docx .html .md .txt). Exit code 1 when any file failed."""
    pipe = Pipeline(_settings())
    with _progress() as bar:
        task = bar.add_task("ingest", total=None)

        def progress(name: str, done: int, total: int) -> None:
            bar.update(task, total=total, completed=done, description=f"ingest {name[:40]}")

        reports = pipe.ingest(paths, progress)
    colours = {"added": "green", "replaced": "green", "unchanged": "dim", "duplicate": "yellow", "failed": "red"}
    for r in reports:
        line = f"[{colours[r.status]}]{r.status:9}[/] {escape(str(r.path))}"
        if r.doc_id:
            line += f"  {escape(r.doc_id)}"
        if r.message:
            line += f"  — {escape(r.message)}"
        console.print(line, highlight=False, soft_wrap=True)
    failed = sum(r.status == "failed" for r in reports)
    console.print(f"{len(reports)} files: " + ", ".join(f"{sum(r.status == s for r in reports)} {s}" for s in colours))
    raise typer.Exit(1 if failed else 0)


# --- ask ---------------------------------------------------------------------------------------------
def print_answer(answer: Answer) -> None:
    console.print()
    console.print(escape(answer.text), highlight=False, soft_wrap=True)
    for note in answer.notes:
        console.print(f"[yellow]{escape(note)}[/]", highlight=False, soft_wrap=True)
    if answer.citations:
        console.print("\n[bold]Nguồn trích dẫn[/]")
        for c in answer.citations:
            mark = "✓" if c.verified else "✗"
            console.print(escape(f"[{c.n}] {mark} {c.doc_id} › {c.breadcrumb}\n    “{c.quote}”"), highlight=False, soft_wrap=True)
    elif answer.refused and answer.passages:
        console.print("\n[bold]Các đoạn gần nhất[/]")
        for i, h in enumerate(answer.passages[:3], 1):
            console.print(
                escape(f"[{i}] {h.meta.doc_id} › {h.chunk.breadcrumb_text}\n    {h.chunk.text[:200]}…"),
                highlight=False,
                soft_wrap=True,
            )


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in Vietnamese.")],
    doc: Annotated[list[str] | None, typer.Option(help="Only these document ids, e.g. 57-NQ/TW.")] = None,
    doc_type: Annotated[list[str] | None, typer.Option("--type", help="Only these types: NQ, KL, KH, ...")] = None,
    issuer: Annotated[list[str] | None, typer.Option(help="Only documents of this issuer (code or name).")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="Issued on or after YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Issued on or before YYYY-MM-DD.")] = None,
    extractive: Annotated[bool, typer.Option(help="No LLM: answer with verified sentences only.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """Answer a question with verified citations."""
    s = _settings(**({"answer_mode": "extractive"} if extractive else {}))
    pipe = Pipeline(s)
    filters = Filters(
        doc_ids=tuple(doc or ()), doc_types=tuple(doc_type or ()), issuers=tuple(issuer or ()),
        date_from=date.fromisoformat(date_from) if date_from else None,
        date_to=date.fromisoformat(date_to) if date_to else None,
    )  # fmt: skip
    answer: Answer | None = None
    ev: Event
    with console.status("đang tìm căn cứ…") as status:
        for ev in pipe.answerer.stream(question, filters):
            if as_json:
                if ev.kind == "answer":
                    answer = ev.answer
                continue
            if ev.kind == "passages":
                status.stop()
                err.print("[dim]Các đoạn được tìm thấy:[/]")
                for i, h in enumerate(ev.hits[: s.prompt_passages], 1):
                    err.print(f"[dim]  {escape(f'[{i}] {h.meta.doc_id} › {h.chunk.breadcrumb_text[:90]}')}[/]", highlight=False)
                status.update("mô hình đang chọn căn cứ…")
                status.start()
            elif ev.kind == "units":  # verified by construction: the passages' own words, shown before the prose
                status.stop()
                err.print("[dim]Căn cứ được chọn:[/]")
                for c in ev.citations:
                    err.print(f"[dim]  {escape(f'[{c.n}] {c.doc_id}: “{c.quote}”')}[/]", highlight=False, soft_wrap=True)
                status.update("mô hình đang viết câu trả lời…")
                status.start()
            elif ev.kind == "answer":
                answer = ev.answer
    assert answer is not None
    if as_json:
        print(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
    else:
        print_answer(answer)


# --- docs --------------------------------------------------------------------------------------------
@docs_app.command("list")
def docs_list() -> None:
    """Indexed documents and their metadata."""
    pipe = Pipeline(_settings())
    table = Table("id", "type", "issued", "issuer", "access", "title", "file")
    for rec in pipe.catalog.documents():
        m = rec.meta
        table.add_row(
            m.doc_id,
            m.doc_type or "",
            str(m.issued or ""),
            m.issuer_name or m.issuer or "",
            m.access_level,
            (m.title or "")[:60],
            m.source_name,
        )
    console.print(table)


@docs_app.command("show")
def docs_show(doc_id: str) -> None:
    """Metadata of one document and what implements, continues, amends or replaces it."""
    pipe = Pipeline(_settings())
    keys = pipe.catalog.keys_for_doc_id(doc_id) or ([doc_id] if pipe.catalog.by_key(doc_id) else [])
    if not keys:
        err.print(f"[red]no indexed document {doc_id}[/]")
        raise typer.Exit(1)
    for key in keys:
        rec = pipe.catalog.by_key(key)
        assert rec is not None
        for k, v in rec.meta.__dict__.items():
            console.print(f"{k:13} {v}", highlight=False)
        out, inc = pipe.catalog.relations(key)
        for rel, target in out:
            console.print(f"→ {rel} {target}", highlight=False)
        for rel, src in inc:
            src_rec = pipe.catalog.by_key(src)
            console.print(f"← {src_rec.meta.doc_id if src_rec else src} {rel} this document", highlight=False)
        console.print(f"passages: {len(pipe.catalog.doc_chunks(key))}")


# --- serve -------------------------------------------------------------------------------------------
@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
) -> None:
    """Run the service: web pages, API, OpenAI-compatible endpoint (OpenAPI docs at /docs)."""
    from assistant.api import serve as run_server

    s = _settings()
    pipe = Pipeline(s)
    try:
        run_server(s, pipe, host=host, port=port)
    finally:
        pipe.close()


from assistant.cli_check import check as _check  # noqa: E402  (the command lives in its own module)
from assistant.cli_eval import eval_app  # noqa: E402
from assistant.cli_models import doctor, models_app  # noqa: E402

app.command("check")(_check)
app.add_typer(eval_app, name="eval")
app.add_typer(models_app, name="models")
app.command("doctor")(doctor)


def main() -> None:
    try:
        app()
    except models.ModelError as exc:
        err.print(f"[red]{exc}[/]")
        sys.exit(2)


if __name__ == "__main__":
    main()
