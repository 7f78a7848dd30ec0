"""`assistant check DRAFT`: the draft consistency checker on the command line.

Exit codes: 0 no contradiction found; 1 at least one statement contradicts the directives; 2 the check
could not be done (unreadable draft, a directive not in the index, a model that cannot be loaded).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.check.html import to_html
from assistant.check.report import summary_line, to_json, to_markdown
from assistant.check.results import EXIT_ERROR
from assistant.cli.common import err, settings
from assistant.ingest.indexer import IndexMismatch


class Format(StrEnum):
    md = "md"
    json = "json"
    html = "html"


RENDERERS = {Format.md: to_markdown, Format.json: to_json, Format.html: to_html}


def check(
    draft: Annotated[Path, typer.Argument(help="The draft: .docx, .pdf, .md, .txt (also .html).")],
    against: Annotated[
        list[str] | None, typer.Option("--against", help="Directive to check against, e.g. 57-NQ/TW (repeatable; default: all).")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="Report format.")] = Format.md,
    out: Annotated[Path | None, typer.Option("--out", help="Write the report to this file (default: stdout).")] = None,
    model: Annotated[
        bool | None,
        typer.Option("--model/--rules-only", help="Model decides what rules leave open (default: check_use_model)."),
    ] = None,
) -> None:
    """Check every statement of a draft against the directives it implements.

    Exit 0: no contradiction; 1: contradictions; 2: error.
    """
    from assistant.pipeline import Pipeline

    pipe = Pipeline(settings(**({"check_use_model": model} if model is not None else {})))
    try:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True
        ) as bar:
            task = bar.add_task("kiểm tra", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, total=total, completed=done)

            report = pipe.check(draft, against or [], progress)
    except (IndexMismatch, FileNotFoundError) as exc:
        err.print(f"[red]{escape(str(exc))}[/]", highlight=False)
        raise typer.Exit(EXIT_ERROR) from None
    finally:
        pipe.close()
    for e in report.errors:
        err.print(f"[red]{escape(e)}[/]", highlight=False)
    if report.errors:
        raise typer.Exit(EXIT_ERROR)
    text = RENDERERS[fmt](report)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, "utf-8")
        err.print(f"report: {escape(str(out))}", highlight=False)
    else:
        print(text)
    err.print(escape(summary_line(report)), highlight=False)
    raise typer.Exit(report.exit_code)
