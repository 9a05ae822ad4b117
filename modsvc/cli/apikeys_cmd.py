"""``modsvc api-keys``: create, list and revoke the keys that other platforms use to call the API."""
from __future__ import annotations

import click

from ..config import load_settings
from .exits import FatalError


def _session():
    from ..db import get_sessionmaker

    return get_sessionmaker(load_settings().database_url)()


@click.group("api-keys")
def api_keys() -> None:
    """API keys for the scoring API (Perspective-compatible, /api/v1, Coral). Only their hash is stored."""


@api_keys.command("create")
@click.argument("name")
@click.option("--site", "site_key", help="Site key: the site's policy applies, stored comments go to it.")
@click.option("--rate-limit", help="e.g. '20/second' or '600/minute' (default: MODSVC_API_RATE_LIMIT, 50/second).")
@click.option("--daily-quota", type=click.IntRange(min=1), help="Requests per UTC day; none by default.")
def create(name: str, site_key: str | None, rate_limit: str | None, daily_quota: int | None) -> None:
    """Create a key named NAME. The key is printed once, alone on the last line: store it now."""
    from ..access.apikeys import ApiKeyError, create_api_key

    with _session() as session:
        try:
            row, plaintext = create_api_key(session, name, site_key, rate_limit, daily_quota)
            session.commit()
        except ApiKeyError as exc:
            raise FatalError(str(exc)) from exc
        click.echo(f"created API key {row.id} '{row.name}' (prefix {row.prefix})"
                   + (f" for site {site_key}" if site_key else "")
                   + f", rate limit {row.rate_limit or 'default'}"
                   + (f", daily quota {row.daily_quota}" if row.daily_quota else "")
                   + ". It is shown only now:", err=True)
    click.echo(plaintext)


@api_keys.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include revoked keys.")
def list_keys(show_all: bool) -> None:
    """Keys with id, prefix, name, site, limits, last use (never the key itself)."""
    from sqlalchemy import select

    from ..access.apikeys import format_time
    from ..models import ApiKey, Site

    with _session() as session:
        query = select(ApiKey, Site.key).outerjoin(Site, Site.id == ApiKey.site_id).order_by(ApiKey.id)
        if not show_all:
            query = query.where(ApiKey.revoked_at.is_(None))
        rows = session.execute(query).all()
        click.echo(f"{'ID':>4}  {'PREFIX':<12}  {'NAME':<24}  {'SITE':<16}  {'RATE LIMIT':<14}  {'QUOTA/DAY':>9}  "
                   f"{'LAST USED':<16}  STATUS")
        for key, site in rows:
            click.echo(f"{key.id:>4}  {key.prefix:<12}  {key.name[:24]:<24}  {(site or '-')[:16]:<16}  "
                       f"{(key.rate_limit or 'default')[:14]:<14}  {key.daily_quota or '-':>9}  "
                       f"{format_time(key.last_used_at):<16}  "
                       f"{'revoked ' + format_time(key.revoked_at) if key.revoked_at else 'active'}")


@api_keys.command("revoke")
@click.argument("ident")
def revoke(ident: str) -> None:
    """Revoke the key with id or prefix IDENT (takes effect within 2 seconds)."""
    from ..access.apikeys import ApiKeyError, revoke_api_key

    with _session() as session:
        try:
            row = revoke_api_key(session, ident)
            session.commit()
        except ApiKeyError as exc:
            raise FatalError(str(exc)) from exc
        click.echo(f"revoked API key {row.id} '{row.name}' ({row.prefix})")
