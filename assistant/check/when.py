"""When two dates agree: one may be a month, quarter or half of a year that the other falls in or ends."""

from __future__ import annotations


def _span(value: str) -> tuple[str, str]:
    """A date value as the first and last day it covers: "2025-q1" -> ("2025-01-01", "2025-03-31")."""
    y, _, rest = value.partition("-")
    if not rest:
        return f"{y}-01-01", f"{y}-12-31"
    if rest.startswith("q"):
        q = int(rest[1:])
        return f"{y}-{3 * q - 2:02d}-01", f"{y}-{3 * q:02d}-31"
    if rest.startswith("h"):
        h = int(rest[1:])
        return f"{y}-{6 * h - 5:02d}-01", f"{y}-{6 * h:02d}-31"
    if rest.count("-") == 0:
        return f"{value}-01", f"{value}-31"
    return value, value


def same_time(a: str, b: str) -> bool:
    """Two dates that agree: equal, or one a month, quarter or half of a year that the other falls in or ends
    ("31/3/2025" and "quý I/2025", "tháng 12/2025" and "31/12/2025")."""
    (a0, a1), (b0, b1) = _span(a), _span(b)
    return a == b or (b0 <= a0 and a1 <= b1) or (a0 <= b0 and b1 <= a1)


def near_date(a: str, b: str) -> bool:
    """Two full dates that agree in two of day, month and year (a changed digit, not another event)."""
    x, y = a.split("-"), b.split("-")
    return len(x) == len(y) == 3 and sum(p == q for p, q in zip(x, y, strict=True)) == 2
