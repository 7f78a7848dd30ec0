"""Evaluation reports: a fixed-width console table and a self-contained HTML file.

The HTML has no external references: CSS is inline and plots are base64 PNG images drawn with
matplotlib's Agg canvas (no pyplot, no display). Every string from the run is HTML-escaped.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from assistant.evaluation.matching import doc_matches, ranked
from assistant.evaluation.metrics import per_item_scores
from assistant.evaluation.retrieval_metrics import KS

WORST_ITEMS = 15
# Metrics shown per kind, in this order (others are in the main table).
KIND_METRICS = (
    "doc_hit@5", "doc_recall@5", "quote_recall@5", "mrr@10", "ndcg@10", "abstention_accuracy",
    "citation_precision", "citation_recall", "answer_correctness",
)  # fmt: skip
SHOWN_SCORES = (
    "overall", "rr", "doc_hit@5", "quote_recall@5", "ndcg@10", "abstention_ok", "citation_precision",
    "citation_recall", "correctness", "verdict_ok", "evidence_recall",
)  # fmt: skip
LABELS = {
    "doc_recall": "độ phủ văn bản",
    "doc_hit": "trúng văn bản",
    "quote_recall": "độ phủ trích dẫn mong đợi",
    "mrr@10": "MRR",
    "ndcg@10": "nDCG",
    "abstention_accuracy": "từ chối đúng",
    "false_refusal_rate": "từ chối sai",
    "false_answer_rate": "trả lời sai khi phải từ chối",
    "citation_precision": "độ chính xác trích dẫn",
    "citation_recall": "độ phủ trích dẫn",
    "answer_correctness": "độ đúng câu trả lời",
    "answer_token_f1": "F1 theo từ",
    "draft_accuracy": "độ chính xác kết luận dự thảo",
    "draft_macro_f1": "macro F1 dự thảo",
    "contradicts_recall": "phát hiện mâu thuẫn",
    "evidence_recall": "độ phủ bằng chứng",
}


def _label(name: str) -> str:
    if name.startswith("latency."):
        return "độ trễ (giây)"
    return LABELS.get(name, LABELS.get(name.split("@")[0], ""))


def heading(name: str) -> str:
    """A metric's column heading in the HTML report, in Vietnamese: "trúng văn bản @5", "MRR @10"."""
    base, _, k = name.partition("@")
    label = LABELS.get(name) or LABELS.get(base) or _label(name) or name
    return f"{label} @{k}" if k else label


# count names (summary["counts"]) in Vietnamese; "kind.X" is "câu loại X"
COUNT_LABELS = {
    "items": "số mục", "questions": "câu hỏi", "answerable": "câu trả lời được", "unanswerable": "câu không trả lời được",
    "retrieval_scored": "chấm truy hồi", "quote_scored": "chấm trích dẫn mong đợi", "answered": "đã trả lời",
    "refused": "đã từ chối", "citations": "trích dẫn", "correctness_scored": "chấm độ đúng", "drafts": "câu dự thảo",
    "drafts_predicted": "câu dự thảo đã kết luận", "errors": "lỗi",
}  # fmt: skip


MODES = {"generated": "mô hình viết", "extractive": "trích nguyên văn", "refused": "từ chối"}
VERDICTS = {"contradicts": "mâu thuẫn", "consistent": "nhất quán", "not_covered": "không có căn cứ"}


def _said(names: dict[str, str], value: object) -> str:
    return names.get(str(value), str(value))


def _count_label(name: str) -> str:
    if name.startswith("kind."):
        return f"câu loại {name[5:]}"
    return COUNT_LABELS.get(name, name)


def _fmt(name: str, value: float) -> str:
    return f"{value:.3f}s" if name.startswith("latency.") else f"{value:.4f}"


