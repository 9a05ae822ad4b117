"""Site thresholds page, the `modsvc users` commands and `modsvc export --decisions`."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from modsvc.analysis.policy import Policy
from modsvc.models import Site
from web.seeding import add_comment, add_thread

MODSVC = str(Path(sys.executable).with_name("modsvc"))


def settings_form(**overrides) -> dict:
    from modsvc.analysis.types import LABELS

    form = {f"{step}_{label}": "" for label in LABELS for step in ("review", "hold")}
    form.update(overrides)
    return form


def test_site_thresholds_saved_and_validated(db, admin):
    thread = add_thread(db, "paper")
    db.commit()
    site_id = thread.site_id
    page = admin.get(f"/admin/sites/{site_id}/settings").get_data(as_text=True)
    assert 'name="review_antisemitism" value="0.5"' in page  # the defaults
    url = f"/admin/sites/{site_id}/settings"
    bad = admin.client.post(url, data=settings_form(csrf_token=admin.token, review_toxicity="0.9", hold_toxicity="0.6"))
    assert bad.status_code == 400 and "above hold threshold" in bad.get_data(as_text=True)
    bad = admin.client.post(url, data=settings_form(csrf_token=admin.token, review_threat="1.5"))
    assert bad.status_code == 400 and "between 0 and 1" in bad.get_data(as_text=True)
    bad = admin.client.post(url, data=settings_form(csrf_token=admin.token, review_threat="abc"))
    assert bad.status_code == 400 and "not a number" in bad.get_data(as_text=True)
    db.expire_all()
    assert db.get(Site, site_id).policy is None
    ok = admin.client.post(url, data=settings_form(csrf_token=admin.token, review_toxicity="0.6",
                                                   hold_toxicity="0.9", hold_obscene="off"))
    assert ok.status_code == 302
    db.expire_all()
    policy = Policy.from_dict(db.get(Site, site_id).policy)  # what the workers read
    assert (policy.review["toxicity"], policy.hold["toxicity"]) == (0.6, 0.9)
    assert policy.hold["obscene"] is None
    assert policy.review["antisemitism"] == 0.5  # untouched fields keep their defaults


def test_moderator_cannot_change_thresholds(db, reviewer):
    thread = add_thread(db)
    db.commit()
    response = reviewer.client.post(f"/admin/sites/{thread.site_id}/settings",
                                    data=settings_form(csrf_token=reviewer.token, review_toxicity="0.1"))
    assert response.status_code == 403


def _cli(db_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = dict(os.environ, MODSVC_DATABASE_URL=db_url)
    return subprocess.run([MODSVC, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120)


def test_users_cli(settings, app):
    url = settings.database_url
    created = _cli(url, "users", "create", "zoe", "--role", "admin", stdin="a long password\n")
    assert created.returncode == 0, created.stderr
    assert "created admin zoe" in created.stdout
    duplicate = _cli(url, "users", "create", "zoe", stdin="another password\n")
    assert duplicate.returncode == 2 and "already exists" in duplicate.stderr
    weak = _cli(url, "users", "create", "yan", stdin="short\n")
    assert weak.returncode == 2 and "at least 8" in weak.stderr
    listed = _cli(url, "users", "list")
    assert "zoe" in listed.stdout and "admin" in listed.stdout and "yan" not in listed.stdout
    from web.conftest import sign_in

    assert sign_in(app.test_client(), "zoe", "a long password").status_code == 302
    assert _cli(url, "users", "set-password", "zoe", stdin="a new long password\n").returncode == 0
    assert sign_in(app.test_client(), "zoe", "a long password").status_code == 401
    assert sign_in(app.test_client(), "zoe", "a new long password").status_code == 302
    assert _cli(url, "users", "disable", "zoe").returncode == 0
    assert sign_in(app.test_client(), "zoe", "a new long password").status_code == 401
    assert "disabled" in _cli(url, "users", "list").stdout
    assert _cli(url, "users", "disable", "nobody").returncode == 2


def test_export_decisions_jsonl(settings, db, reviewer, tmp_path):
    thread = add_thread(db, "paper")
    kept = add_comment(db, thread, "they control everything", scores={"conspiracy": 0.8, "antisemitism": 0.6})
    undone = add_comment(db, thread, "fine comment", scores={"toxicity": 0.55})
    approved = add_comment(db, thread, "ok", scores={})
    db.commit()
    reviewer.decide(kept.id, "reject", 1, reason="conspiracy", note="n1")
    reviewer.decide(undone.id, "reject", 1, reason="spam")
    reviewer.post_json(f"/queue/{undone.id}/undo", {"version": 2})
    reviewer.decide(approved.id, "approve", 1)
    out = tmp_path / "decisions.jsonl"
    done = _cli(settings.database_url, "export", "--decisions", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "exported 2 decisions" in done.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    by_id = {r["comment_id"]: r for r in records}
    assert set(by_id) == {kept.id, approved.id}
    r = by_id[kept.id]
    assert (r["text"], r["labels"], r["decision"], r["reason"], r["reviewer"], r["site"]) == (
        "they control everything", ["antisemitism", "conspiracy"], "rejected", "conspiracy", "bob", "paper")
    assert r["time"] and by_id[approved.id]["decision"] == "approved"
