"""What every command shares: the settings the main command was given, the two consoles, a progress bar."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.settings import Settings, load_settings

console = Console()
err = Console(stderr=True)
_config: dict[str, Path | None] = {"config": None}


def use_config(path: Path | None) -> None:
    """Remember the YAML settings file named by `assistant --config …` (or a command's own `--config`)."""
    if path is not None or _config["config"] is None:
        _config["config"] = path


def settings(**overrides: object) -> Settings:
    """The settings: the `--config` file, environment variables, then these overrides."""
    return load_settings(_config["config"], **overrides)


def progress_bar() -> Progress:
    """A transient progress bar on stderr."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True
    )