def format_table(summary: dict[str, Any]) -> str:
    """Plain fixed-width text: metrics, then counts, then a compact per-kind table."""
    metrics: dict[str, float] = summary.get("metrics", {})
    width = max([len(n) for n in metrics] + [20])
    lines = [f"{'metric':<{width}}  {'value':>10}", "-" * (width + 12)]
    lines += [f"{name:<{width}}  {_fmt(name, value):>10}" for name, value in metrics.items()]
    if summary.get("drafts") == "not run":
        lines.append(f"{'drafts':<{width}}  {'not run':>10}")
    counts = summary.get("counts", {})
    if counts:
        lines += ["", "counts: " + ", ".join(f"{k}={v}" for k, v in counts.items())]
    by_kind: dict[str, dict[str, float]] = summary.get("by_kind", {})
    if by_kind:
        cols = [m for m in KIND_METRICS if any(m in v for v in by_kind.values())]
        kw = max([len(k) for k in by_kind] + [4])
        lines += ["", f"{'kind':<{kw}}  " + "  ".join(f"{c:>{max(len(c), 6)}}" for c in cols)]
        for kind, values in by_kind.items():
            cells = [f"{values[c]:.3f}" if c in values else "-" for c in cols]
            lines.append(f"{kind:<{kw}}  " + "  ".join(f"{v:>{max(len(c), 6)}}" for v, c in zip(cells, cols, strict=True)))
    return "\n".join(lines + _draft_lines(summary.get("draft_breakdown") or {}))


_SPLIT_METRICS = ("draft_accuracy", "draft_macro_f1", "contradicts_recall", "evidence_recall")


def _draft_lines(breakdown: dict[str, Any]) -> list[str]:
    """The draft check per split (when items carry one) and right/wrong per kind, as text lines."""
    lines: list[str] = []
    by_split: dict[str, dict[str, float]] = breakdown.get("by_split", {})
    if by_split:
        lines += ["", f"{'split':<10}  {'n':>4}  " + "  ".join(f"{c:>18}" for c in _SPLIT_METRICS)]
        for split, m in by_split.items():
            cells = [f"{m[c]:.3f}" if c in m else "-" for c in _SPLIT_METRICS]
            lines.append(f"{split:<10}  {int(m['n']):>4}  " + "  ".join(f"{v:>18}" for v in cells))
    by_kind: dict[str, dict[str, int]] = breakdown.get("by_kind", {})
    if by_kind:
        lines += ["", "draft kind: " + ", ".join(f"{k} {v['right']} right / {v['wrong']} wrong" for k, v in by_kind.items())]
    return lines


def _draft_tables(breakdown: dict[str, Any]) -> list[str]:
    by_split: dict[str, dict[str, float]] = breakdown.get("by_split", {})
    parts: list[str] = []
    if by_split:
        rows = [
            [_td(split), _td(int(m["n"]), num=True)] + [_td(f"{m[c]:.3f}" if c in m else "–", num=True) for c in _SPLIT_METRICS]
            for split, m in by_split.items()
        ]
        headers = ["phần", "số câu", *map(heading, _SPLIT_METRICS)]
        parts += ["<h2>Kiểm tra dự thảo theo phần · Drafts by split</h2>", _table(rows, headers)]
    by_kind: dict[str, dict[str, int]] = breakdown.get("by_kind", {})
    if by_kind:
        rows = [[_td(k), _td(v["right"], num=True), _td(v["wrong"], num=True)] for k, v in by_kind.items()]
        parts += ["<h2>Kiểm tra dự thảo theo loại · Drafts by kind</h2>", _table(rows, ["loại", "đúng", "sai"])]
    return parts


# --- plots ---------------------------------------------------------------------------------


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _img(fig: Figure, alt: str) -> str:
    return f'<img class="plot" alt="{escape(alt)}" src="data:image/png;base64,{_png(fig)}">'


