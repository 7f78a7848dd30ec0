"""A draft check as JSON (for scripts and the HTTP API) and as Markdown (for people). HTML: `check.html`."""

from __future__ import annotations

import json
import re
from typing import Any

from assistant.check.compare import Difference
from assistant.check.results import KIND_LABELS, VERDICT_LABELS, CheckReport, StatementCheck
from assistant.check.statements import clean
from assistant.shapes import citation_json


def difference_json(d: Difference) -> dict[str, Any]:
    return {"kind": d.kind, "kind_label": KIND_LABELS.get(d.kind, d.kind), "stated": d.stated, "directive": d.directive}


def statement_json(c: StatementCheck) -> dict[str, Any]:
    st = c.statement
    return {
        "n": st.n, "text": st.text, "section": st.section, "paragraph": st.paragraph, "start": st.start, "end": st.end,
        "verdict": c.verdict, "verdict_label": VERDICT_LABELS[c.verdict], "method": c.method, "score": round(c.score, 3),
        "evidence": [citation_json(e) for e in c.evidence],
        "differences": [difference_json(d) for d in c.differences],
        "rewrite": c.rewrite, "flags": list(c.flags), "note": c.note,
    }  # fmt: skip


def summary_json(report: CheckReport) -> dict[str, int]:
    return {"statements": len(report.checks), **report.counts, "flagged": report.flagged}


def report_json(report: CheckReport) -> dict[str, Any]:
    """The whole report as one JSON-ready dict (the CLI's --format json, and the API's body)."""
    return {
        "draft": report.draft,
        "against": report.against,
        "summary": summary_json(report),
        "exit_code": report.exit_code,
        "errors": report.errors,
        "notes": report.notes,
        "statements": [statement_json(c) for c in report.checks],
        "timings": {k: round(v, 3) for k, v in report.timings.items()},
    }


def to_json(report: CheckReport) -> str:
    return json.dumps(report_json(report), ensure_ascii=False, indent=2)


def summary_line(report: CheckReport) -> str:
    c = report.counts
    line = (
        f"{len(report.checks)} câu: {c['contradicts']} mâu thuẫn, {c['consistent']} nhất quán, {c['not_covered']} không có căn cứ"
    )
    return line + (f"; {report.flagged} câu dựa vào văn bản đã bị thay thế hoặc sửa đổi" if report.flagged else "")


def shown_quote(quote: str) -> str:
    """A verified quote for reading: Markdown noise and a leading item number removed (JSON keeps it verbatim)."""
    return re.sub(r"^(?:[-+•]|\d{1,2}\s*[.)\-]|[a-zđ]\))\s+", "", clean(quote))


def location(c: StatementCheck) -> str:
    parts = c.statement.section.split(" › ")[-2:] if c.statement.section else []
    return " › ".join([*parts, f"đoạn {c.statement.paragraph}"])


def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("`", "\\`").replace("|", "\\|")


def _md_check(c: StatementCheck) -> list[str]:
    head = f"### [{c.statement.n}] {VERDICT_LABELS[c.verdict]} — {_md_escape(location(c))}"
    lines = [head, "", f"> {_md_escape(c.statement.text)}", ""]
    for d in c.differences:
        kind = KIND_LABELS.get(d.kind, d.kind)
        if d.stated:
            lines.append(f"- **Khác nhau ({kind}):** dự thảo “{_md_escape(d.stated)}”, văn bản “{_md_escape(d.directive)}”")
        else:
            lines.append(f"- **Khác nhau ({kind})** so với căn cứ")
    if c.rewrite:
        lines.append(f"- **Đề xuất sửa:** {_md_escape(c.rewrite)}")
    for e in c.evidence[:1]:
        mark = "✓" if e.verified else "✗"
        lines.append(
            f"- **Căn cứ** {mark} {_md_escape(e.doc_id)} › {_md_escape(e.breadcrumb)}: “{_md_escape(shown_quote(e.quote))}”"
        )
    lines += [f"- **Lưu ý:** {_md_escape(f)}" for f in c.flags]
    if c.note:
        lines.append(f"- {_md_escape(c.note)}")
    return [*lines, ""]


def to_markdown(report: CheckReport) -> str:
    """Contradictions in full (what differs, the suggested rewrite, the verified quote), then every statement in a table."""
    out = [f"# Kiểm tra dự thảo: {_md_escape(report.draft)}", ""]
    out.append(f"Đối chiếu với: {', '.join(report.against) if report.against else 'toàn bộ kho tài liệu'}")
    out += ["", f"**Tổng hợp:** {summary_line(report)}.", ""]
    out += [f"- Lỗi: {_md_escape(e)}" for e in report.errors]
    out += [f"- Lưu ý: {_md_escape(n)}" for n in report.notes]
    contradicts = [c for c in report.checks if c.verdict == "contradicts"]
    if contradicts:
        out += ["## Các câu mâu thuẫn với văn bản chỉ đạo", ""]
        for c in contradicts:
            out += _md_check(c)
    flagged = [c for c in report.checks if c.flags and c.verdict != "contradicts"]
    if flagged:
        out += ["## Các câu dựa vào văn bản đã bị thay thế hoặc sửa đổi", ""]
        for c in flagged:
            out += _md_check(c)
    if report.checks:
        out += ["## Toàn bộ các câu", "", "| # | vị trí | kết luận | câu | căn cứ |", "|---|---|---|---|---|"]
        for c in report.checks:
            shown = c.evidence and c.verdict != "not_covered"
            ev = f"{c.evidence[0].doc_id}: “{_trim(shown_quote(c.evidence[0].quote), 120)}”" if shown else "—"
            out.append(
                f"| {c.statement.n} | {_md_escape(location(c))} | {VERDICT_LABELS[c.verdict]} | "
                f"{_md_escape(_trim(c.statement.text, 160))} | {_md_escape(ev)} |"
            )
    return "\n".join(out).rstrip() + "\n"


def _trim(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
