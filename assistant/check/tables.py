"""Rows of a task table read as sentences: "| 1 | Xây dựng … | Sở A | Sở B; Sở C | Quý IV/2026 |" under the header
"| TT | Nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Thời hạn hoàn thành |" reads "Xây dựng … | Sở A chủ trì |
phối hợp với Sở B, Sở C | thời hạn hoàn thành Quý IV/2026", so the comparison sees each body in its role and the
deadline as one. Plans and programmes give their tasks this way.
"""

from __future__ import annotations

import re

from assistant.text.normalize import fold

_RULE = re.compile(r"^\|?[\s:|\-]+\|?$")


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def is_row(line: str) -> bool:
    return line.lstrip().startswith("|") and line.count("|") >= 2


def is_rule(line: str) -> bool:
    return bool(_RULE.match(line.strip()))


def _cell(header: str, cell: str) -> str:
    h = fold(header)
    if not cell:
        return ""
    if "chủ trì" in h:
        return f"{cell} chủ trì"
    if "phối hợp" in h:
        return "phối hợp với " + re.sub(r"\s*;\s*", ", ", cell)
    if "thời hạn" in h or "hoàn thành" in h or "tiến độ" in h:
        return f"thời hạn hoàn thành {cell}"
    if "báo cáo" in h or "gửi" in h:
        return f"báo cáo {cell}"
    return cell


_PERIOD_HEADER = re.compile(r"(?i)(?:năm|đến năm|giai đoạn|quý)?\s*(?:19|20)\d{2}")


def reading(header: list[str], row: list[str]) -> str:
    """The row as a sentence, each cell read by its column header (numbers of order left out); in a table of
    indicators by year ("| Chỉ tiêu | Năm 2025 | Năm 2030 |") each value is read with its row's label and its
    column's year: "Tỷ trọng kinh tế số trong GRDP năm 2025 đạt 12%; …"."""
    if len(header) != len(row):
        return " | ".join(c for c in row if c)
    years = [i for i, h in enumerate(header) if _PERIOD_HEADER.fullmatch(h.strip())]
    if years and len(years) < len(header):
        label = " ".join(c for i, c in enumerate(row) if i not in years and not c.isdigit())
        return "; ".join(f"{label} {fold(header[i])} đạt {row[i]}" for i in years if row[i])
    parts = [_cell(h, c) for h, c in zip(header, row, strict=True) if not (fold(h) in ("tt", "stt") and c.isdigit())]
    # cells of one row speak of one thing: joined so that a value's words reach the row's label ("Quy mô kinh tế số —
    # % GDP — Đạt tối thiểu 30%"), while a body's role stays with its cell
    return " | ".join(p for p in parts if p and (" chủ trì" in p or p.startswith(("phối hợp", "báo cáo")))) + (
        " — " + " — ".join(p for p in parts if p and not (" chủ trì" in p or p.startswith(("phối hợp", "báo cáo"))))
    )
