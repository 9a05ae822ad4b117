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


COLUMNS = ('original_filename', 'api_key_id', 'attempts', 'next_attempt_at', 'lease_owner', 'lease_expires_at')


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch rebuild: on SQLite a rebuild drops and re-creates import_jobs, and with
    # foreign keys on, that cascades into import_rejections and deletes every row of it.
    sqlite = op.get_bind().dialect.name == 'sqlite'
    op.add_column('import_jobs', sa.Column('original_filename', sa.String(length=255), nullable=True))
    # SQLite can add a column with an inline REFERENCES clause (its default is NULL); PostgreSQL gets a named one
    if sqlite:
        op.execute('ALTER TABLE import_jobs ADD COLUMN api_key_id INTEGER REFERENCES api_keys (id) ON DELETE SET NULL')
    else:
        op.add_column('import_jobs', sa.Column('api_key_id', sa.Integer(), nullable=True))
    op.add_column('import_jobs', sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
    op.add_column('import_jobs', sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('import_jobs', sa.Column('lease_owner', sa.String(length=200), nullable=True))
    op.add_column('import_jobs', sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True))
    if not sqlite:
        op.create_foreign_key('fk_import_jobs_api_key_id_api_keys', 'import_jobs', 'api_keys', ['api_key_id'],
                              ['id'], ondelete='SET NULL')
    op.create_index('ix_import_jobs_status', 'import_jobs', ['status', 'api_key_id'])


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    op.drop_index('ix_import_jobs_status', table_name='import_jobs')
    if not sqlite:
        op.drop_constraint('fk_import_jobs_api_key_id_api_keys', 'import_jobs', type_='foreignkey')
    for column in reversed(COLUMNS):
        if sqlite:  # SQLite >= 3.35 drops a column in place (no rebuild, see upgrade)
            op.execute(f'ALTER TABLE import_jobs DROP COLUMN {column}')
        else:
            op.drop_column('import_jobs', column)
