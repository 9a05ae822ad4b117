"""comment word search index (PostgreSQL)

Revision ID: 7c1e2f9a0b3d
Revises: 446cd5381cfa
Create Date: 2026-11-25 01:10:00

The review queue's text search uses PostgreSQL full-text search on PostgreSQL: a GIN index over
``to_tsvector('simple', body)`` ('simple': lower-cased words, no stemming, no stop words, any language).
Without it a search over a million comments reads the whole table (seconds); with it, milliseconds.
SQLite keeps its LIKE search and gets no index. Not declared in models.py because SQLite cannot express it.
"""
from typing import Sequence, Union

from alembic import op

revision: str = '7c1e2f9a0b3d'
down_revision: Union[str, None] = '446cd5381cfa'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX IF NOT EXISTS ix_comments_body_words ON comments "
                   "USING gin (to_tsvector('simple', body))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_comments_body_words")
