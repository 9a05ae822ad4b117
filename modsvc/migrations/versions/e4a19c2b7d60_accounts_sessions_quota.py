"""accounts hardening: reviewer sessions, case-insensitive user names, API-key daily usage

Revision ID: e4a19c2b7d60
Revises: 7c1e2f9a0b3d
Create Date: 2026-12-02 16:20:00

* ``user_sessions``: the server-side identity behind each sign-in cookie (logout, password changes and disabling
  revoke it; idle and absolute lifetimes).
* ``api_key_daily_usage``: per key and UTC day, so daily quotas survive a restart when no Redis is configured.
* ``uq_users_username_lower``: user names unique regardless of case. Existing names that clash by case keep the
  oldest account's name; each later one is renamed ``<name>-<id>`` (nothing is deleted) and a warning names it.
"""
import logging
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'e4a19c2b7d60'
down_revision: Union[str, None] = '7c1e2f9a0b3d'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

log = logging.getLogger(__name__)


def upgrade() -> None:
    op.create_table(
        'user_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('address', sa.String(length=100), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('end_reason', sa.String(length=50), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_user_sessions_created_at', 'user_sessions', ['created_at'])
    op.create_index('ix_user_sessions_user_address', 'user_sessions', ['user_id', 'address'])

    op.create_table(
        'api_key_daily_usage',
        sa.Column('api_key_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('requests', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('api_key_id', 'day'),
    )

    _rename_names_that_clash_by_case()
    # An expression index: plain CREATE INDEX on both SQLite and PostgreSQL, no table rebuild.
    op.create_index('uq_users_username_lower', 'users', [sa.text('lower(username)')], unique=True)


def _rename_names_that_clash_by_case() -> None:
    """Folded with the database's own lower(), the function the new index uses, so the index can be built."""
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, username, lower(username) FROM users ORDER BY id")).all()
    taken = {folded for _id, _name, folded in rows}
    first_with: dict[str, str] = {}  # folded name -> the oldest account's name
    for user_id, name, folded in rows:
        if folded not in first_with:
            first_with[folded] = name
            continue
        suffix = f"-{user_id}"
        new_name = name[:100 - len(suffix)] + suffix
        new_folded = conn.execute(sa.text("SELECT lower(:n)"), {"n": new_name}).scalar_one()
        while new_folded in taken:
            suffix += "x"
            new_name = name[:100 - len(suffix)] + suffix
            new_folded = conn.execute(sa.text("SELECT lower(:n)"), {"n": new_name}).scalar_one()
        conn.execute(sa.text("UPDATE users SET username = :n WHERE id = :id"), {"n": new_name, "id": user_id})
        taken.add(new_folded)
        first_with[new_folded] = new_name
        log.warning("user names are now case-insensitive: user %r (id %d) renamed to %r, as it clashes with the "
                    "older account %r", name, user_id, new_name, first_with[folded])


def downgrade() -> None:
    op.drop_index('uq_users_username_lower', table_name='users')
    op.drop_table('api_key_daily_usage')
    op.drop_index('ix_user_sessions_user_address', table_name='user_sessions')
    op.drop_index('ix_user_sessions_created_at', table_name='user_sessions')
    op.drop_table('user_sessions')
