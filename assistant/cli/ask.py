"""`assistant ask`: a question answered with verified citations, shown as the answer is built."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.markup import escape

from assistant.cli.common import console, err, settings
from assistant.pipeline import Pipeline
from assistant.shapes import answer_json
from assistant.types import Answer, Event, Filters


def print_answer(answer: Answer) -> None:
    console.print()
    console.print(escape(answer.text), highlight=False, soft_wrap=True)
    for note in answer.notes:
        console.print(f"[yellow]{escape(note)}[/]", highlight=False, soft_wrap=True)
    if answer.citations:
        console.print("\n[bold]Nguồn trích dẫn[/]")
        for c in answer.citations:
            mark = "✓" if c.verified else "✗"
            console.print(escape(f"[{c.n}] {mark} {c.doc_id} › {c.breadcrumb}\n    “{c.quote}”"), highlight=False, soft_wrap=True)
    elif answer.refused and answer.passages:
        console.print("\n[bold]Các đoạn gần nhất[/]")
        for i, h in enumerate(answer.passages[:3], 1):
            console.print(
                escape(f"[{i}] {h.meta.doc_id} › {h.chunk.breadcrumb_text}\n    {h.chunk.text[:200]}…"),
                highlight=False,
                soft_wrap=True,
            )


def ask(
    question: Annotated[str, typer.Argument(help="The question, in Vietnamese.")],
    doc: Annotated[list[str] | None, typer.Option(help="Only these document ids, e.g. 57-NQ/TW.")] = None,
    doc_type: Annotated[list[str] | None, typer.Option("--type", help="Only these types: NQ, KL, KH, ...")] = None,
    issuer: Annotated[list[str] | None, typer.Option(help="Only documents of this issuer (code or name).")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="Issued on or after YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Issued on or before YYYY-MM-DD.")] = None,
    extractive: Annotated[bool, typer.Option(help="No LLM: answer with verified sentences only.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """Answer a question with verified citations."""
    s = settings(**({"answer_mode": "extractive"} if extractive else {}))
    pipe = Pipeline(s)
    filters = Filters(
        doc_ids=tuple(doc or ()), doc_types=tuple(doc_type or ()), issuers=tuple(issuer or ()),
        date_from=date.fromisoformat(date_from) if date_from else None,
        date_to=date.fromisoformat(date_to) if date_to else None,
    )  # fmt: skip
    answer: Answer | None = None
    ev: Event
    with console.status("đang tìm căn cứ…") as status:
        for ev in pipe.answerer.stream(question, filters):
            if as_json:
                if ev.kind == "answer":
                    answer = ev.answer
                continue
            if ev.kind == "passages":
                status.stop()
                err.print("[dim]Các đoạn được tìm thấy:[/]")
                for i, h in enumerate(ev.hits[: s.prompt_passages], 1):
                    err.print(f"[dim]  {escape(f'[{i}] {h.meta.doc_id} › {h.chunk.breadcrumb_text[:90]}')}[/]", highlight=False)
                status.update("mô hình đang chọn căn cứ…")
                status.start()
            elif ev.kind == "units":  # verified by construction: the passages' own words, shown before the prose
                status.stop()
                err.print("[dim]Căn cứ được chọn:[/]")
                for c in ev.citations:
                    err.print(f"[dim]  {escape(f'[{c.n}] {c.doc_id}: “{c.quote}”')}[/]", highlight=False, soft_wrap=True)
                status.update("mô hình đang viết câu trả lời…")
                status.start()
            elif ev.kind == "answer":
                answer = ev.answer
    assert answer is not None
    if as_json:
        print(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
    else:
        print_answer(answer)
