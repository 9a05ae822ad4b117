"""import jobs: leases, retry attempts, the uploader's key and original file name

Revision ID: b5d2e8f41c07
Revises: e4a19c2b7d60
Create Date: 2026-12-02 16:30:00

Import jobs survive a crash (a lease the running process renews; an expired one is taken over),
retry transient errors (attempts, next_attempt_at), count against the uploading API key's limit of
waiting imports (api_key_id), and keep the client's file name for display (original_filename).
Running jobs left by an older version have no lease, which the new code treats as expired: they resume.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'b5d2e8f41c07'
down_revision: Union[str, None] = 'e4a19c2b7d60'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('import_jobs') as batch:
        batch.add_column(sa.Column('original_filename', sa.String(length=255), nullable=True))
        batch.add_column(sa.Column('api_key_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('lease_owner', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key('fk_import_jobs_api_key_id_api_keys', 'api_keys', ['api_key_id'], ['id'],
                                 ondelete='SET NULL')
        batch.create_index('ix_import_jobs_status', ['status', 'api_key_id'])


def downgrade() -> None:
    with op.batch_alter_table('import_jobs') as batch:
        batch.drop_index('ix_import_jobs_status')
        batch.drop_constraint('fk_import_jobs_api_key_id_api_keys', type_='foreignkey')
        for column in ('lease_expires_at', 'lease_owner', 'next_attempt_at', 'attempts', 'api_key_id',
                       'original_filename'):
            batch.drop_column(column)
