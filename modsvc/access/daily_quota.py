"""API-key daily quotas counted in the database: the embedded mode's store (no Redis), so a restart forgets nothing.

One row per key and UTC day, incremented with a single INSERT ... ON CONFLICT DO UPDATE ... RETURNING: atomic on
PostgreSQL and on SQLite (3.35+), however many web processes or threads charge the same key at once.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..models import ApiKeyDailyUsage


def charge(session: Session, key_id: int, day: date, amount: int = 1) -> int:
    """Add ``amount`` requests to the key's count for ``day``; returns the new count (the caller commits)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(ApiKeyDailyUsage).values(api_key_id=key_id, day=day, requests=amount)
    stmt = stmt.on_conflict_do_update(
        index_elements=[ApiKeyDailyUsage.api_key_id, ApiKeyDailyUsage.day],
        set_={"requests": ApiKeyDailyUsage.requests + stmt.excluded.requests},
    ).returning(ApiKeyDailyUsage.requests)
    used = session.execute(stmt).scalar_one()
    if used == amount:  # the key's first request today: yesterday's rows and older serve no quota any more
        session.execute(delete(ApiKeyDailyUsage).where(ApiKeyDailyUsage.api_key_id == key_id,
                                                       ApiKeyDailyUsage.day < day - timedelta(days=1)))
    return used


def used_on(session: Session, key_id: int, day: date) -> int:
    return session.scalar(select(ApiKeyDailyUsage.requests).where(ApiKeyDailyUsage.api_key_id == key_id,
                                                                   ApiKeyDailyUsage.day == day)) or 0
