"""Case is ignored in every script, on SQLite as on PostgreSQL: user names ("Émile" and "émile" are one name,
"ÉMILE" signs in) and the queue's search ("ÉMILE" finds "émile", "ЖИДЫ" finds "жиды")."""
from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from modsvc.cli import cli
from modsvc.models import User
from web.conftest import PASSWORD, sign_in
from web.seeding import add_comment, add_thread
from web.test_ui_queue import item_ids


def test_user_names_differ_by_case_in_no_script(app, db):
    runner = CliRunner()
    assert runner.invoke(cli, ["users", "create", "Émile", "--role", "moderator"], input=PASSWORD + "\n").exit_code == 0
    for clash in ("émile", "ÉMILE"):
        result = runner.invoke(cli, ["users", "create", clash, "--role", "admin"], input=PASSWORD + "\n")
        assert result.exit_code == 2 and "already exists" in result.output
    db.expire_all()
    assert list(db.scalars(select(User.username))) == ["Émile"]
    assert sign_in(app.test_client(), "ÉMILE", PASSWORD).status_code == 302
    assert sign_in(app.test_client(), "émile", PASSWORD).status_code == 302


def test_the_database_itself_refuses_a_name_that_differs_by_non_ascii_case(db):
    from sqlalchemy.exc import IntegrityError

    db.add(User(username="Ёжик", password_hash="x", role="admin", active=True))
    db.commit()
    db.add(User(username="ёжик", password_hash="x", role="admin", active=True))  # bypassing create_user
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_queue_search_ignores_case_beyond_ascii(db, reviewer):
    thread = add_thread(db, "news")
    emile = add_comment(db, thread, "émile zola would have said it better", scores={"toxicity": 0.9})
    russian = add_comment(db, thread, "Жиды правят миром", scores={"antisemitism": 0.9})
    add_comment(db, thread, "nothing to see here", scores={"toxicity": 0.8})
    db.commit()

    def shown(q: str) -> list[int]:
        return item_ids(reviewer.client.get("/queue", query_string={"tab": "all", "q": q}).get_data(as_text=True))

    assert shown("ÉMILE") == [emile.id]
    assert shown("Émile Zola") == [emile.id]
    assert shown("ЖИДЫ") == [russian.id]
    assert shown("жиды") == [russian.id]


def test_upgrading_an_sqlite_database_rebuilds_the_name_index(tmp_path):
    """Names stored while SQLite folded only ASCII: the index is rebuilt, a name that now clashes is renamed
    (the oldest account keeps its name) and "ÉMILE" finds "Émile"."""
    from modsvc import migrations
    from modsvc.access.accounts import find_user
    from modsvc.db import get_sessionmaker

    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrations.upgrade(url, "9a7c3e1f5b20")
    with sqlite3.connect(tmp_path / "old.db") as plain:  # SQLite's own ASCII-only lower(), as before
        for name in ("Émile", "émile", "carol"):
            plain.execute("INSERT INTO users (username, password_hash, role, active, created_at) "
                          "VALUES (?, 'h', 'admin', 1, CURRENT_TIMESTAMP)", (name,))
    migrations.upgrade(url)
    with get_sessionmaker(url)() as session:
        names = list(session.scalars(select(User.username).order_by(User.id)))
        assert names[0] == "Émile" and names[1].startswith("émile-") and names[2] == "carol"
        assert find_user(session, "ÉMILE").username == "Émile"
