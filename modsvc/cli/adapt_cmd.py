"""``modsvc models adapt|adapters|rollback|thresholds``: per-site adapters taught by the reviewers' decisions."""
from __future__ import annotations

import json

import click

from ..config import load_settings


def _sessions():
    from ..db import get_sessionmaker

    return get_sessionmaker(load_settings().database_url)


def _fatal(exc: Exception):
    from . import FatalError

    return FatalError(str(exc))


def register(models: click.Group) -> None:
    @models.command("adapt")
    @click.option("--site", "site_key", help="Only this site (default: every site).")
    @click.option("--json", "as_json", is_flag=True, help="One JSON object per site.")
    def adapt(site_key: str | None, as_json: bool) -> None:
        """Fit each site's adapter from its reviewers' decisions (MODSVC_ADAPT_MIN_DECISIONS needed) and deploy
        it if it beats the base model on the newest decisions; otherwise keep the base and say why."""
        from ..adaptation.service import AdaptationError, fit_all, fit_site

        sessions = _sessions()
        try:
            outcomes = [fit_site(sessions, site_key, actor="cli")] if site_key else fit_all(sessions)
        except AdaptationError as exc:
            raise _fatal(exc) from exc
        for o in outcomes:
            if as_json:
                click.echo(json.dumps({"site": o.site, "adapter": o.row.name if o.row else None,
                                       "deployed": o.report.deploy, "reason": o.report.reason,
                                       "figures": o.report.figures, "rerouted": o.rerouted}))
            else:
                name = o.row.name if o.row else "no adapter"
                click.echo(f"{o.site}: {name}: {o.report.reason}"
                           + (f" ({o.rerouted} waiting comments re-routed)" if o.rerouted else ""))

    @models.command("adapters")
    @click.option("--site", "site_key", required=True)
    def adapters(site_key: str) -> None:
        """List the site's adapters with their held-out figures; * marks the active one."""
        from ..adaptation.service import AdaptationError, adapters_of, site_by_key

        with _sessions()() as session:
            try:
                site = site_by_key(session, site_key)
            except AdaptationError as exc:
                raise _fatal(exc) from exc
            rows = adapters_of(session, site.id)
            if not any(r.active for r in rows):
                click.echo("* base model (no adapter active)")
            for r in rows:
                f = r.figures or {}
                base, mine = f.get("base", {}), f.get("adapter", {})
                click.echo(f"{'*' if r.active else ' '} v{r.version} {r.name} {r.status} {r.decisions} decisions; "
                           f"held-out F1 base {base.get('f1', 0):.2f} adapter {mine.get('f1', 0):.2f}, precision "
                           f"{mine.get('precision', 0):.2f} vs the base's "
                           f"{f.get('base_precision_at_adapter_recall', 0):.2f} at recall {mine.get('recall', 0):.2f}; "
                           f"{r.created_at:%Y-%m-%d %H:%M}")

    @models.command("rollback")
    @click.option("--site", "site_key", required=True)
    @click.option("--to", "version", type=int, help="Adapter version to make active.")
    @click.option("--base", "to_base", is_flag=True, help="No adapter: the base model decides.")
    def rollback(site_key: str, version: int | None, to_base: bool) -> None:
        """Make an earlier adapter (--to N) or the base model (--base) the site's active one."""
        from ..adaptation.service import AdaptationError, roll_back

        if (version is None) == (not to_base):
            raise click.UsageError("give exactly one of --to N or --base")
        try:
            moved = roll_back(_sessions(), site_key, None if to_base else version, actor="cli")
        except AdaptationError as exc:
            raise _fatal(exc) from exc
        click.echo(f"{site_key}: {'the base model' if to_base else f'adapter v{version}'} is active; "
                   f"{moved} waiting comments re-routed")

    @models.command("thresholds")
    @click.option("--site", "site_key", required=True)
    @click.option("--precision", type=click.FloatRange(0.05, 1.0), default=0.6, show_default=True,
                  help="Target precision of review.")
    @click.option("--hold-precision", type=click.FloatRange(0.05, 1.0), default=0.9, show_default=True)
    @click.option("--accept", is_flag=True, help="Write the suggestions into the site's policy.")
    def thresholds(site_key: str, precision: float, hold_precision: float, accept: bool) -> None:
        """Suggest per-label review / hold thresholds that reach a target precision on the site's decisions."""
        from ..adaptation.service import AdaptationError, accept_thresholds, site_by_key, threshold_suggestions

        with _sessions()() as session:
            try:
                site = site_by_key(session, site_key)
            except AdaptationError as exc:
                raise _fatal(exc) from exc
            suggestions = threshold_suggestions(session, site.id, precision, hold_precision)
            if not suggestions:
                click.echo("no suggestion: too few rejected comments per label so far")
            for s in suggestions:
                click.echo(f"{s.label}: review {s.review} (precision {s.review_precision}, recall {s.review_recall}),"
                           f" hold {s.hold} (precision {s.hold_precision}); {s.positives} rejected")
            if accept and suggestions:
                accept_thresholds(session, site, suggestions, actor="cli")
                session.commit()
                click.echo(f"accepted into {site.key}'s policy")

    @models.command("spot-checks")
    @click.option("--site", "site_key", required=True)
    @click.option("--share", type=click.FloatRange(0.0, 1.0), help="Set the share of allowed comments to spot-check.")
    def spot_checks(site_key: str, share: float | None) -> None:
        """The site's spot-check share and what its spot checks measured: the miss rate per label (90% intervals)."""
        from ..adaptation.service import AdaptationError, miss_rates, set_spot_check_share, site_by_key, spot_check_share

        with _sessions()() as session:
            try:
                site = site_by_key(session, site_key)
            except AdaptationError as exc:
                raise _fatal(exc) from exc
            if share is not None:
                set_spot_check_share(session, site.id, share)
                session.commit()
            click.echo(f"{site.key}: {spot_check_share(session, site.id):.1%} of allowed comments are spot-checked")
            for label, m in miss_rates(session, site.id).items():
                if label != "all" and not m.harmful:
                    continue
                if m.miss_rate is None:
                    click.echo(f"{label}: {m.checked} spot checks decided, no estimate yet")
                    continue
                lo, hi = m.miss_rate_interval
                click.echo(f"{label}: miss rate {m.miss_rate:.1%} (90% interval {lo:.1%}-{hi:.1%}); "
                           f"{m.harmful} of {m.checked} spot checks harmful, {m.allowed} allowed, {m.caught} caught")
