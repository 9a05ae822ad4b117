"""Sites (tenants): a race-free get-or-create by key."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import insert_ignoring_conflicts
from .models import Site


def get_or_create_site_id(session: Session, key: str) -> int:
    """The id of site ``key``, created if new. Two transactions creating the same site both get its one row:
    the loser's insert does nothing (PostgreSQL waits for the winner's commit; SQLite's writers take turns)."""
    site_id = session.scalar(select(Site.id).where(Site.key == key))
    if site_id is None:
        session.execute(insert_ignoring_conflicts(session, Site).values(key=key, name=key))
        site_id = session.scalar(select(Site.id).where(Site.key == key))
    return site_id
