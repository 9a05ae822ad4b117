"""comment language

Revision ID: 5e8b0c2d4a61
Revises: b5d8e2f4a6c1
Create Date: 2026-12-02 17:00:00

``comments.language``: the comment's language as the analysis identified it when it was scored (ISO 639-1,
ISO 639-3 for languages without a two-letter code, ``und`` when the text does not tell), or the language a
client gave with it; NULL until scored. Indexed for the review queue's language filter. Self-contained: only
adds a column and an index.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '5e8b0c2d4a61'
down_revision: Union[str, None] = 'b5d8e2f4a6c1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('comments', sa.Column('language', sa.String(length=16), nullable=True))
    op.create_index('ix_comments_language', 'comments', ['language'])


def downgrade() -> None:
    op.drop_index('ix_comments_language', table_name='comments')
    if op.get_bind().dialect.name == 'sqlite':  # in place (SQLite >= 3.35): a batch rebuild would cascade
        op.execute('ALTER TABLE comments DROP COLUMN language')  # into the audit log's comment links
    else:
        op.drop_column('comments', 'language')
