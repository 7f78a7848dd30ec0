"""Evaluation runs started from the service: in a background thread, over the service's own index,
at the clearance of the person who started them.

Clearance shapes a run three times:
- an item is run only when every document it names (expected documents, documents a draft is checked
  against) is one the requester can see; the others are withheld, and only their number is reported. A
  document above the requester's clearance counts exactly like one that was never indexed, so the number
  says nothing about which documents exist (and the questions and quotes of a set written for higher
  clearances are never run or shown);
- every question is searched and answered with `Filters(max_access_rank=rank)`, so no passage
  above the clearance is retrieved, prompted, cited or recorded;
- a run is shown only to viewers whose clearance is at least the run's, and passages of documents
  that have since moved above the viewer's clearance are removed before anything is shown.

Runs live in `<root>/<id>/`: `meta.json`, `input.jsonl`, `items.jsonl`, `summary.json`.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from assistant.answer.answerer import Answerer
from assistant.evaluation.items import DraftItem, QuestionItem, load_items
from assistant.evaluation.matching import doc_matches
from assistant.evaluation.metrics import summarize
from assistant.evaluation.report import write_report
from assistant.evaluation.runner import score_items
from assistant.types import Filters

REDACTED = "[đã ẩn: vượt quá độ mật của người xem]"


@dataclass(frozen=True)
class RunInfo:
    id: str
    owner: str
    rank: int  # clearance rank the run was made at
    set_name: str
    retrieval_only: bool
    status: str  # queued | running | done | failed
    created: float
    finished: float | None = None
    done: int = 0
    total: int = 0
    withheld: int = 0
    error: str | None = None


def _hidden_docs(docs: list[tuple[str, str, int]], rank: int) -> list[dict[str, str]]:
    """Passage-like records ({doc_id, source_name}) of documents above `rank`, for `doc_matches`."""
    return [{"doc_id": d, "source_name": s} for d, s, r in docs if r > rank]


def _visible_docs(docs: list[tuple[str, str, int]], rank: int) -> list[dict[str, str]]:
    return [{"doc_id": d, "source_name": s} for d, s, r in docs if r <= rank]


def names_unseen(named: tuple[str, ...], visible: list[dict[str, str]]) -> bool:
    """Whether any of `named` is not a document the reader can see: above their clearance or not indexed at
    all, which are deliberately the same answer."""
    return any(not any(doc_matches(e, v) for v in visible) for e in named)


class EvalJobs:
    def __init__(self, root: Path, answerer: Callable[[], Answerer], lock: AbstractContextManager[object],
                 documents: Callable[[], list[tuple[str, str, int]]]) -> None:  # fmt: skip
        """`documents()` lists (doc_id, source_name, access rank) of the indexed documents."""
        self._root = root
        self._answerer = answerer
        self._lock = lock
        self._documents = documents
        self._runs: dict[str, RunInfo] = {}
        self._guard = threading.Lock()
        self._threads: dict[str, threading.Thread] = {}
        root.mkdir(parents=True, exist_ok=True)
        for meta in sorted(root.glob("*/meta.json")):
            try:
                info = RunInfo(**json.loads(meta.read_text("utf-8")))
            except (OSError, ValueError, TypeError):
                continue
            if info.status in ("queued", "running"):
                info = replace(info, status="failed", error="interrupted: the service stopped during the run")
                self._save(info)
            self._runs[info.id] = info

    # --- starting -------------------------------------------------------------------------------
    def start(self, *, owner: str, rank: int, items: Path, set_name: str, retrieval_only: bool, limit: int | None) -> RunInfo:
        """Validate the items now (ValueError names the file and line), then run them in the background."""
        questions, drafts = load_items(items)
        if limit is not None:
            questions = questions[:limit]
        if not questions and not drafts:
            raise ValueError(f"{set_name}: no items")
        visible = _visible_docs(self._documents(), rank)
        kept_q = [q for q in questions if not names_unseen(q.expected_docs, visible)]
        kept_d = [d for d in drafts if not names_unseen(d.against, visible)]
        withheld = len(questions) + len(drafts) - len(kept_q) - len(kept_d)
        run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)
        folder = self._root / run_id
        folder.mkdir(parents=True)
        shutil.copyfile(items, folder / "input.jsonl")
        info = RunInfo(run_id, owner, rank, set_name, retrieval_only, "queued", time.time(), total=len(kept_q),
                       withheld=withheld)  # fmt: skip
        self._save(info)
        thread = threading.Thread(target=self._run, args=(info, kept_q, kept_d), name=f"eval-{run_id}", daemon=True)
        self._threads[run_id] = thread
        thread.start()
        return info

    def _run(self, info: RunInfo, questions: list[QuestionItem], drafts: list[DraftItem]) -> None:
        self._save(replace(info, status="running"))

        def progress(_name: str, done: int, total: int) -> None:
            with self._guard:
                self._save(replace(self._runs[info.id], done=done, total=total))

        try:
            records = score_items(
                self._answerer(), questions, drafts, retrieval_only=info.retrieval_only,
                filters=Filters(max_access_rank=info.rank), progress=progress, guard=self._lock,
            )  # fmt: skip
            folder = self._root / info.id
            with (folder / "items.jsonl").open("w", encoding="utf-8") as f:
                for r in records:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
            summary = summarize(records)
            summary["config"] = self._config(self._runs[info.id])
            (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), "utf-8")
            self._save(replace(self._runs[info.id], status="done", finished=time.time()))
        except Exception as exc:  # a failed run is reported, never raised into the server
            self._save(replace(self._runs[info.id], status="failed", finished=time.time(), error=f"{type(exc).__name__}: {exc}"))

    def _save(self, info: RunInfo) -> None:
        self._runs[info.id] = info
        path = self._root / info.id / "meta.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(info), ensure_ascii=False), "utf-8")
        tmp.replace(path)

    @staticmethod
    def _config(info: RunInfo) -> dict[str, Any]:
        return {"set": info.set_name, "retrieval_only": info.retrieval_only, "run": info.id, "withheld_items": info.withheld}

    def wait(self, run_id: str, timeout: float | None = None) -> RunInfo | None:
        thread = self._threads.get(run_id)
        if thread is not None:
            thread.join(timeout)
        return self._runs.get(run_id)

    # --- reading --------------------------------------------------------------------------------
    def get(self, run_id: str, viewer_rank: int) -> RunInfo | None:
        """The run, or None when it does not exist or was made above the viewer's clearance."""
        info = self._runs.get(run_id)
        return info if info is not None and info.rank <= viewer_rank else None

    def runs(self, viewer_rank: int) -> list[RunInfo]:
        return sorted((r for r in self._runs.values() if r.rank <= viewer_rank), key=lambda r: r.created, reverse=True)

    def results(self, info: RunInfo, viewer_rank: int) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """(summary, records) of a finished run, with anything now above the viewer's clearance removed."""
        folder = self._root / info.id
        if info.status != "done" or not (folder / "summary.json").exists():
            return None, []
        summary = json.loads((folder / "summary.json").read_text("utf-8"))
        records = [json.loads(line) for line in (folder / "items.jsonl").read_text("utf-8").splitlines() if line.strip()]
        hidden = _hidden_docs(self._documents(), viewer_rank)
        return summary, [redact(r, hidden) for r in records]

    def report_html(self, info: RunInfo, viewer_rank: int) -> str | None:
        summary, records = self.results(info, viewer_rank)
        if summary is None:
            return None
        with tempfile.TemporaryDirectory() as tmp:
            path = write_report(Path(tmp), summary, records, title=f"Đánh giá: {info.set_name}", config=summary.get("config", {}))
            return path.read_text("utf-8")


def redact(record: dict[str, Any], hidden: list[dict[str, str]]) -> dict[str, Any]:
    """A record without passages or citations of hidden documents; an answer citing them is hidden too."""
    if not hidden or record.get("type") != "question":
        return record
    out = dict(record)
    out["retrieved"] = [p for p in record.get("retrieved", []) if not any(doc_matches(h["doc_id"], p) for h in hidden)]
    answer = record.get("answer")
    if answer:
        cites = answer.get("citations", [])
        kept = [c for c in cites if not any(doc_matches(h["doc_id"], {"doc_id": c.get("doc_id", "")}) for h in hidden)]
        if len(kept) != len(cites):
            out["answer"] = {**answer, "text": REDACTED, "citations": kept}
    return out
