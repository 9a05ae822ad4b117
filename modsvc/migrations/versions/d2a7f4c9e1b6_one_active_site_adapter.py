"""at most one active adapter per site

Revision ID: d2a7f4c9e1b6
Revises: c6f1a9d2e8b4
Create Date: 2026-12-03 14:45:00

A partial unique index ``uq_site_adapters_one_active`` on ``site_adapters (site_id) WHERE active`` (SQLite and
PostgreSQL both have partial indexes): the database refuses a second active adapter for a site. Two simultaneous
refits could leave two active before refits took turns; of those, the most recently deployed one stays active and
the others are retired, with a warning naming them. Nothing is deleted and no table is rebuilt.
"""
import logging
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'd2a7f4c9e1b6'
down_revision: Union[str, None] = 'c6f1a9d2e8b4'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

log = logging.getLogger(__name__)


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, site_id, name FROM site_adapters WHERE active "
        "ORDER BY site_id, deployed_at DESC NULLS LAST, version DESC")).all()
    kept: dict[int, str] = {}  # site id -> the adapter that stays active
    for adapter_id, site_id, name in rows:
        if site_id not in kept:
            kept[site_id] = name
            continue
        conn.execute(sa.text("UPDATE site_adapters SET active = :no, status = 'retired' WHERE id = :id"),
                     {"no": False, "id": adapter_id})
        log.warning("site %d had more than one active adapter: %s retired, %s stays active",
                    site_id, name, kept[site_id])
    op.create_index('uq_site_adapters_one_active', 'site_adapters', ['site_id'], unique=True,
                    sqlite_where=sa.text('active'), postgresql_where=sa.text('active'))


def downgrade() -> None:
    op.drop_index('uq_site_adapters_one_active', table_name='site_adapters')
