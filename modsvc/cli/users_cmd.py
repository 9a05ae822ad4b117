"""``modsvc users``: reviewer accounts for the moderation web UI."""
from __future__ import annotations

import sys

import click

from ..config import load_settings
from .exits import FatalError


def _sessions():
    from ..db import get_sessionmaker

    return get_sessionmaker(load_settings().database_url)


def _read_password(confirm: bool = True) -> str:
    """From standard input when it is not a terminal (scripts: `echo pw | modsvc users create ...`),
    else prompted twice without echo."""
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise FatalError("no password on standard input")
        return password
    return click.prompt("Password", hide_input=True, confirmation_prompt=confirm)


@click.group()
def users() -> None:
    """Manage reviewer accounts (admins manage users, sites and thresholds; moderators review)."""


@users.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "moderator"]), default="moderator", show_default=True)
def create(name: str, role: str) -> None:
    """Create user NAME (unique regardless of case). The password comes from standard input, or a prompt on a
    terminal; common and easily guessed passwords are refused."""
    from ..access.accounts import AccountError, create_user, find_user

    with _sessions()() as session:
        existing = find_user(session, name.strip())
        if existing is not None:
            raise FatalError(f"a user named {existing.username!r} already exists (user names are not "
                             f"case-sensitive; use `modsvc users set-password` to change a password)")
        password = _read_password()
        try:
            user = create_user(session, name, password, role)
            session.commit()
        except AccountError as exc:
            raise FatalError(str(exc)) from exc
        click.echo(f"created {user.role} {user.username}")


@users.command("list")
def list_users() -> None:
    """List users: name, role, state, last sign-in."""
    from sqlalchemy import select

    from ..models import User

    with _sessions()() as session:
        rows = session.scalars(select(User).order_by(User.username)).all()
    if not rows:
        click.echo("no users yet: create one with `modsvc users create NAME --role admin`", err=True)
        return
    width = max(len(u.username) for u in rows)
    for u in rows:
        last = u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "never"
        click.echo(f"{u.username:<{width}}  {u.role:<9}  {'active' if u.active else 'disabled':<8}  last sign-in {last}")


def _user_or_fail(session, name: str):
    from ..access.accounts import find_user

    user = find_user(session, name)
    if user is None:
        raise FatalError(f"no user named {name!r}")
    return user


@users.command("set-password")
@click.argument("name")
def set_password_cmd(name: str) -> None:
    """Set NAME's password (ends all their sessions). Common and easily guessed passwords are refused."""
    from ..access.accounts import AccountError, set_password

    with _sessions()() as session:
        user = _user_or_fail(session, name)
        try:
            set_password(user, _read_password())
        except AccountError as exc:
            raise FatalError(str(exc)) from exc
        session.commit()
    click.echo(f"password of {name} changed")


def _set_active(name: str, active: bool) -> None:
    from ..access.accounts import set_active

    with _sessions()() as session:
        set_active(_user_or_fail(session, name), active)
        session.commit()
    click.echo(f"{name} {'enabled' if active else 'disabled'}")


@users.command("disable")
@click.argument("name")
def disable(name: str) -> None:
    """Disable NAME: they can no longer sign in and their sessions end."""
    _set_active(name, False)


@users.command("enable")
@click.argument("name")
def enable(name: str) -> None:
    """Enable a disabled user again."""
    _set_active(name, True)