def _latency_plot(records: Sequence[dict[str, Any]]) -> str | None:
    stages: dict[str, list[float]] = {}
    for r in records:
        for stage, value in (r.get("timings") or {}).items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                stages.setdefault(stage, []).append(float(value))
    if not stages:
        return None
    names = sorted(stages)
    fig = Figure(figsize=(max(4.0, 1.2 * len(names) + 2), 3.5))
    ax = fig.add_subplot()
    ax.boxplot([stages[n] for n in names], showfliers=True)
    ax.set_xticks(range(1, len(names) + 1), names, rotation=20)
    ax.set_ylabel("giây")
    ax.set_title("Độ trễ theo bước")
    ax.grid(axis="y", alpha=0.3)
    return _img(fig, "độ trễ theo bước")


def _recall_plot(metrics: dict[str, float]) -> str | None:
    series = {
        m: [metrics[f"{m}@{k}"] for k in KS]
        for m in ("doc_hit", "doc_recall", "quote_recall")
        if all(f"{m}@{k}" in metrics for k in KS)
    }
    if not series:
        return None
    fig = Figure(figsize=(5, 3.5))
    ax = fig.add_subplot()
    for name, values in series.items():
        ax.plot(KS, values, marker="o", label=LABELS.get(name, name))
    ax.set_xticks(KS)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("k")
    ax.set_title("Truy hồi @k")
    ax.legend()
    ax.grid(alpha=0.3)
    return _img(fig, "truy hồi theo k")


