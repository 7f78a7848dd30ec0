"""Which documents a document implements, continues, amends, replaces, repeals or cites, read from its text."""

from __future__ import annotations

import re

from assistant.text.docnumbers import canonical_id, prepare, reference_spans

_RELATION_VERBS: list[tuple[str, str]] = [
    ("continues", r"tiếp tục (?:triển khai )?(?:thực hiện|thi hành)"),
    ("amends", r"sửa đổi,? bổ sung|sửa đổi"),
    ("replaces", r"thay thế"),
    ("repeals", r"bãi bỏ|hủy bỏ"),
    ("implements", r"thực hiện|triển khai|thi hành|cụ thể hóa|thể chế hóa"),
]
_VERB_RE = re.compile("|".join(f"(?P<{name}>{rx})" for name, rx in _RELATION_VERBS), re.IGNORECASE)


def extract_relations(text: str, own_id: str) -> list[tuple[str, str]]:
    """References `text` makes to other documents, as (relation, target canonical id).

    The relation is read from the clause before a reference (~60 characters, not across ".", ";"
    or a line break): "tiếp tục thực hiện" -> continues, "sửa đổi, bổ sung" -> amends, "thay thế" ->
    replaces, "bãi bỏ" -> repeals, "thực hiện"/"triển khai" -> implements, else cites. Each target
    appears once, with the relation of its first mention that is not a plain citation.
    """
    prepped = prepare(text)
    own = canonical_id(own_id) or own_id
    first: dict[str, str] = {}
    refs = reference_spans(text)
    for start, _end, target in refs:
        if target == own:
            continue
        lo = max(0, start - 60)
        window = re.split(r"[.;\n]", prepped[lo:start])[-1]
        lo = start - len(window)
        verbs = list(_VERB_RE.finditer(window))
        relation = verbs[-1].lastgroup if verbs and verbs[-1].lastgroup else "cites"
        if verbs and any(lo <= s < lo + verbs[-1].start() for s, _e, _r in refs):
            relation = "cites"  # "X thay thế Y": the verb belongs to another document named before it
        if target not in first or (first[target] == "cites" and relation != "cites"):
            first[target] = relation
    return [(relation, target) for target, relation in first.items()]
