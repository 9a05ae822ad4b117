"""Adaptation through its doors, on SQLite and PostgreSQL: the API, the admin settings page, the Spot check tab,
the dashboard and the CLI."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from adaptation.test_service import flagged_rows, import_and_score, review_like_a_sports_site
from api.api_helpers import make_key
from modsvc.models import AuditLog, Comment, Site, SpotCheck
from web.conftest import Reviewer
from web.seeding import add_user


@pytest.fixture
def taught(app, monkeypatch):
    """Site "sports": 160 decided comments (identity attacks rejected, swearing approved) and two waiting ones."""
    monkeypatch.setenv("MODSVC_ADAPT_MIN_DECISIONS", "100")
    sessions = app.extensions["modsvc.sessions"]
    decided = import_and_score(sessions, "sports", flagged_rows(160, 1))
    waiting = import_and_score(sessions, "sports", [(0.9, 0.05), (0.9, 0.85)], start=1000)
    review_like_a_sports_site(sessions, decided)
    return sessions, waiting


def test_the_api_fits_rolls_back_suggests_and_sets_the_spot_check_share(app, taught):
    sessions, waiting = taught
    key = make_key(app)
    client = app.test_client()
    auth = {"Authorization": f"Bearer {key}"}

    fitted = client.post("/api/v1/sites/sports/adaptation/fit", headers=auth)
    assert fitted.status_code == 201, fitted.get_json()
    body = fitted.get_json()
    assert body["deployed"] and body["adapter"]["name"] == "site-sports-a1" and body["rerouted"] == 1
    assert body["figures"]["adapter"]["precision"] > body["figures"]["base_precision_at_adapter_recall"]

    overview = client.get("/api/v1/sites/sports/adaptation", headers=auth).get_json()
    assert overview["active"] == "site-sports-a1" and overview["spot_check_share"] == 0.01
    assert set(overview["miss_rate"]) >= {"all", "identity_attack"}

    back = client.post("/api/v1/sites/sports/adaptation/rollback", json={"version": None}, headers=auth)
    assert back.get_json() == {"active": "base", "rerouted": 1}
    assert client.post("/api/v1/sites/sports/adaptation/rollback", json={"version": 9}, headers=auth).status_code == 404

    assert client.put("/api/v1/sites/sports/adaptation/spot-checks", json={"share": 0.05},
                      headers=auth).get_json() == {"spot_check_share": 0.05}
    assert client.put("/api/v1/sites/sports/adaptation/spot-checks", json={"share": 2},
                      headers=auth).status_code == 400

    suggested = client.post("/api/v1/sites/sports/adaptation/thresholds", json={"precision": 0.8, "accept": True},
                            headers=auth).get_json()
    (ia,) = [s for s in suggested["suggestions"] if s["label"] == "identity_attack"]
    assert suggested["accepted"] and ia["review_precision"] >= 0.8
    with sessions() as s:
        policy = s.scalar(select(Site.policy).where(Site.key == "sports"))
        assert policy["thresholds"]["identity_attack"]["review"] == ia["review"]
        actions = list(s.scalars(select(AuditLog.action).where(AuditLog.comment_id.is_(None)).order_by(AuditLog.id)))
        assert actions == ["adapter_fit", "adapter_deploy", "adapter_rollback", "thresholds"]
        assert s.scalar(select(AuditLog.actor).where(AuditLog.action == "adapter_fit")) == "api:test client"


def test_a_key_bound_to_another_site_cannot_touch_this_ones_adapter(app, taught):
    with app.extensions["modsvc.sessions"]() as s:
        s.add(Site(key="news"))
        s.commit()
    key = make_key(app, site="news")
    response = app.test_client().post("/api/v1/sites/sports/adaptation/fit", headers={"X-API-Key": key})
    assert response.status_code == 403
    with app.extensions["modsvc.sessions"]() as s:
        assert s.scalar(select(AuditLog.id).where(AuditLog.action == "adapter_fit")) is None


def test_admins_fit_and_roll_back_on_the_settings_page_and_reviewers_see_the_effect(app, taught):
    sessions, waiting = taught
    with sessions() as s:
        add_user(s, "alice", "admin")
        site_id = s.scalar(select(Site.id).where(Site.key == "sports"))
    admin = Reviewer(app.test_client(), "alice")
    page = admin.get(f"/admin/sites/{site_id}/settings").get_data(as_text=True)
    assert "Active now: <strong id=\"active-adapter\">the base model</strong>" in page

    fitted = admin.client.post(f"/admin/sites/{site_id}/adaptation/fit", data={"csrf_token": admin.token})
    assert fitted.status_code == 302
    page = admin.get(f"/admin/sites/{site_id}/settings").get_data(as_text=True)
    assert "Active now: <strong id=\"active-adapter\">site-sports-a1</strong>" in page
    assert re.search(r'data-adapter="site-sports-a1" class="active"', page)
    assert "Accept these thresholds" in page

    # the reviewer's queue: the swearing-only comment left it, the identity attack shows both scores
    queue = admin.get("/queue").get_data(as_text=True)
    assert f'data-id="{waiting[1]}"' in queue and f'data-id="{waiting[0]}"' not in queue
    note = re.search(r'<p class="adapted" data-adapter="site-sports-a1"><strong>This site:</strong> ([^<]+)</p>', queue)
    assert note and note.group(1).startswith("base toxicity 0.90, this site 0.9")

    rolled = admin.client.post(f"/admin/sites/{site_id}/adaptation/rollback",
                               data={"csrf_token": admin.token, "version": "base"})
    assert rolled.status_code == 302
    with sessions() as s:
        assert s.get(Comment, waiting[0]).status == "review"
    assert 'class="adapted"' not in admin.get("/queue").get_data(as_text=True)
    audit = admin.get("/audit?action=adapter_rollback").get_data(as_text=True)
    assert "sports: rolled back from site-sports-a1 to the base model" in audit


def test_spot_checked_comments_wait_in_their_tab_and_feed_the_dashboard(app, monkeypatch):
    sessions = app.extensions["modsvc.sessions"]
    with sessions() as s:
        add_user(s, "bob", "moderator")
        s.add(Site(key="forum"))
        s.commit()
        from modsvc.adaptation.service import set_spot_check_share

        set_spot_check_share(s, s.scalar(select(Site.id).where(Site.key == "forum")), 1.0)
        s.commit()
    ids = import_and_score(sessions, "forum", [(0.1, 0.1), (0.1, 0.6), (0.9, 0.1)])
    reviewer = Reviewer(app.test_client(), "bob")
    html = reviewer.get("/queue?tab=spot").location
    assert html.endswith("/queue/spot-checks")
    page = reviewer.get("/queue/spot-checks").get_data(as_text=True)
    assert re.search(r'data-tab="spot"\s+aria-current="page"', page)
    assert 'data-tab-count="spot">2<' in page
    shown = [int(x) for x in re.findall(r'data-id="(\d+)"', page)]
    assert sorted(shown) == sorted(ids[:2])  # the allowed two; the flagged one waits in review
    with sessions() as s:
        versions = {c.id: c.version for c in s.scalars(select(Comment).where(Comment.id.in_(ids)))}
        assert s.scalar(select(SpotCheck.share).where(SpotCheck.comment_id == ids[1])) == 1.0
    assert reviewer.decide(ids[0], "approve", versions[ids[0]]).status_code == 200
    assert reviewer.decide(ids[1], "reject", versions[ids[1]], reason="hate").status_code == 200
    assert reviewer.decide(ids[2], "reject", versions[ids[2]], reason="hate").status_code == 200
    dashboard = reviewer.get("/dashboard?site=forum").get_data(as_text=True)
    # one of two allowed comments harmful, one harmful caught: half of the harmful ones were let through
    row = re.search(r"<td>all labels</td><td class=\"num\">2</td><td class=\"num\">1</td>.*?<td class=\"num\">"
                    r"50\.0%", dashboard, re.S)
    assert row, dashboard[dashboard.find('id="miss-rate"'):][:1500]


def test_the_cli_adapts_lists_and_rolls_back(app, taught):
    from modsvc.cli import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["models", "adapt", "--site", "sports"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("sports: site-sports-a1: deployed: precision ")
    listed = runner.invoke(cli, ["models", "adapters", "--site", "sports"])
    assert listed.exit_code == 0 and listed.output.startswith("* v1 site-sports-a1 deployed 160 decisions")
    back = runner.invoke(cli, ["models", "rollback", "--site", "sports", "--base"])
    assert back.exit_code == 0 and "the base model is active; 1 waiting comments re-routed" in back.output
    assert runner.invoke(cli, ["models", "rollback", "--site", "sports"]).exit_code == 2
    missing = runner.invoke(cli, ["models", "adapt", "--site", "nowhere"])
    assert missing.exit_code == 2 and "no site 'nowhere'" in missing.output


def test_the_cli_sets_the_spot_check_share_and_prints_the_miss_rate(app):
    from modsvc.cli import cli

    sessions = app.extensions["modsvc.sessions"]
    with sessions() as s:
        s.add(Site(key="forum"))
        s.commit()
    runner = CliRunner()
    result = runner.invoke(cli, ["models", "spot-checks", "--site", "forum", "--share", "1"])
    assert result.exit_code == 0 and result.output.startswith("forum: 100.0% of allowed comments are spot-checked")
    ids = import_and_score(sessions, "forum", [(0.1, 0.1), (0.1, 0.6), (0.9, 0.1)])
    with sessions() as s:
        from modsvc.moderation.actions import Actor, decide

        for comment_id, action in zip(ids, ("approve", "reject", "reject")):
            c = s.get(Comment, comment_id)
            decide(s, c.id, c.version, action, Actor(None, "bob"), reason="hate" if action == "reject" else None)
    lines = runner.invoke(cli, ["models", "spot-checks", "--site", "forum"]).output.splitlines()
    assert lines[1].startswith("all: miss rate 50.0% (90% interval ")
    assert lines[1].endswith("1 of 2 spot checks harmful, 2 allowed, 1 caught")
