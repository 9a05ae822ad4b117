"""Admin pages of the scoring API: API keys (create, revoke) and webhooks (site URL/secret, delivery log, retry).

The plaintext of a new key is rendered once in the response to the POST that created it -- never flashed
(flash messages travel in the session cookie) and never stored.
"""
from __future__ import annotations

import logging
import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from ..access.apikeys import ApiKeyError, create_api_key, revoke_api_key
from ..integrations import webhooks as outbox
from ..integrations.webhook_address import (ALLOW_ENV, DestinationRefused, WebhookAddressError,
                                               check_webhook_url)
from ..models import ApiKey, Site, WebhookDelivery
from ..params import ParameterError, parse_int
from .admin import register_admin_nav
from .auth import admin_required
from .db_session import get_session

log = logging.getLogger(__name__)

bp = Blueprint("api_admin", __name__, url_prefix="/admin", template_folder="templates")

register_admin_nav("API keys", "api_admin.api_keys")
register_admin_nav("Webhooks", "api_admin.webhooks")

DELIVERY_PAGE = 200


@bp.before_request
@admin_required
def _admins_only():
    return None


def _keys_page(new_key: str | None = None, new_row: ApiKey | None = None, status: int = 200):
    session = get_session()
    rows = session.execute(select(ApiKey, Site.key).outerjoin(Site, Site.id == ApiKey.site_id)
                           .order_by(ApiKey.revoked_at.is_not(None), ApiKey.id.desc())).all()
    sites = session.scalars(select(Site.key).order_by(Site.key)).all()
    html = render_template("api_admin/api_keys.html", keys=rows, sites=sites, new_key=new_key, new_row=new_row)
    return html, status, {"Cache-Control": "no-store"}


@bp.get("/api-keys")
def api_keys():
    return _keys_page()


@bp.post("/api-keys")
def create_key():
    session = get_session()
    try:
        quota = parse_int(request.form.get("daily_quota"), "daily quota", minimum=1)
        row, plaintext = create_api_key(session, request.form.get("name") or "",
                                        (request.form.get("site") or "").strip() or None,
                                        (request.form.get("rate_limit") or "").strip() or None, quota)
        session.commit()
    except (ApiKeyError, ParameterError) as exc:
        session.rollback()
        flash(f"The {exc}." if isinstance(exc, ParameterError) else str(exc), "error")
        return redirect(url_for("api_admin.api_keys"))
    return _keys_page(new_key=plaintext, new_row=row, status=201)


@bp.post("/api-keys/<int:key_id>/revoke")
def revoke_key(key_id: int):
    session = get_session()
    try:
        row = revoke_api_key(session, str(key_id))
        session.commit()
        flash(f"Key {row.prefix}… ({row.name}) revoked; clients using it are refused within 2 seconds.", "info")
    except ApiKeyError as exc:
        flash(str(exc), "error")
    return redirect(url_for("api_admin.api_keys"))


@bp.get("/webhooks")
def webhooks():
    session = get_session()
    status = request.args.get("status") or None
    query = select(WebhookDelivery, Site.key).join(Site, Site.id == WebhookDelivery.site_id)
    if status in ("pending", "delivered", "failed"):
        query = query.where(WebhookDelivery.status == status)
    deliveries = session.execute(query.order_by(WebhookDelivery.id.desc()).limit(DELIVERY_PAGE)).all()
    counts = dict(session.execute(select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)).all())
    sites = session.scalars(select(Site).order_by(Site.key)).all()
    return render_template("api_admin/webhooks.html", deliveries=deliveries, counts=counts, sites=sites,
                           status=status)


@bp.post("/webhooks/sites/<int:site_id>")
def set_site_webhook(site_id: int):
    session = get_session()
    site = session.get(Site, site_id) or abort(404)
    url = (request.form.get("webhook_url") or "").strip()
    if url:
        try:
            check_webhook_url(url)  # public addresses only, unless MODSVC_WEBHOOK_ALLOW_PRIVATE allows the range
        except WebhookAddressError as exc:
            message = f"Webhook URL refused: {exc}."
            if isinstance(exc, DestinationRefused):  # the detail would tell which internal names exist
                log.warning("webhook URL of site %s refused: %s", site.key, exc.detail)
                message += f" Private networks can be allowed with {ALLOW_ENV}."
            flash(message, "error")
            return redirect(url_for("api_admin.webhooks"))
    site.webhook_url = url or None
    if request.form.get("new_secret"):
        secret = "whsec_" + secrets.token_urlsafe(32)
        site.webhook_secret = secret
        session.commit()
        flash(f"Webhook of {site.key} saved.", "info")
        return render_template("api_admin/webhook_secret.html", site=site, secret=secret), 200, \
            {"Cache-Control": "no-store"}
    session.commit()
    flash(f"Webhook of {site.key} {'saved' if url else 'turned off'}.", "info")
    return redirect(url_for("api_admin.webhooks"))


@bp.post("/webhooks/<int:delivery_id>/retry")
def retry_delivery(delivery_id: int):

    session = get_session()
    row = outbox.retry_now(session, delivery_id)
    if row is None:
        abort(404)
    session.commit()
    flash(f"Delivery {delivery_id} queued again.", "info")
    return redirect(url_for("api_admin.webhooks"))
