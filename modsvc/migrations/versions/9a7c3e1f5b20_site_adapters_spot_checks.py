"""site adapters and spot checks

Revision ID: 9a7c3e1f5b20
Revises: 5e8b0c2d4a61
Create Date: 2026-12-03 06:00:00

New tables ``site_adapters`` (each fit of a site's adapter, its parameters and figures), ``spot_checks`` (allowed
comments drawn for a human look) and ``site_adaptation_settings`` (per-site spot-check share), and a nullable
``comment_scores.adapted`` column (the adapter's verdict beside the base result). Plain create_table / add_column:
nothing is rebuilt.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '9a7c3e1f5b20'
down_revision: Union[str, None] = '5e8b0c2d4a61'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'site_adapters',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('site_id', sa.Integer(), sa.ForeignKey('sites.id', ondelete='CASCADE'), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('base_model_version', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('decisions', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('deployed_at', sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint('site_id', 'version', name='uq_site_adapter_version'),
    )
    op.create_index('ix_site_adapters_site_id', 'site_adapters', ['site_id'])
    op.create_table(
        'spot_checks',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('comment_id', sa.Integer(), sa.ForeignKey('comments.id', ondelete='CASCADE'), nullable=False,
                  unique=True),
        sa.Column('site_id', sa.Integer(), sa.ForeignKey('sites.id', ondelete='CASCADE'), nullable=False),
        sa.Column('share', sa.Float(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_spot_checks_site_id', 'spot_checks', ['site_id'])
    op.create_table(
        'site_adaptation_settings',
        sa.Column('site_id', sa.Integer(), sa.ForeignKey('sites.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('spot_check_share', sa.Float(), nullable=False),
    )
    op.add_column('comment_scores', sa.Column('adapted', sa.JSON(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':  # in place (SQLite >= 3.35), no table rebuild
        op.execute('ALTER TABLE comment_scores DROP COLUMN adapted')
    else:
        op.drop_column('comment_scores', 'adapted')
    op.drop_table('site_adaptation_settings')
    op.drop_index('ix_spot_checks_site_id', table_name='spot_checks')
    op.drop_table('spot_checks')
    op.drop_index('ix_site_adapters_site_id', table_name='site_adapters')
    op.drop_table('site_adapters')
