"""moderation queue indexes

Revision ID: 446cd5381cfa
Revises: 0001
Create Date: 2026-11-25 00:21:32.652403
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '446cd5381cfa'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Queue pages sort by priority DESC, id ASC; a mixed-direction index lets both SQLite and PostgreSQL
    # walk it in order and stop after one page (the 0001 index only serves priority ASC or fully reversed).
    op.create_index('ix_comments_review_order', 'comments', ['status', sa.text('priority DESC'), 'id'])
    op.create_index('ix_comments_priority_order', 'comments', [sa.text('priority DESC'), 'id'])
    op.create_index('ix_comments_created', 'comments', ['created_at'])


def downgrade() -> None:
    op.drop_index('ix_comments_created', table_name='comments')
    op.drop_index('ix_comments_priority_order', table_name='comments')
    op.drop_index('ix_comments_review_order', table_name='comments')
