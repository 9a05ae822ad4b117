"""Password policy (common and breached passwords refused) and user names unique regardless of case:
in the CLI, the admin pages and the database itself, including databases created before the rule."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from modsvc.cli import cli
from modsvc.models import User
from web.conftest import PASSWORD, sign_in

COMMON = ["password", "12345678", "qwertyuiop", "Password1!", "iloveyou2024"]


def _users(db) -> list[str]:
    db.expire_all()
    return sorted(db.scalars(select(User.username)))


@pytest.mark.parametrize("weak", COMMON)
def test_cli_refuses_common_passwords(app, db, users, weak):
    runner = CliRunner()
    created = runner.invoke(cli, ["users", "create", "dora"], input=weak + "\n")
    assert created.exit_code == 2
    assert "too easy to guess" in created.output
    assert "dora" not in _users(db)
    changed = runner.invoke(cli, ["users", "set-password", "bob"], input=weak + "\n")
    assert changed.exit_code == 2 and "too easy to guess" in changed.output
    assert sign_in(app.test_client(), "bob", weak).status_code == 401
    assert sign_in(app.test_client(), "bob").status_code == 302  # the old password still works


def test_cli_refuses_a_password_made_of_the_user_name(db, users):
    result = CliRunner().invoke(cli, ["users", "create", "margarethe"], input="margarethe2024\n")
    assert result.exit_code == 2 and "too easy to guess" in result.output


def test_cli_accepts_a_strong_password(app, db, users):
    result = CliRunner().invoke(cli, ["users", "create", "dora"], input="plum kettle orbit sonnet\n")
    assert result.exit_code == 0, result.output
    assert sign_in(app.test_client(), "dora", "plum kettle orbit sonnet").status_code == 302


def test_admin_pages_refuse_common_passwords(app, db, admin):
    create = admin.client.post("/admin/users", data={"csrf_token": admin.token, "username": "dora", "role": "moderator",
                                                     "password": "password", "password2": "password"},
                               follow_redirects=True)
    assert "too easy to guess" in create.get_data(as_text=True)
    assert "dora" not in _users(db)
    bob_id = db.scalar(select(User.id).where(User.username == "bob"))
    reset = admin.client.post(f"/admin/users/{bob_id}", data={"csrf_token": admin.token, "what": "password",
                                                              "password": "12345678"}, follow_redirects=True)
    assert "too easy to guess" in reset.get_data(as_text=True)
    assert sign_in(app.test_client(), "bob", "12345678").status_code == 401


def test_cli_refuses_a_name_that_differs_only_by_case(db, users):
    result = CliRunner().invoke(cli, ["users", "create", "ALICE", "--role", "admin"], input="plum kettle orbit sonnet\n")
    assert result.exit_code == 2
    assert "already exists" in result.output and "case" in result.output
    assert _users(db) == ["alice", "bob"]


def test_admin_page_refuses_a_name_that_differs_only_by_case(db, admin):
    page = admin.client.post("/admin/users", data={"csrf_token": admin.token, "username": "Bob", "role": "admin",
                                                   "password": "plum kettle orbit sonnet",
                                                   "password2": "plum kettle orbit sonnet"}, follow_redirects=True)
    assert "already exists" in page.get_data(as_text=True)
    assert _users(db) == ["alice", "bob"]


def test_database_refuses_a_name_that_differs_only_by_case(db, users):
    from sqlalchemy.exc import IntegrityError

    db.add(User(username="BOB", password_hash="x", role="admin", active=True))  # bypassing create_user
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_sign_in_name_is_not_case_sensitive(app, users):
    assert sign_in(app.test_client(), "Bob", PASSWORD).status_code == 302


@pytest.fixture(params=["sqlite", "postgres"])
def old_schema_url(request, tmp_path):
    """A database migrated only up to the revision before case-insensitive names."""
    import os

    from modsvc import migrations
    from pg_databases import _pg_available, create_pg_database, drop_pg_database

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        if not _pg_available():
            (pytest.fail if os.environ.get("CI") else pytest.skip)("PostgreSQL not reachable")
        url = create_pg_database()
    migrations.upgrade(url, "7c1e2f9a0b3d")
    yield url
    if request.param == "postgres":
        drop_pg_database(url)


def test_migration_renames_names_that_clash_by_case_and_keeps_every_account(old_schema_url):
    from sqlalchemy import text

    from modsvc import migrations
    from modsvc.db import get_engine

    engine = get_engine(old_schema_url)
    with engine.begin() as conn:
        for name in ("admin", "Admin", "ADMIN", "carol"):
            conn.execute(text("INSERT INTO users (username, password_hash, role, active, created_at) "
                              "VALUES (:n, 'h', 'admin', true, CURRENT_TIMESTAMP)"), {"n": name})
    migrations.upgrade(old_schema_url)
    with engine.connect() as conn:
        names = [row[0] for row in conn.execute(text("SELECT username FROM users ORDER BY id"))]
    assert names[0] == "admin" and names[3] == "carol"  # the oldest account keeps its name
    assert len({n.lower() for n in names}) == 4  # every account kept, none clashing any more
    assert all(n.lower().startswith("admin") for n in names[1:3])
    with engine.begin() as conn, pytest.raises(Exception):
        conn.execute(text("INSERT INTO users (username, password_hash, role, active, created_at) "
                          "VALUES ('CAROL', 'h', 'admin', true, CURRENT_TIMESTAMP)"))
