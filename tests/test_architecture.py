"""Architecture rules: each third-party library is imported by its one adapter module only."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "assistant"

# top-level package name -> modules (relative to the repo) allowed to import it
ADAPTERS: dict[str, set[str]] = {
    "chromadb": {"assistant/search/store.py"},
    "sentence_transformers": {"assistant/ingest/embed.py"},
    "torch": {"assistant/ingest/embed.py"},
    "onnxruntime": {"assistant/ingest/embed_onnx.py"},
    "onnx": {"assistant/ingest/embed_onnx.py"},
    "transformers": {"assistant/ingest/embed_onnx.py"},
    "llama_cpp": {"assistant/llm/llamacpp.py"},
    "unstructured": {"assistant/ingest/load.py"},
    "pdfminer": {"assistant/ingest/load_pdf.py"},
    "pypdf": {"assistant/ingest/load_pdf.py"},
    "pypdfium2": {"assistant/ingest/load_pdf.py"},
    "pytesseract": {"assistant/ingest/load.py", "assistant/ingest/load_pdf.py"},
    "unstructured_pytesseract": {"assistant/ingest/load.py"},
    "bm25s": {"assistant/search/keyword.py"},
    # the service package: every module under assistant/api/ (a trailing "/" allows a folder)
    "fastapi": {"assistant/api/"},
    "uvicorn": {"assistant/api/app.py"},
    "starlette": {"assistant/api/"},
    "python_multipart": {"assistant/api/upload.py"},
    "httpx": {"assistant/llm/openai_http.py"},
    # the command line: every module under assistant/cli/
    "typer": {"assistant/cli/"},
    "rich": {"assistant/cli/"},
}
LANGCHAIN_ALLOWED = {"assistant/evaluation/langchain_baseline.py"}


def _modules() -> list[Path]:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 10, "assistant/ not found or empty"
    return files


def _imports(path: Path) -> set[str]:
    """Top-level names of every absolute import in a module, including ones inside functions."""
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value.split(".")[0])
    return names


def _allowed(rel: str, allowed: set[str]) -> bool:
    return rel in allowed or any(a.endswith("/") and rel.startswith(a) for a in allowed)


def _rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def test_import_scanner_sees_lazy_imports(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text(
        "import os\nfrom chromadb.config import Settings\n"
        "def f():\n    import torch.nn as nn\n    import importlib\n    return importlib.import_module('bm25s.tokenization')\n",
        "utf-8",
    )
    assert _imports(sample) == {"os", "chromadb", "torch", "importlib", "bm25s"}


def test_third_party_packages_only_in_their_adapters() -> None:
    violations = []
    for path in _modules():
        rel = _rel(path)
        for name in _imports(path):
            allowed = LANGCHAIN_ALLOWED if name.startswith("langchain") else ADAPTERS.get(name)
            if allowed is not None and not _allowed(rel, allowed):
                violations.append(f"{rel} imports {name} (allowed only in {', '.join(sorted(allowed))})")
    assert violations == []


def test_adapters_exist_where_expected() -> None:
    # The rule above is vacuous if the adapters moved; the required ones must be where the map says.
    for rel, name in (
        ("assistant/search/store.py", "chromadb"),
        ("assistant/ingest/embed.py", "sentence_transformers"),
        ("assistant/llm/llamacpp.py", "llama_cpp"),
        ("assistant/ingest/load_pdf.py", "pdfminer"),
        ("assistant/ingest/load.py", "unstructured"),
        ("assistant/search/keyword.py", "bm25s"),
        ("assistant/llm/openai_http.py", "httpx"),
        ("assistant/api/app.py", "fastapi"),
        ("assistant/api/upload.py", "python_multipart"),
    ):
        assert name in _imports(REPO / rel), f"{rel} no longer imports {name}"


def test_no_utils_module() -> None:
    bad = [_rel(p) for p in _modules() if p.name in ("utils.py", "util.py", "helpers.py")]
    assert bad == []
    assert not (PACKAGE / "utils").exists()


@pytest.mark.parametrize("module", ["assistant.cli.main", "assistant.pipeline"])
def test_cli_import_stays_light(module: str) -> None:
    heavy = ["torch", "chromadb", "llama_cpp", "sentence_transformers", "unstructured", "transformers"]
    code = f"import sys, json, {module}; print(json.dumps([m for m in {heavy!r} if m in sys.modules]))"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _our_imports(path: Path, known: set[str]) -> set[str]:
    """Modules of ours that `path` imports, at load time or inside functions (a lazy import that closes a
    cycle is still a cycle); importing `a.b.c` also loads the packages `a.b` and `a` (a module's own
    packages are already loading when it runs, so they are no edge)."""
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            targets.add(node.module)
            targets |= {f"{node.module}.{alias.name}" for alias in node.names}
    edges: set[str] = set()
    for name in targets:
        parts = name.split(".")
        edges |= {".".join(parts[:i]) for i in range(2, len(parts) + 1)} & known
    own = _module_name(path).split(".")
    return edges - {".".join(own[:i]) for i in range(1, len(own) + 1)}


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle in `graph`, as the list of modules around it; [] when there is none."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_no_import_cycle_inside_the_package() -> None:
    files = _modules()
    known = {_module_name(p) for p in files}
    graph = {_module_name(p): _our_imports(p, known) for p in files}
    assert _cycle(graph) == []


def test_stage_folders() -> None:
    # the folders show the pipeline; top-level modules are only the shared vocabulary and the wiring
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert {"ingest", "search", "answer", "check", "evaluation", "api", "llm", "cli", "access", "text"} <= folders
    top = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert top == {"types", "shapes", "settings", "pipeline", "models"}
