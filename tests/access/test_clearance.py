"""Roles, permissions and access levels."""

from __future__ import annotations

import pytest

from assistant.access.clearance import PERMISSIONS, ROLES, can, level_rank, parse_level, parse_role, permissions
from assistant.search.catalog import access_rank
from assistant.types import ACCESS_LEVELS


def test_permission_table() -> None:
    assert [r for r in ROLES if can(r, "upload")] == ["drafter", "admin"]
    assert [r for r in ROLES if can(r, "delete")] == ["admin"]
    assert [r for r in ROLES if can(r, "eval")] == ["reviewer", "admin"]
    assert all(can(r, "ask") and can(r, "read") for r in ROLES)
    assert not can("admin", "no-such-permission")
    assert not can("guest", "ask")
    assert permissions("analyst") == ["ask", "read"]
    assert set(permissions("admin")) == set(PERMISSIONS)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("công khai", "công khai"), ("Công Khai", "công khai"), ("cong-khai", "công khai"), ("noi_bo", "nội bộ"),
        ("nội bộ", "nội bộ"), ("mật", "mật"), ("MAT", "mật"), ("tối mật", "tối mật"), ("toi mat", "tối mật"),
        ("to\u0302\u0301i ma\u0323\u0302t", "tối mật"),  # decomposed Unicode
    ],
)  # fmt: skip
def test_parse_level(text: str, level: str) -> None:
    assert parse_level(text) == level


@pytest.mark.parametrize("text", ["", "mật nhất", "secret", "tuyệt mật"])
def test_unknown_levels_are_errors(text: str) -> None:
    with pytest.raises(ValueError, match="unknown access level"):
        parse_level(text)


def test_ranks_agree_with_the_catalog() -> None:
    assert [level_rank(lv) for lv in ACCESS_LEVELS] == [access_rank(lv) for lv in ACCESS_LEVELS] == [0, 1, 2, 3]


def test_parse_role() -> None:
    assert parse_role(" Reviewer ") == "reviewer"
    with pytest.raises(ValueError, match="unknown role"):
        parse_role("superuser")
