"""Per-folder `manifest.yaml`: metadata a site states for its files (id, type, date, access level …),
applied over what `docmeta.extract` reads from each document's header."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from pathlib import Path

import yaml

from assistant.text.normalize import normalize_text
from assistant.types import ACCESS_LEVELS, DocMeta

MANIFEST_KEYS: frozenset[str] = frozenset(f.name for f in fields(DocMeta)) - {"source_name", "key"}


def coerce_overrides(overrides: dict[str, object], where: str) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in overrides.items():
        if key not in MANIFEST_KEYS:
            raise ValueError(f"{where}: unknown key {key!r} (allowed: {', '.join(sorted(MANIFEST_KEYS))})")
        if key == "issued":
            if isinstance(value, datetime):
                value = value.date()
            elif isinstance(value, str):
                try:
                    value = date.fromisoformat(value.strip())
                except ValueError as exc:
                    raise ValueError(f"{where}: issued must be YYYY-MM-DD, got {value!r}") from exc
            elif value is not None and not isinstance(value, date):
                raise ValueError(f"{where}: issued must be YYYY-MM-DD, got {value!r}")
        elif key == "access_level":
            level = normalize_text(str(value)).strip().lower()
            if level not in ACCESS_LEVELS:
                raise ValueError(f"{where}: access_level {value!r} is not one of {', '.join(ACCESS_LEVELS)}")
            value = level
        elif isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        elif value is not None and not isinstance(value, str):
            raise ValueError(f"{where}: {key} must be a string, got {type(value).__name__}")
        if key == "doc_id" and not value:
            raise ValueError(f"{where}: {key} must not be empty")
        out[key] = normalize_text(value) if isinstance(value, str) else value
    return out


def read_manifest(folder: Path) -> dict[str, dict[str, object]]:
    """Per-file overrides from `manifest.yaml` (or `manifest.yml`) in `folder`; {} when there is none.

    Shape: `{"documents": {"<file name>": {<DocMeta field>: value}}}`.
    """
    path = next((p for p in (folder / "manifest.yaml", folder / "manifest.yml") if p.is_file()), None)
    if path is None:
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: malformed YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict) or set(data) - {"documents"}:
        raise ValueError(f"{path}: expected a mapping with the single key 'documents'")
    docs = data.get("documents") or {}
    if not isinstance(docs, dict):
        raise ValueError(f"{path}: 'documents' must map file names to settings")
    out: dict[str, dict[str, object]] = {}
    for name, entry in docs.items():
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: entry for {name!r} must be a mapping")
        out[str(name)] = coerce_overrides({str(k): v for k, v in entry.items()}, f"{path} [{name}]")
    return out
