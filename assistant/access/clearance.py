"""Roles, permissions and clearance: who may do what, and which documents a person may see.

Clearance uses the documents' access levels (`types.ACCESS_LEVELS`, công khai < nội bộ < mật < tối mật).
A person sees a document, its passages, citations and anything derived from them (answers,
evaluation reports) only when the document's level is at or below their clearance.

| permission | analyst | drafter | reviewer | admin | what it covers |
|---|---|---|---|---|---|
| ask      | ✓ | ✓ | ✓ | ✓ | questions (/ask, /v1/chat/completions) |
| read     | ✓ | ✓ | ✓ | ✓ | the document library and document views |
| upload   |   | ✓ |   | ✓ | adding or replacing documents |
| check    |   | ✓ | ✓ | ✓ | draft checks (POST /check, the /check page) |
| eval     |   |   | ✓ | ✓ | evaluation runs and their reports |
| delete   |   |   |   | ✓ | removing documents |
"""

from __future__ import annotations

from assistant.text.normalize import strip_diacritics
from assistant.types import ACCESS_LEVELS

ROLES: tuple[str, ...] = ("analyst", "drafter", "reviewer", "admin")

PERMISSIONS: dict[str, frozenset[str]] = {
    "ask": frozenset(ROLES),
    "read": frozenset(ROLES),
    "upload": frozenset({"drafter", "admin"}),
    "check": frozenset({"drafter", "reviewer", "admin"}),
    "eval": frozenset({"reviewer", "admin"}),
    "delete": frozenset({"admin"}),
}

ROLE_LABELS = {
    "analyst": "chuyên viên phân tích", "drafter": "người soạn thảo", "reviewer": "người thẩm định", "admin": "quản trị",
}  # fmt: skip


def can(role: str, permission: str) -> bool:
    """Whether `role` has `permission`; an unknown permission is refused."""
    return role in PERMISSIONS.get(permission, frozenset())


def permissions(role: str) -> list[str]:
    return [p for p, roles in PERMISSIONS.items() if role in roles]


def _key(text: str) -> str:
    return " ".join(strip_diacritics(text).lower().replace("-", " ").replace("_", " ").split())


_LEVEL_KEYS = {_key(level): level for level in ACCESS_LEVELS}


def parse_level(text: str) -> str:
    """The access level named by `text` ("mật", "Mật", "mat", "toi-mat"); ValueError for anything else."""
    level = _LEVEL_KEYS.get(_key(text))
    if level is None:
        raise ValueError(f"unknown access level {text!r}: use one of {', '.join(ACCESS_LEVELS)}")
    return level


def level_rank(level: str) -> int:
    """Rank of a known level (0 = công khai). Users' clearances are always known levels."""
    return ACCESS_LEVELS.index(parse_level(level))


def parse_role(text: str) -> str:
    role = text.strip().lower()
    if role not in ROLES:
        raise ValueError(f"unknown role {text!r}: use one of {', '.join(ROLES)}")
    return role
