"""Admin commands: users, API tokens and the audit log .

Every change made here is written to the audit log, with the operating-system user as the actor.
"""

from __future__ import annotations

import getpass
import json
import os
from datetime import datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from assistant.access.audit import AuditLog
from assistant.access.clearance import ROLES, permissions
from assistant.access.users import UserStore
from assistant.cli.common import console, err, settings
from assistant.types import ACCESS_LEVELS

users_app = typer.Typer(help="Users of the service: roles, clearance, passwords.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens (shown once; stored hashed).", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
sessions_app = typer.Typer(help="Browser sessions: list and end them.", no_args_is_help=True)


def _open() -> tuple[UserStore, AuditLog]:
    s = settings()
    s.index_dir.mkdir(parents=True, exist_ok=True)
    return UserStore(s.index_dir / "users.sqlite"), AuditLog(s.index_dir / "audit.jsonl", s.audit_head_path)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return f"cli:uid{os.getuid()}"


def _fail(message: str) -> None:
    err.print(f"[red]{escape(message)}[/]", highlight=False)
    raise typer.Exit(1)


def _ts(value: float | None) -> str:
    return datetime.fromtimestamp(value).strftime("%Y-%m-%d %H:%M") if value else ""


# --- users -----------------------------------------------------------------------------------------
@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    clearance: Annotated[str, typer.Option(help=f"Highest access level the user may see: {', '.join(ACCESS_LEVELS)}.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    password: Annotated[bool, typer.Option("--password", help="Ask for a password for browser login.")] = False,
    token: Annotated[bool, typer.Option(help="Issue an API token at once.")] = True,
) -> None:
    """Add a user; by default also issue their first API token (printed once)."""
    users, audit = _open()
    secret = getpass.getpass(f"password for {username}: ") if password else None
    try:
        user = users.add_user(username, role, clearance, display_name=name, password=secret)
    except ValueError as exc:
        _fail(str(exc))
        return
    audit.append(_actor(), "user.add", username=user.username, role=user.role, clearance=user.clearance)
    console.print(f"added {escape(user.username)}: {user.role}, clearance {user.clearance}", highlight=False)
    if token:
        _issue(users, audit, user.username, "first token")


@users_app.command("list")
def users_list() -> None:
    """Users, their roles, clearance and active tokens."""
    users, _ = _open()
    table = Table("user", "name", "role", "clearance", "password", "active tokens", "disabled", "may")
    for u in users.users():
        active = sum(t.revoked is None for t in users.tokens(u.username))
        table.add_row(u.username, u.display_name, u.role, u.clearance, "yes" if u.has_password else "", str(active),
                      "yes" if u.disabled else "", " ".join(permissions(u.role)))  # fmt: skip
    console.print(table)


@users_app.command("set")
def users_set(
    username: str,
    role: Annotated[str | None, typer.Option(help="New role.")] = None,
    clearance: Annotated[str | None, typer.Option(help="New clearance.")] = None,
    disable: Annotated[bool | None, typer.Option("--disable/--enable", help="Disable (or enable) the user.")] = None,
) -> None:
    """Change a user's role or clearance, or disable them (their tokens and sessions stop working)."""
    users, audit = _open()
    try:
        user = users.update_user(username, role=role, clearance=clearance, disabled=disable)
    except ValueError as exc:
        _fail(str(exc))
        return
    audit.append(
        _actor(), "user.update", username=user.username, role=user.role, clearance=user.clearance, disabled=user.disabled
    )
    console.print(f"{escape(user.username)}: {user.role}, clearance {user.clearance}" + (", disabled" if user.disabled else ""))


@users_app.command("passwd")
def users_passwd(username: str) -> None:
    """Set a user's password for browser login (at least 8 characters; stored as scrypt); ends their sessions."""
    users, audit = _open()
    first = getpass.getpass("new password: ")
    if getpass.getpass("again: ") != first:
        _fail("the passwords differ")
    try:
        users.set_password(username, first)
    except ValueError as exc:
        _fail(str(exc))
    audit.append(_actor(), "user.password", username=username)
    console.print("password set")


# --- tokens ----------------------------------------------------------------------------------------
def _issue(users: UserStore, audit: AuditLog, username: str, label: str) -> None:
    token_id, token = users.issue_token(username, label)
    audit.append(_actor(), "token.issue", username=username, token_id=token_id, label=label)
    console.print(f"token {token_id} for {escape(username)} (shown once; give it to the user):", highlight=False)
    print(token)


@tokens_app.command("issue")
def tokens_issue(username: str, label: Annotated[str, typer.Option(help="What the token is for.")] = "") -> None:
    """Issue an API token (for `Authorization: Bearer`, Open WebUI, or browser login)."""
    users, audit = _open()
    try:
        _issue(users, audit, username, label)
    except ValueError as exc:
        _fail(str(exc))


@tokens_app.command("revoke")
def tokens_revoke(token_id: str) -> None:
    """Revoke a token by its id (the part before the dot); it and the sessions opened with it stop at once."""
    users, audit = _open()
    try:
        info = users.revoke_token(token_id)
    except ValueError as exc:
        _fail(str(exc))
        return
    audit.append(_actor(), "token.revoke", username=info.username, token_id=token_id)
    console.print(f"revoked {token_id} of {escape(info.username)}", highlight=False)


@tokens_app.command("list")
def tokens_list(username: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None) -> None:
    """Tokens by id (the secrets are not stored), with when they were made, last used or revoked."""
    users, _ = _open()
    table = Table("id", "user", "label", "created", "last used", "revoked")
    for t in users.tokens(username):
        table.add_row(t.token_id, t.username, t.label, _ts(t.created), _ts(t.last_used), _ts(t.revoked))
    console.print(table)


# --- sessions --------------------------------------------------------------------------------------
@sessions_app.command("list")
def sessions_list(username: Annotated[str | None, typer.Argument(help="Only this user's sessions.")] = None) -> None:
    """Open browser sessions: id, user, opened, expires, and the token they were opened with (or password)."""
    users, _ = _open()
    table = Table("id", "user", "opened", "expires", "token (or password)")
    for x in users.sessions(username):
        table.add_row(x.session_id, x.username, _ts(x.created), _ts(x.expires), x.token_id or "password")
    console.print(table)


@sessions_app.command("end")
def sessions_end(
    username: str, session: Annotated[str | None, typer.Option("--id", help="Only this session (an id from `list`).")] = None
) -> None:
    """End a user's browser sessions (all, or one with --id); their next request is asked to log in again."""
    users, audit = _open()
    try:
        ended = users.end_sessions(username, session)
    except ValueError as exc:
        _fail(str(exc))
        return
    audit.append(_actor(), "session.end", username=username, session=session, ended=ended)
    console.print(f"ended {ended} session(s) of {escape(username)}", highlight=False)


# --- audit -----------------------------------------------------------------------------------------
@audit_app.command("verify")
def audit_verify() -> None:
    """Check the hash chain and the head; exit 1 on any edit, insertion, deletion, reordering or truncation."""
    _, audit = _open()
    result = audit.verify()
    for problem in result.problems:
        err.print(f"[red]✗ {escape(problem)}[/]", highlight=False)
    if not result.ok:
        raise typer.Exit(1)
    console.print(f"[green]✓[/] {result.entries} entries, chain and head intact", highlight=False)
    console.print(f"head: {result.entries} {result.last_hash}  (keep a copy elsewhere to detect a rewrite of the whole log)")


_REFUSALS = {"refused", "refused.suppressed", "login.failed", "login.refused"}


@audit_app.command("show")
def audit_show(
    last: Annotated[int, typer.Option(help="Only the last N entries (0: all).")] = 50,
    actor: Annotated[str | None, typer.Option(help="Only this actor.")] = None,
    action: Annotated[str | None, typer.Option(help="Only actions starting with this, e.g. ask, document., login.")] = None,
    refused: Annotated[bool, typer.Option("--refused", help="Only refusals: refused requests, failed logins.")] = False,
    status: Annotated[int | None, typer.Option(help="Only refusals with this HTTP status, e.g. 403.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON entry per line.")] = False,
) -> None:
    """List audit entries: time, actor, action and details."""
    _, audit = _open()
    rows = [
        e for e in audit.entries()
        if (actor is None or e.get("actor") == actor) and (action is None or str(e.get("action", "")).startswith(action))
        and (not refused or e.get("action") in _REFUSALS) and (status is None or e.get("details", {}).get("status") == status)
    ]  # fmt: skip
    if last:
        rows = rows[-last:]
    for e in rows:
        if as_json:
            print(json.dumps(e, ensure_ascii=False))
            continue
        details = json.dumps(e.get("details", {}), ensure_ascii=False)
        console.print(f"{e.get('seq'):>6} {e.get('time')} {escape(str(e.get('actor')))} {e.get('action')} {escape(details)}",
                      highlight=False, soft_wrap=True)  # fmt: skip