# --- HTML ----------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:0.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top;font-size:14px}
td.num{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f0f0f0} .muted{color:#777} pre{white-space:pre-wrap;background:#f7f7f7;padding:8px}
.item{border:1px solid #ddd;padding:8px 12px;margin:10px 0;border-radius:4px}
.item h3{margin:0 0 6px;font-size:15px} .plot{max-width:100%;margin:0 1em 1em 0}
ul{margin:2px 0 6px 1.2em;padding:0}
"""


def _table(rows: list[list[str]], header: list[str], *, table_id: str | None = None) -> str:
    ident = f' id="{table_id}"' if table_id else ""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(rows_cell for rows_cell in row) + "</tr>" for row in rows)
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _td(value: object, *, num: bool = False) -> str:
    return f'<td class="num">{escape(str(value))}</td>' if num else f"<td>{escape(str(value))}</td>"


def _list(values: Sequence[object]) -> str:
    if not values:
        return '<span class="muted">—</span>'
    return "<ul>" + "".join(f"<li>{escape(str(v))}</li>" for v in values) + "</ul>"


def _item_html(record: dict[str, Any], scores: dict[str, float]) -> str:
    rid = escape(str(record.get("id")))
    if record.get("type") == "draft":
        predicted = record.get("predicted") or {}
        body = (
            f"<p><b>Câu dự thảo:</b> {escape(str(record.get('statement', '')))}</p>"
            f"<p><b>Kết luận mong đợi:</b> {escape(_said(VERDICTS, record.get('expected_verdict')))} · "
            f"<b>kết luận của hệ thống:</b> {escape(_said(VERDICTS, predicted.get('verdict')))}</p>"
            f"<b>Căn cứ mong đợi:</b>{_list(record.get('evidence_quotes') or [])}"
            f"<b>Căn cứ hệ thống đưa ra:</b>{_list([e.get('quote', '') for e in predicted.get('evidence') or []])}"
        )
    else:
        expected = list(record.get("expected_docs") or [])
        top = [
            f"{p.get('rank')}. {p.get('doc_id')} — {p.get('breadcrumb') or ''}"
            + (" ✓" if any(doc_matches(e, p) for e in expected) else "")
            for p in ranked(record)[:3]
        ]
        answer = record.get("answer")
        if isinstance(answer, dict):
            cites = [
                f"[{c.get('n')}] {c.get('doc_id')} {'✓' if c.get('verified') else '✗ chưa kiểm chứng'}: {c.get('quote', '')}"
                for c in answer.get("citations") or []
            ]
            ans = f"<p><b>Câu trả lời ({escape(_said(MODES, answer.get('mode')))}):</b> {escape(str(answer.get('text', '')))}</p>"
            ans += f"<b>Trích dẫn:</b>{_list(cites)}"
        else:
            ans = '<p class="muted">Không có câu trả lời (lượt chỉ đánh giá truy hồi).</p>'
        ref = record.get("reference_answer")
        body = (
            f"<p><b>Câu hỏi:</b> {escape(str(record.get('question', '')))}</p>"
            f"<p><b>Trả lời được:</b> {'có' if record.get('answerable') else 'không'} · <b>loại:</b> "
            f"{escape(str(record.get('kind')))}</p>"
            f"<b>Văn bản mong đợi:</b>{_list(record.get('expected_docs') or [])}"
            f"<b>Trích dẫn mong đợi:</b>{_list(record.get('expected_quotes') or [])}"
            + (f"<p><b>Câu trả lời mẫu:</b> {escape(str(ref))}</p>" if ref else "")
            + f"<b>Tìm được (3 đoạn đầu):</b>{_list(top)}{ans}"
        )
    if record.get("error"):
        body += f"<p><b>Lỗi:</b> {escape(str(record['error']))}</p>"
    score_text = ", ".join(f"{k}={scores[k]:.2f}" for k in SHOWN_SCORES if k in scores)
    return f'<div class="item"><h3>{rid}</h3><p class="muted">{escape(score_text)}</p>{body}</div>'


def write_report(
    run_dir: Path, summary: dict[str, Any], records: list[dict[str, Any]], *, title: str, config: dict[str, Any]
) -> Path:
    """Write `run_dir/report.html` and return its path."""
    metrics: dict[str, float] = summary.get("metrics", {})
    parts = [f"<h1>{escape(title)}</h1>"]
    parts.append("<h2>Chỉ số · Metrics</h2>")
    rows = [[_td(n), _td(_label(n)), _td(_fmt(n, v), num=True)] for n, v in metrics.items()]
    if summary.get("drafts") == "not run":
        rows.append([_td("drafts"), _td("kiểm tra dự thảo"), _td("không chạy")])
    parts.append(_table(rows, ["chỉ số", "ý nghĩa", "giá trị"], table_id="metrics"))
    counts = summary.get("counts", {})
    count_rows = [[_td(_count_label(k)), _td(v, num=True)] for k, v in counts.items()]
    parts.append(_table(count_rows, ["đếm", "số lượng"], table_id="counts"))
    by_kind: dict[str, dict[str, float]] = summary.get("by_kind", {})
    if by_kind:
        cols = [m for m in KIND_METRICS if any(m in v for v in by_kind.values())]
        kind_rows = [
            [_td(kind), _td(counts.get(f"kind.{kind}", ""), num=True)]
            + [_td(f"{v[c]:.3f}" if c in v else "–", num=True) for c in cols]
            for kind, v in by_kind.items()
        ]
        parts += [
            "<h2>Theo loại câu hỏi · By kind</h2>",
            _table(kind_rows, ["loại câu hỏi", "số câu", *(heading(c) for c in cols)], table_id="by-kind"),
        ]
    parts += _draft_tables(summary.get("draft_breakdown") or {})
    plots = [p for p in (_recall_plot(metrics), _latency_plot(records)) if p]
    if plots:
        parts += ["<h2>Biểu đồ · Plots</h2>", "<div>", *plots, "</div>"]
    scored = [(per_item_scores(r), r) for r in records]
    worst = sorted(((s, r) for s, r in scored if "overall" in s), key=lambda sr: (sr[0]["overall"], str(sr[1].get("id"))))
    if worst:
        parts.append(f"<h2>{min(WORST_ITEMS, len(worst))} mục kém nhất · Worst items</h2>")
        parts += [_item_html(r, s) for s, r in worst[:WORST_ITEMS]]
    parts += ["<h2>Cấu hình · Config</h2>", f"<pre>{escape(json.dumps(config, ensure_ascii=False, indent=2, default=str))}</pre>"]
    html = (
        '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n"
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    out = run_dir / "report.html"
    out.write_text(html, encoding="utf-8")
    return out
