"""SQLite: user names unique regardless of case in every script

Revision ID: c6f1a9d2e8b4
Revises: 9a7c3e1f5b20
Create Date: 2026-12-03 13:40:00

SQLite's built-in lower() folds only ASCII. modsvc now gives every SQLite connection a Unicode-aware lower()
(``modsvc/db.py``), so ``uq_users_username_lower``, built with the old one, is built again. Names that clash only
now ("Émile" and "émile") keep the oldest account's name; each later one is renamed ``<name>-<id>`` (nothing is
deleted) and a warning names it, as in e4a19c2b7d60. PostgreSQL's lower() folds Unicode already: nothing to do.
"""
import logging
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'c6f1a9d2e8b4'
down_revision: Union[str, None] = '9a7c3e1f5b20'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

log = logging.getLogger(__name__)


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != 'sqlite':
        return
    # Dropped first: its entries were computed by the old lower(), so updates through it could miss them.
    op.drop_index('uq_users_username_lower', table_name='users')
    rows = conn.execute(sa.text("SELECT id, username FROM users ORDER BY id")).all()
    taken = {name.lower() for _id, name in rows}
    first_with: dict[str, str] = {}  # folded name -> the oldest account's name
    for user_id, name in rows:
        folded = name.lower()
        if folded not in first_with:
            first_with[folded] = name
            continue
        suffix = f"-{user_id}"
        while (name[:100 - len(suffix)] + suffix).lower() in taken:
            suffix += "x"
        new_name = name[:100 - len(suffix)] + suffix
        conn.execute(sa.text("UPDATE users SET username = :n WHERE id = :id"), {"n": new_name, "id": user_id})
        taken.add(new_name.lower())
        first_with[new_name.lower()] = new_name
        log.warning("user names are now case-insensitive in every script: user %r (id %d) renamed to %r, as it "
                    "clashes with the older account %r", name, user_id, new_name, first_with[folded])
    op.create_index('uq_users_username_lower', 'users', [sa.text('lower(username)')], unique=True)


def downgrade() -> None:
    pass  # the index stays; a connection with SQLite's own lower() only folds less
