"""The review queue in the browser: tabs, filters, evidence, decisions, undo, bulk, audit log, dashboard."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta, timezone

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request,
                   stream_with_context, url_for)
from flask_login import current_user
from sqlalchemy import select

from ..analysis.language import LANGUAGE_NAMES, language_name
from ..moderation.export import csv_safe
from ..models import AuditLog, Site, User
from ..moderation.actions import (REJECT_REASONS, ActionError, Actor, Conflict, decide, decide_many, suggested_reason,
                                  undo, undo_last_of)
from ..moderation.queue import (DEFAULT_TAB, TABS, CountCache, QueueFilters, load_context, load_page, priority_band,
                                status_counts)
from ..moderation.stats import flags_per_day, label_agreement
from ..params import ParameterError, parse_int, require_int
from .admin_adaptation import queue_tabs, spot_count
from .auth import safe_next
from .charts import bar, line_chart
from .db_session import get_session
from .highlight import clean_spans, highlight, label_class, trope_title
from .request_json import request_json_object
from .params import query_int

bp = Blueprint("moderation", __name__, template_folder="templates", static_folder="static",
               static_url_path="/ui-static")

AUDIT_PAGE_SIZE = 50
AUDIT_ACTIONS = ("approve", "reject", "escalate", "undo", "reimport", "adapter_fit", "adapter_deploy",
                 "adapter_rollback", "thresholds")


def count_cache() -> CountCache:
    return current_app.extensions.setdefault("modsvc.queue_counts", CountCache())


def _actor() -> Actor:
    return Actor(user_id=current_user.user_id, username=current_user.username)


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _form() -> dict:
    return request_json_object() if request.is_json else request.form


@bp.app_template_global()
def reject_reasons():
    return REJECT_REASONS


bp.add_app_template_global(suggested_reason, "suggested_reason")


@bp.app_template_filter("band")
def _band(priority):
    return priority_band(priority)


@bp.app_template_filter("when")
def _when(value):
    if not value:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")


@bp.app_template_filter("safe_url")
def _safe_url(url):
    """Only http(s) links from imported data; a javascript: URL becomes no link at all."""
    return url if isinstance(url, str) and url.lower().startswith(("http://", "https://")) else None


bp.add_app_template_filter(language_name, "language_name")
bp.add_app_template_filter(label_class, "label_class")
bp.add_app_template_filter(trope_title, "trope_title")
bp.add_app_template_global(bar, "score_bar")


@bp.app_template_global()
def highlighted(item):
    spans = clean_spans(item.spans, len(item.comment.body or ""))
    return highlight(item.comment.body, spans), spans


@bp.get("/")
def home():
    return redirect(url_for("moderation.queue"))


@bp.get("/queue")
def queue():
    tab = request.args.get("tab", DEFAULT_TAB)
    filters = QueueFilters.from_args(request.args)
    if tab == "spot":  # the Spot check tab lives with adaptation (modsvc/web/admin_adaptation.py)
        return redirect(url_for("adaptation.spot_checks", **filters.as_args()))
    if tab not in TABS:
        tab = DEFAULT_TAB
    page = query_int("page", default=1, minimum=1)
    db = get_session()
    budget = current_app.config.get("MODSVC_QUEUE_COUNT_BUDGET_MS", 50)
    result = load_page(db, tab, filters, page, cache=count_cache(), count_budget_ms=budget)
    sites = db.scalars(select(Site).order_by(Site.key)).all()
    if result.counts is not None:
        result.counts = {**result.counts, "spot": spot_count(db, filters)}
    return render_template("queue.html", page=result, tabs=queue_tabs(), sites=sites, language_names=LANGUAGE_NAMES)


@bp.get("/queue/counts")
def counts():
    """Tab counts under the filters, for pages that could not count within their time budget."""
    counted = status_counts(get_session(), QueueFilters.from_args(request.args), count_cache())
    return {tab: counted[tab] for tab in TABS}


@bp.get("/queue/<int:comment_id>/context")
def context(comment_id: int):
    ctx = load_context(get_session(), comment_id)
    if ctx is None:
        abort(404)
    template = "_context.html" if request.args.get("fragment") else "context_page.html"
    return render_template(template, ctx=ctx)


def _decision_response(outcome=None, error: ActionError | None = None, back: str | None = None):
    if _wants_json():
        if error is not None:
            body = {"error": str(error)}
            if isinstance(error, Conflict) and error.comment is not None:
                body.update(status=error.comment.status, version=error.comment.version)
            return body, error.status
        return {"ok": True, "comment_id": outcome.comment_id, "old_status": outcome.old_status,
                "status": outcome.new_status, "version": outcome.version}
    if error is not None:
        flash(str(error), "error")
    else:
        flash(f"Comment {outcome.comment_id}: {outcome.old_status} → {outcome.new_status}.", "ok")
    return redirect(back or url_for("moderation.queue"))


def _int_field(form, name: str) -> int:
    try:
        return require_int(form.get(name), name, minimum=1)
    except ParameterError as exc:
        raise ActionError(str(exc)) from None


def _back() -> str | None:

    target = request.form.get("back") if not request.is_json else None
    return safe_next(target) if target else None


@bp.post("/queue/<int:comment_id>/decide")
def decide_view(comment_id: int):
    form = _form()
    try:
        outcome = decide(get_session(), comment_id, _int_field(form, "version"), form.get("action") or "", _actor(),
                         reason=form.get("reason") or None, note=form.get("note"))
    except ActionError as exc:
        return _decision_response(error=exc, back=_back())
    count_cache().moved(outcome.old_status, outcome.new_status)
    return _decision_response(outcome, back=_back())


@bp.post("/queue/<int:comment_id>/undo")
def undo_view(comment_id: int):
    form = _form()
    try:
        outcome = undo(get_session(), comment_id, _int_field(form, "version"), _actor())
    except ActionError as exc:
        return _decision_response(error=exc, back=_back())
    count_cache().moved(outcome.old_status, outcome.new_status)
    return _decision_response(outcome, back=_back())


@bp.post("/queue/undo-last")
def undo_last_view():
    """`u` after a reload or a plain form post: undo the signed-in reviewer's latest standing decision."""
    try:
        outcome = undo_last_of(get_session(), _actor())
    except ActionError as exc:
        return _decision_response(error=exc, back=_back())
    count_cache().moved(outcome.old_status, outcome.new_status)
    return _decision_response(outcome, back=_back())


