"""One change of a site's adapters at a time: refits, roll-backs and re-routing of one site take turns, so each
reads the versions and the active adapter the one before it left, not a view it is about to overwrite."""
from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from ..db import lock_row
from ..models import Site


def lock_site(session: Session, which: ColumnElement[bool]) -> Site | None:
    """Lock the site (``Site.key == ...`` or ``Site.id == ...``) until the session's transaction ends and return
    it (None: no such site); ``db.lock_row`` says how. Other sites' refits go on meanwhile on PostgreSQL."""
    return lock_row(session, Site, which, Site.key)
