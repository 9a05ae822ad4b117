"""One change of a site's adapters at a time: refits, roll-backs and re-routing of one site take turns, so each
reads the versions and the active adapter the one before it left, not a view it is about to overwrite."""
from __future__ import annotations

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from ..db import is_postgres
from ..models import Site


def lock_site(session: Session, which: ColumnElement[bool]) -> Site | None:
    """Lock the site (``Site.key == ...`` or ``Site.id == ...``) until the session's transaction ends and return
    it (None: no such site). Call it first in the transaction, before anything is read.

    PostgreSQL: a lock on this site's row only, so other sites' refits go on. FOR NO KEY UPDATE, not FOR UPDATE:
    inserts that reference the site (threads, adapters) take KEY SHARE on its row, which FOR UPDATE would block.
    SQLite has no row locks and lets one writer at a time into the whole file, but a transaction becomes a writer
    only at its first write, after its reads. So the first statement here is a write (the key set to itself): it
    waits for the write lock, and whatever is read after it is what the previous writer committed."""
    if not is_postgres(session):
        session.execute(update(Site).where(which).values(key=Site.key))
    return session.scalar(select(Site).where(which).with_for_update(key_share=True))  # SQLite: a plain SELECT