def _bulk_items(raw) -> list[tuple[int, int]]:
    """'comment_id:version' entries as checked ints."""
    items = []
    for entry in raw or []:
        comment_id, _, version = str(entry).partition(":")
        try:
            items.append((require_int(comment_id, "comment id", minimum=1), require_int(version, "version", minimum=1)))
        except ParameterError as exc:
            raise ActionError(f"bad item {str(entry)[:40]!r}: {exc}") from None
    return items


@bp.post("/queue/bulk")
def bulk_view():
    form = _form()
    raw = form.get("items") if request.is_json else form.getlist("items")
    try:
        items = _bulk_items(raw)
        if not items:
            raise ActionError("select at least one comment")
        if len(items) > 500:
            raise ActionError("at most 500 comments at once")
        result = decide_many(get_session(), items, form.get("action") or "", _actor(),
                             reason=form.get("reason") or None, note=form.get("note"))
    except ActionError as exc:
        if _wants_json():
            return {"error": str(exc)}, exc.status
        flash(str(exc), "error")
        return redirect(_back() or url_for("moderation.queue"))
    for outcome in result.done:
        count_cache().moved(outcome.old_status, outcome.new_status)
    if _wants_json():
        return {"done": [{"comment_id": o.comment_id, "old_status": o.old_status, "status": o.new_status,
                          "version": o.version} for o in result.done],
                "conflicts": [{"comment_id": cid, "error": msg} for cid, msg in result.conflicts]}
    flash(f"{len(result.done)} comment(s) {form.get('action')}d; {len(result.conflicts)} already decided by others.",
          "ok" if not result.conflicts else "error")
    return redirect(_back() or url_for("moderation.queue"))


