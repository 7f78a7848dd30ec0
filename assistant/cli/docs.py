"""`assistant ingest` and `assistant docs …`: index files, list and show the indexed documents."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from assistant.cli.common import console, err, progress_bar, settings
from assistant.ingest.messages import say
from assistant.pipeline import Pipeline

docs_app = typer.Typer(help="Indexed documents.", no_args_is_help=True)


def ingest(paths: Annotated[list[Path], typer.Argument(help="Files and folders.")]) -> None:
    """Index files (.pdf .docx .html .md .txt). Exit code 1 when any file failed."""
    pipe = Pipeline(settings())
    with progress_bar() as bar:
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


@docs_app.command("list")
def docs_list() -> None:
    """Indexed documents and their metadata."""
    pipe = Pipeline(settings())
    table = Table("số hiệu", "loại", "ngày ban hành", "cơ quan", "độ mật", "trích yếu", "tệp")
    for rec in pipe.catalog.documents():
        m = rec.meta
        table.add_row(
            m.doc_id,
            m.doc_type or "",
            m.issued.strftime("%d/%m/%Y") if m.issued else "",
            m.issuer_name or m.issuer or "",
            m.access_level,
            (m.title or "")[:60],
            m.source_name,
        )
    console.print(table)


@docs_app.command("show")
def docs_show(doc_id: str) -> None:
    """Metadata of one document and what implements, continues, amends or replaces it."""
    pipe = Pipeline(settings())
    keys = pipe.catalog.keys_for_doc_id(doc_id) or ([doc_id] if pipe.catalog.by_key(doc_id) else [])
    if not keys:
        err.print(f"[red]{escape(say(f'không có văn bản {doc_id} trong kho', f'no indexed document {doc_id}'))}[/]")
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
            console.print(f"← {src_rec.meta.doc_id if src_rec else src} {rel} văn bản này", highlight=False)
        console.print(f"số đoạn: {len(pipe.catalog.doc_chunks(key))}")
