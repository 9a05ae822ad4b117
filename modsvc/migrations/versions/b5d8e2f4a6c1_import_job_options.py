"""import job options (e.g. keep WordPress pingbacks)

Revision ID: b5d8e2f4a6c1
Revises: b3d5f0a1c2e4
Create Date: 2026-12-02 10:00:00

An upload's choices (``POST /api/v1/imports?keep_pingbacks=1``) must outlive the request, since the
import runs later in a worker: they are kept on the job as a small JSON object. NULL = the defaults.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'b5d8e2f4a6c1'
down_revision: Union[str, None] = 'b3d5f0a1c2e4'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # plain ADD COLUMN: a batch rebuild of import_jobs on SQLite would cascade into import_rejections
    op.add_column("import_jobs", sa.Column("options", sa.JSON(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # SQLite >= 3.35 drops a column in place, no rebuild
        op.execute("ALTER TABLE import_jobs DROP COLUMN options")
    else:
        op.drop_column("import_jobs", "options")