# ----- audit log -------------------------------------------------------------------------------------------

def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _audit_query(args):
    query = select(AuditLog)
    shown = {}
    if user := (args.get("user") or "").strip():
        query = query.where(AuditLog.actor == user)
        shown["user"] = user
    if (action := args.get("action")) in AUDIT_ACTIONS:
        query = query.where(AuditLog.action == action)
        shown["action"] = action
    if (comment := parse_int(args.get("comment"), "comment", minimum=1)) is not None:
        query = query.where(AuditLog.comment_id == comment)
        shown["comment"] = comment
    if day_from := _parse_day(args.get("from")):
        query = query.where(AuditLog.created_at >= datetime.combine(day_from, time.min, tzinfo=timezone.utc))
        shown["from"] = day_from.isoformat()
    if day_to := _parse_day(args.get("to")):
        query = query.where(AuditLog.created_at < datetime.combine(day_to + timedelta(days=1), time.min,
                                                                    tzinfo=timezone.utc))
        shown["to"] = day_to.isoformat()
    return query.order_by(AuditLog.id.desc()), shown


@bp.get("/audit")
def audit():
    query, shown = _audit_query(request.args)
    page = query_int("page", default=1, minimum=1)
    db = get_session()
    rows = list(db.scalars(query.limit(AUDIT_PAGE_SIZE + 1).offset((page - 1) * AUDIT_PAGE_SIZE)))
    users = db.scalars(select(User.username).order_by(User.username)).all()
    return render_template("audit.html", rows=rows[:AUDIT_PAGE_SIZE], has_next=len(rows) > AUDIT_PAGE_SIZE,
                           page=page, filters=shown, users=users, actions=AUDIT_ACTIONS)


AUDIT_CSV_FIELDS = ("id", "created_at", "actor", "action", "comment_id", "old_status", "new_status", "reason", "note")


@bp.get("/audit.csv")
def audit_csv():
    query, _shown = _audit_query(request.args)
    sessions = current_app.extensions["modsvc.sessions"]

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(AUDIT_CSV_FIELDS)
        with sessions() as db:
            for entry in db.scalars(query.execution_options(yield_per=1000)):
                created = entry.created_at.isoformat() if entry.created_at else None
                writer.writerow([csv_safe(v) for v in (entry.id, created, entry.actor, entry.action, entry.comment_id,
                                                       entry.old_status, entry.new_status, entry.reason, entry.note)])
                if buffer.tell() > 64 * 1024:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M")
    return Response(stream_with_context(rows()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="modsvc-audit-{stamp}.csv"'})


# ----- dashboard -------------------------------------------------------------------------------------------

DASHBOARD_TTL = 60.0  # seconds: the chart and the agreement table join every flag; a minute old is fine


def _dashboard_stats(db, site: str | None):
    import time as _time

    cache = current_app.extensions.setdefault("modsvc.dashboard_stats", {})
    key = (str(db.bind.url), site)
    hit = cache.get(key)
    if hit and _time.monotonic() - hit[0] < DASHBOARD_TTL:
        return hit[1]
    started = _time.monotonic()
    if db.bind.dialect.name == "postgresql":
        from sqlalchemy import text

        db.execute(text("SET LOCAL jit = off"))
    days, series = flags_per_day(db, days=30, site_key=site)
    stats = (days, series, label_agreement(db, site_key=site))
    if _time.monotonic() - started > 0.05:  # small databases: always fresh
        cache[key] = (_time.monotonic(), stats)
    return stats


@bp.get("/dashboard")
def dashboard():
    db = get_session()
    site = (request.args.get("site") or "").strip() or None
    counts = status_counts(db, QueueFilters(site=site), count_cache())
    days, series, agreement = _dashboard_stats(db, site)
    sites = db.scalars(select(Site).order_by(Site.key)).all()
    return render_template("dashboard.html", counts=counts, tabs=TABS, chart=line_chart(days, series),
                           agreement=agreement, sites=sites, site=site)
