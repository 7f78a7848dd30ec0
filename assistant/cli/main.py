"""The `assistant` command: the app and its command groups, each in its own module."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from assistant import models
from assistant.cli import admin, ask, check, docs, eval
from assistant.cli import models as models_cli
from assistant.cli.common import err, settings, use_config
from assistant.pipeline import Pipeline

app = typer.Typer(help="On-premises research assistant for Vietnamese policy documents.", no_args_is_help=True)


@app.callback()
def _main(
    config: Annotated[Path | None, typer.Option("--config", help="YAML settings file (also ASSISTANT_CONFIG).")] = None,
) -> None:
    use_config(config)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
) -> None:
    """Run the service: web pages, API, OpenAI-compatible endpoint (OpenAPI docs at /docs)."""
    from assistant.api import serve as run_server

    s = settings()
    pipe = Pipeline(s)
    try:
        run_server(s, pipe, host=host, port=port)
    finally:
        pipe.close()


app.command("ingest")(docs.ingest)
app.command("ask")(ask.ask)
app.command("serve")(serve)
app.add_typer(docs.docs_app, name="docs")
app.command("check")(check.check)
app.add_typer(eval.eval_app, name="eval")
app.add_typer(models_cli.models_app, name="models")
app.command("doctor")(models_cli.doctor)
app.add_typer(admin.users_app, name="users")
app.add_typer(admin.tokens_app, name="tokens")
app.add_typer(admin.audit_app, name="audit")
app.add_typer(admin.sessions_app, name="sessions")


def main() -> None:
    try:
        app()
    except models.ModelError as exc:
        err.print(f"[red]{exc}[/]")
        sys.exit(2)


if __name__ == "__main__":
    main()
