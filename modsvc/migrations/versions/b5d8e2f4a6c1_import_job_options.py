"""import job options (e.g. keep WordPress pingbacks)

Revision ID: b5d8e2f4a6c1
Revises: 7c1e2f9a0b3d
Create Date: 2026-12-02 10:00:00

An upload's choices (``POST /api/v1/imports?keep_pingbacks=1``) must outlive the request, since the
import runs later in a worker: they are kept on the job as a small JSON object. NULL = the defaults.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'b5d8e2f4a6c1'
down_revision: Union[str, None] = '7c1e2f9a0b3d'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("import_jobs") as batch:
        batch.add_column(sa.Column("options", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("import_jobs") as batch:
        batch.drop_column("options")
