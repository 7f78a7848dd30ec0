"""The user documentation stays true to the repository: README.md and docs/*.md.

Every relative link points at a file or folder that a clone has, with no anchor; every `assistant …`
command named in inline code or a code block is a real command (or command group) of the CLI.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import typer

REPO = Path(__file__).resolve().parent.parent
DOC_FILES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]

_FENCE = re.compile(r"^(```|~~~)[^\n]*\n(.*?)^\1[ \t]*$", re.S | re.M)
_INLINE = re.compile(r"(`+)(.+?)\1", re.S)
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REF_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$", re.M)
# "assistant" where a shell would run it: at the start, after whitespace or a shell operator, or as a path's last part
_COMMAND = re.compile(r"(?:^|(?<=[\s;|&(`$/]))assistant((?:[ \t]+[^\s;|&)`]+)*)")
_WORD = re.compile(r"[a-z][a-z0-9-]*")
_GLOBAL_OPTIONS_WITH_VALUE = {"--config"}
_SCHEMES = ("http://", "https://", "mailto:", "ftp://")


@cache
def command_paths() -> frozenset[tuple[str, ...]]:
    """Every command path of the CLI: ("ingest",), ("eval",), ("eval", "answers"), …"""
    from assistant.cli.main import app

    paths: set[tuple[str, ...]] = set()

    def walk(cmd: Any, prefix: tuple[str, ...]) -> None:  # a group has `commands` (typer's click or click itself)
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            paths.add((*prefix, name))
            walk(sub, (*prefix, name))

    walk(typer.main.get_command(app), ())
    return frozenset(paths)


def _code_texts(markdown: str) -> list[str]:
    """Text of every fenced code block (shell comments removed) and every inline code span outside them."""
    texts = [re.sub(r"(?:^|\s)#.*$", "", block, flags=re.M) for _, block in _FENCE.findall(markdown)]
    prose = _FENCE.sub("", markdown)
    texts += [span for _, span in _INLINE.findall(prose)]
    return texts


def named_commands(markdown: str) -> list[tuple[str, ...]]:
    """The command words after each `assistant` in code: ("eval", "answers"), ("ingest",), ("users",) …

    Options before the command (`--config FILE`) are skipped; the words kept are those that look like
    command names, up to the first that is not one (an argument, an option, a placeholder, a quote).
    """
    found: list[tuple[str, ...]] = []
    for text in _code_texts(markdown):
        for m in _COMMAND.finditer(text):
            tokens = m.group(1).split()
            while tokens and tokens[0].startswith("-"):
                opt = tokens.pop(0)
                if opt in _GLOBAL_OPTIONS_WITH_VALUE and "=" not in opt and tokens:
                    tokens.pop(0)
            words: list[str] = []
            for tok in tokens:
                if not _WORD.fullmatch(tok):
                    break
                words.append(tok)
            if words:
                found.append(tuple(words))
    return found


def unknown_commands(markdown: str) -> list[str]:
    """Commands named in the text that the CLI does not have (a group's subcommand is checked too)."""
    known = command_paths()
    bad: list[str] = []
    for words in named_commands(markdown):
        path: tuple[str, ...] = ()
        for word in words:
            candidate = (*path, word)
            if candidate in known:
                path = candidate
                continue
            # a word after a leaf command is its argument; after a group (or at the start) it must be a command
            is_group = not path or any(p[: len(path)] == path and len(p) > len(path) for p in known)
            if is_group:
                bad.append("assistant " + " ".join(candidate))
            break
    return bad


def relative_links(markdown: str) -> list[str]:
    """Link targets in the Markdown, outside code, that are not URLs."""
    prose = _INLINE.sub("", _FENCE.sub("", markdown))
    targets = _LINK.findall(prose) + _REF_LINK.findall(prose)
    return [t for t in targets if not t.lower().startswith(_SCHEMES)]


def broken_links(markdown: str, base: Path) -> list[str]:
    """Relative links that carry an anchor or point at nothing, from the folder `base`."""
    bad: list[str] = []
    for target in relative_links(markdown):
        if "#" in target:
            bad.append(f"{target} (anchor)")
        elif not (base / target).exists():
            bad.append(f"{target} (missing)")
    return bad


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_exist(path: Path) -> None:
    assert broken_links(path.read_text("utf-8"), path.parent) == []


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_named_commands_exist(path: Path) -> None:
    assert unknown_commands(path.read_text("utf-8")) == []


def test_docs_exist() -> None:
    names = {p.relative_to(REPO).as_posix() for p in DOC_FILES}
    assert {"README.md", "docs/evaluation.md", "docs/benchmarks.md", "docs/deployment.md", "docs/architecture.md"} <= names


def test_the_cli_is_walked() -> None:
    paths = command_paths()
    assert {("ingest",), ("ask",), ("eval",), ("eval", "answers"), ("eval", "gate"), ("docs", "show")} <= paths


def test_a_made_up_command_fails() -> None:
    text = (
        "Run `assistant frobnicate --now`, then `assistant eval answers SET --corpus DIR`.\n"
        "```bash\n.venv/bin/assistant eval nonsense RUN   # assistant whatever in a comment\n"
        "ASSISTANT_CONFIG=site.yaml assistant --config x.yaml ingest /data\nassistant users …\n```\n"
        "Python: `assistant.evaluation.runner`, file `assistant/settings.py`.\n"
    )
    assert sorted(unknown_commands(text)) == ["assistant eval nonsense", "assistant frobnicate"]
    assert ("ingest",) in named_commands(text)
    assert ("users",) in named_commands(text)


def test_a_made_up_link_fails(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "real.md").write_text("x", "utf-8")
    text = (
        "See [real](docs/real.md), [gone](docs/gone.md), [anchored](docs/real.md#part), "
        "[web](https://example.org/x) and `[not a link](nowhere.md)`.\n\n[ref]: docs/missing.md\n"
    )
    assert broken_links(text, tmp_path) == ["docs/gone.md (missing)", "docs/real.md#part (anchor)", "docs/missing.md (missing)"]
