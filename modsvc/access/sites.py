"""Sites (tenants): a race-free get-or-create by key, and the reach of a site-bound API key.

``SiteScope`` is the one place that knows what a key bound to a site may see and write: every API view asks it
for the site to use (``site_for``) and narrows its queries with it (``visible`` / ``get``), rather than each view
filtering on its own.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..db import insert_ignoring_conflicts
from ..models import Comment, ImportJob, Site, Thread


def get_or_create_site_id(session: Session, key: str) -> int:
    """The id of site ``key``, created if new. Two transactions creating the same site both get its one row:
    the loser's insert does nothing (PostgreSQL waits for the winner's commit; SQLite's writers take turns)."""
    site_id = session.scalar(select(Site.id).where(Site.key == key))
    if site_id is None:
        session.execute(insert_ignoring_conflicts(session, Site).values(key=key, name=key))
        site_id = session.scalar(select(Site.id).where(Site.key == key))
    return site_id


class SiteForbidden(Exception):
    """A site-bound key named another site (the API answers 403)."""


@dataclass(frozen=True, slots=True)
class SiteScope:
    """What an API key reaches: the one site it is bound to, or every site (``site_id`` None)."""

    site_id: int | None = None
    site_key: str | None = None

    @property
    def bound(self) -> bool:
        return self.site_id is not None

    def site_for(self, requested: str | None, default: str = "default") -> str:
        """The site a request reads or writes: the one it names (a bound key may name only its own) or the
        default (a bound key's own site)."""
        requested = (requested or "").strip() or None
        if not self.bound:
            return requested or default
        if requested is not None and requested != self.site_key:
            raise SiteForbidden(f"this API key belongs to site {self.site_key!r}; it cannot reach site "
                                f"{requested!r}")
        return self.site_key

    def visible(self, query: Select, entity: type) -> Select:
        """``query`` narrowed to the rows of ``entity`` (Site, Thread, Comment or ImportJob) in reach."""
        if not self.bound:
            return query
        if entity is Site:
            return query.where(Site.id == self.site_id)
        if entity is Thread:
            return query.where(Thread.site_id == self.site_id)
        if entity is Comment:
            return query.where(Comment.thread_id.in_(select(Thread.id).where(Thread.site_id == self.site_id)))
        if entity is ImportJob:
            return query.where(ImportJob.site_key == self.site_key)
        raise TypeError(f"no site scope for {entity!r}")

    def get(self, session: Session, entity: type, row_id: int):
        """The row of ``entity`` with this id if it is in reach, else None (the API answers 404 either way)."""
        return session.scalar(self.visible(select(entity).where(entity.id == row_id), entity))
