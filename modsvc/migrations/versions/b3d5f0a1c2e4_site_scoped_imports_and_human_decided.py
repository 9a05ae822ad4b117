"""site-locked import jobs, and comments a human has decided

Revision ID: b3d5f0a1c2e4
Revises: b5d2e8f41c07
Create Date: 2026-12-02 17:00:00

``import_jobs.site_locked``: a job uploaded with a site-bound API key rejects records naming another site.
``comments.human_decided``: once a human acted on a comment, scoring never sets its status again; filled in here
for every comment a reviewer already decided (an approve, reject, escalate or undo in the audit log).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'b3d5f0a1c2e4'
down_revision: Union[str, None] = 'b5d2e8f41c07'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Plain ADD COLUMN, not batch mode: a batch rebuild of a table drops it, and with SQLite's foreign keys on,
    # dropping ``comments`` would null every audit_log.comment_id (ON DELETE SET NULL) and dropping
    # ``import_jobs`` would delete every import_rejections row (ON DELETE CASCADE).
    op.add_column('import_jobs', sa.Column('site_locked', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('comments', sa.Column('human_decided', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(sa.text(
        "UPDATE comments SET human_decided = :yes WHERE id IN (SELECT comment_id FROM audit_log "
        "WHERE user_id IS NOT NULL AND action IN ('approve', 'reject', 'escalate', 'undo'))"
    ).bindparams(yes=True))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on both (SQLite 3.35+): no table rebuild, for the reason above.
    op.execute("ALTER TABLE comments DROP COLUMN human_decided")
    op.execute("ALTER TABLE import_jobs DROP COLUMN site_locked")
