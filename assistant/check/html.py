"""A draft check as one self-contained HTML page: the draft, each statement coloured by its verdict,
the evidence beside it, and a summary count. No external resources; every text is escaped."""

from __future__ import annotations

from html import escape
from itertools import groupby

from assistant.check.report import location, shown_quote, summary_line
from assistant.check.results import KIND_LABELS, VERDICT_LABELS, VERDICTS, CheckReport, StatementCheck

_CSS = """
body{font-family:system-ui,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#1d2330;background:#f6f7f9;line-height:1.5}
header{background:#fff;border-bottom:1px solid #dde1e7;padding:16px 28px;position:sticky;top:0;z-index:2}
h1{font-size:20px;margin:0 0 6px}
main{padding:16px 28px;max-width:1400px}
.summary{display:flex;gap:10px;flex-wrap:wrap;margin-top:8px}
.count{border-radius:6px;padding:4px 10px;font-weight:600}
.row{display:grid;grid-template-columns:minmax(0,1.1fr) minmax(0,1fr);gap:18px;background:#fff;border:1px solid #e3e6eb;
border-radius:8px;padding:12px 16px;margin:10px 0}
.section{font-size:15px;margin:22px 0 4px;color:#44506a}
.para{margin:0}
.pno{color:#8a93a6;font-size:12px;margin-right:6px}
.st{border-radius:4px;padding:1px 2px}
.st sup{font-size:10px;color:#44506a;margin-left:2px}
.v-consistent{background:#d8f3df}
.v-contradicts{background:#ffd6d6;outline:1px solid #e05a5a}
.v-not_covered{background:#eceef2}
.card{border-left:4px solid #c7ccd6;padding:4px 10px;margin:0 0 10px;font-size:14px}
.card.v-contradicts{border-color:#e05a5a;background:#fff5f5;outline:none}
.card.v-consistent{border-color:#3aa55d;background:#f4fbf6}
.card.v-not_covered{border-color:#a4abb8;background:#fafbfc}
.label{font-weight:600}
.quote{font-style:italic}
.src{color:#5b6478;font-size:12px}
.diff,.fix,.flag,.note{margin:2px 0}
.flag{color:#8a5a00}
.errors{color:#b00020}
.legend span{margin-right:10px}
"""


def _statement_span(c: StatementCheck) -> str:
    return (
        f'<span class="st v-{c.verdict}" id="s{c.statement.n}" title="{escape(VERDICT_LABELS[c.verdict])}">'
        f"{escape(c.statement.text)}<sup>{c.statement.n}</sup></span>"
    )


def _card(c: StatementCheck) -> str:
    parts = [f'<div class="card v-{c.verdict}" data-n="{c.statement.n}">']
    parts.append(f'<div><span class="label">[{c.statement.n}] {escape(VERDICT_LABELS[c.verdict])}</span>'
                 f' <span class="src">{escape(location(c))}</span></div>')  # fmt: skip
    for d in c.differences:
        kind = escape(KIND_LABELS.get(d.kind, d.kind))
        if d.stated:
            parts.append(
                f'<div class="diff">Khác nhau ({kind}): dự thảo “<b>{escape(d.stated)}</b>”, '
                f"văn bản “<b>{escape(d.directive)}</b>”</div>"
            )
        else:
            parts.append(f'<div class="diff">Khác nhau ({kind}) so với căn cứ</div>')
    if c.rewrite:
        parts.append(f'<div class="fix">Đề xuất sửa: {escape(c.rewrite)}</div>')
    if c.evidence:
        e = c.evidence[0]
        head = "Căn cứ" if c.verdict != "not_covered" else "Đoạn gần nhất (không đủ làm căn cứ)"
        mark = "✓ đã kiểm chứng nguyên văn" if e.verified else "✗ chưa kiểm chứng"
        parts.append(
            f'<div>{head}: <span class="quote">“{escape(shown_quote(e.quote))}”</span><br>'
            f'<span class="src">{escape(e.doc_id)} › {escape(e.breadcrumb)} — {mark}</span></div>'
        )
    parts += [f'<div class="flag">⚠ {escape(f)}</div>' for f in c.flags]
    if c.note:
        parts.append(f'<div class="note">{escape(c.note)}</div>')
    return "".join(parts) + "</div>"


def to_html(report: CheckReport) -> str:
    """The page for a report (open it in any browser; nothing is loaded from elsewhere)."""
    counts = report.counts
    colours = {"consistent": "#d8f3df", "contradicts": "#ffd6d6", "not_covered": "#eceef2"}
    badges = "".join(
        f'<span class="count v-{v}" data-verdict="{v}" style="background:{colours[v]}">'
        f"{escape(VERDICT_LABELS[v])}: <b>{counts[v]}</b></span>"
        for v in VERDICTS
    )
    against = ", ".join(report.against) if report.against else "toàn bộ kho tài liệu"
    body: list[str] = []
    body += [f'<p class="errors">{escape(e)}</p>' for e in report.errors]
    body += [f'<p class="flag">⚠ {escape(n)}</p>' for n in report.notes]
    section = None
    for (sec, para), group in groupby(report.checks, key=lambda c: (c.statement.section, c.statement.paragraph)):
        checks = list(group)
        if sec != section:
            section = sec
            body.append(f'<h2 class="section">{escape(sec or "Phần mở đầu")}</h2>')
        spans = " ".join(_statement_span(c) for c in checks)
        cards = "".join(_card(c) for c in checks)
        body.append(f'<div class="row"><p class="para"><span class="pno">¶{para}</span>{spans}</p><div>{cards}</div></div>')
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>Kiểm tra dự thảo: {escape(report.draft)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>Kiểm tra dự thảo: {escape(report.draft)}</h1>"
        f'<div>Đối chiếu với: {escape(against)} · <span id="summary">{escape(summary_line(report))}</span></div>'
        f'<div class="summary">{badges}</div></header><main>{"".join(body)}</main></body></html>'
    )
