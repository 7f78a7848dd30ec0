"""Placing an uploaded file in the library and indexing it, at the access level the uploader chose.

Each user's uploads live in `<index_dir>/uploads/<username>/`, with a `manifest.yaml` there that
records each file's access level, so re-ingesting that folder from the command line keeps the
levels. A failed or duplicate upload leaves folder, manifest and index as they were.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from assistant.access.users import User
from assistant.api.messages import ingest_message, say
from assistant.api.service import Service, ServiceError
from assistant.ingest.manifest import read_manifest
from assistant.types import FileReport


def _write_manifest(folder: Path, entries: dict[str, dict[str, object]]) -> None:
    path = folder / "manifest.yaml"
    if not entries:
        path.unlink(missing_ok=True)
        return
    text = "# Access levels of files uploaded through the service (written by the service).\n" + yaml.safe_dump(
        {"documents": entries}, allow_unicode=True, sort_keys=True
    )
    tmp = path.with_name(".manifest.yaml.tmp")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, path)


def _set_level(folder: Path, name: str, level: str | None) -> dict[str, object] | None:
    """Set (or with None remove) a file's manifest entry; returns the entry it had."""
    entries = read_manifest(folder)
    old = entries.get(name)
    if level is None:
        entries.pop(name, None)
    else:
        entries[name] = {**(old or {}), "access_level": level}
    _write_manifest(folder, entries)
    return old


def _restore(folder: Path, name: str, backup: Path | None, old_entry: dict[str, object] | None) -> None:
    dest = folder / name
    if backup is not None:
        os.replace(backup, dest)
    else:
        dest.unlink(missing_ok=True)
    entries = read_manifest(folder)
    if old_entry is None:
        entries.pop(name, None)
    else:
        entries[name] = old_entry
    _write_manifest(folder, entries)


def store_and_ingest(service: Service, user: User, temp: Path, name: str, level: str) -> tuple[FileReport, str | None]:
    """Move the upload into the user's folder and ingest it; returns (report, index key)."""
    folder = service.uploads / user.username
    incoming = service.uploads / ".incoming"  # hidden: folder ingestion skips it
    dest = folder / name
    catalog = service.pipeline.catalog
    with service.lock:
        folder.mkdir(parents=True, exist_ok=True)
        incoming.mkdir(parents=True, exist_ok=True)
        current = catalog.by_path(str(dest.resolve()))
        if current is not None and not service.sees(user, current):
            raise ServiceError(
                409,
                say(
                    f"{name}: bạn đã nạp một tệp cùng tên ở độ mật cao hơn độ mật của bạn",
                    f"{name}: you already uploaded a file of this name at a level above your clearance",
                ),
            )
        backup: Path | None = None
        if dest.exists():
            fd, old = tempfile.mkstemp(dir=incoming, suffix=".old")
            os.close(fd)
            backup = Path(old)
            os.replace(dest, backup)
        os.replace(temp, dest)
        old_entry = _set_level(folder, name, level)
        try:
            report = service.pipeline.ingest([dest], uploader_rank=user.rank)[0]
        except BaseException:
            _restore(folder, name, backup, old_entry)
            raise
        if report.status in ("failed", "duplicate"):
            _restore(folder, name, backup, old_entry)
            return _redact_duplicate(service, user, report), None
        if backup is not None:
            backup.unlink(missing_ok=True)
        rec = catalog.by_path(str(dest.resolve()))
        return report, rec.meta.key if rec else None


def _redact_duplicate(service: Service, user: User, report: FileReport) -> FileReport:
    """A duplicate of a document the uploader may not see is reported without naming it."""
    if report.status != "duplicate" or report.doc_id is None:
        return report
    catalog = service.pipeline.catalog
    recs = [r for r in (catalog.by_key(k) for k in catalog.keys_for_doc_id(report.doc_id)) if r is not None]
    if recs and all(service.sees(user, r) for r in recs):
        return report
    return FileReport(report.path, "duplicate", None, 0, "the same text is already indexed; not indexed again")


def remove_upload(service: Service, source_path: str) -> None:
    """Delete a file that came in through the service (and its manifest entry); other sources stay."""
    source = Path(source_path)
    uploads = service.uploads.resolve()
    if source.parent.parent != uploads:
        return
    source.unlink(missing_ok=True)
    _set_level(source.parent, source.name, None)


def report_json(report: FileReport, name: str, key: str | None, level: str) -> dict[str, Any]:
    return {
        "file": name, "status": report.status, "doc_id": report.doc_id, "key": key, "chunks": report.chunks,
        "message": ingest_message(report.message, report.status == "failed"), "access_level": level,
    }  # fmt: skip
