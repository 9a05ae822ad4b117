"""Refits of one site at the same moment (the scheduled refit, an admin's button, the CLI, a second worker) on a
SQLite file and on the local PostgreSQL: they take turns, each fits with the one before as the deployed adapter,
and a site never has two active adapters. Real threads released together, each with its own connection."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, update

from adaptation.test_service import SETTINGS, flagged_rows, import_and_score, review_like_a_sports_site
from modsvc.adaptation import service
from modsvc.adaptation.site_lock import lock_site
from modsvc.db import get_sessionmaker
from modsvc.models import AuditLog, Comment, Site, SiteAdapter
from races import race

RACERS = 3


@pytest.fixture
def sessions(db_url):
    return get_sessionmaker(db_url)


@pytest.fixture
def taught_site(sessions):
    """Site "sports": 160 decided comments, two still waiting, and every allowed comment spot-checked."""
    decided = import_and_score(sessions, "sports", flagged_rows(160, 1))
    waiting = import_and_score(sessions, "sports", [(0.9, 0.05), (0.9, 0.85)], start=1000)
    review_like_a_sports_site(sessions, decided)
    with sessions() as s:
        service.set_spot_check_share(s, service.site_by_key(s, "sports").id, 1.0)
        s.commit()
    return waiting


def _adapters(sessions, site: str = "sports") -> list[SiteAdapter]:
    with sessions() as s:
        return service.adapters_of(s, service.site_by_key(s, site).id)[::-1]


def _fit_notes(sessions) -> list[str]:
    with sessions() as s:
        return list(s.scalars(select(AuditLog.note).where(AuditLog.action == "adapter_fit").order_by(AuditLog.id)))


def test_simultaneous_refits_of_one_site_fit_in_turn(sessions, taught_site):
    outcomes = race(RACERS, lambda i: service.fit_site(sessions, "sports", actor=f"admin{i}", settings=SETTINGS))

    assert all(o.row is not None for o in outcomes), [o.report.reason for o in outcomes]
    assert sorted(o.row.version for o in outcomes) == list(range(1, RACERS + 1))
    adapters = _adapters(sessions)
    assert [a.version for a in adapters] == list(range(1, RACERS + 1))
    assert [a.active for a in adapters].count(True) == 1
    # each later fit was judged against the one before it as the deployed adapter, and retired it on deploying
    for earlier, later in zip(adapters, adapters[1:]):
        assert later.figures["deployed"]["name"] == earlier.name
    assert [a.status for a in adapters[:-1]] == ["retired"] * (RACERS - 1)
    assert adapters[-1].status == "deployed" and adapters[-1].active
    assert _fit_notes(sessions) == [f"sports: fitted site-sports-a{v} on 160 decisions; {a.reason}"
                                    for v, a in enumerate(adapters, 1)]
    with sessions() as s:  # the queue follows the adapter that ended up active
        swearing, attack = (s.get(Comment, i) for i in taught_site)
        assert (swearing.status, attack.status) == ("allowed", "review")


def test_simultaneous_scheduled_refits_fit_once(sessions, taught_site):
    outcomes = race(RACERS, lambda i: service.fit_site(sessions, "sports", settings=SETTINGS, only_if_new=True))

    fitted = [o for o in outcomes if o.row is not None]
    skipped = [o for o in outcomes if o.row is None]
    assert len(fitted) == 1 and fitted[0].row.name == "site-sports-a1"
    assert [o.report.reason for o in skipped] == ["no new decisions since site-sports-a1"] * (RACERS - 1)
    assert [(a.version, a.active) for a in _adapters(sessions)] == [(1, True)]
    assert len(_fit_notes(sessions)) == 1


def test_a_rollback_waits_for_a_refit_in_progress(sessions, taught_site):
    service.fit_site(sessions, "sports", settings=SETTINGS)
    with sessions() as refitting:  # what a refit holds while it deploys version 2
        site = lock_site(refitting, Site.key == "sports")
        refitting.execute(update(SiteAdapter).where(SiteAdapter.site_id == site.id).values(active=False,
                                                                                          status="retired"))
        refitting.add(SiteAdapter(site_id=site.id, version=2, name="site-sports-a2", base_model_version="",
                                  status="deployed", active=True, params={}, figures={}, decisions=0))
        refitting.flush()
        with ThreadPoolExecutor(1) as pool:
            rolling_back = pool.submit(service.roll_back, sessions, "sports", 1, actor="alice")
            time.sleep(0.5)
            assert not rolling_back.done()
            refitting.commit()
            rolling_back.result(timeout=60)
    assert [(a.version, a.active) for a in _adapters(sessions)] == [(1, True), (2, False)]


def test_simultaneous_rollbacks_move_each_waiting_comment_once(sessions, taught_site):
    waiting = import_and_score(sessions, "sports", [(0.9, 0.05)] * 2500, start=10_000)  # swearing only
    service.fit_site(sessions, "sports", settings=SETTINGS)
    with sessions() as s:
        assert {s.get(Comment, i).status for i in waiting} == {"allowed"}
        before = s.scalar(select(func.max(AuditLog.id)))

    moved = race(2, lambda i: service.roll_back(sessions, "sports", None, actor=f"admin{i}"))

    assert sum(moved) == len(waiting) + 1  # and the one swearing comment of the fixture
    with sessions() as s:
        assert {s.get(Comment, i).status for i in waiting} == {"review"}
        back = s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.id > before, AuditLog.comment_id.in_(waiting), AuditLog.action == "score"))
        assert back == len(waiting)


def test_refits_of_two_sites_at_once_both_deploy(sessions, taught_site):
    decided = import_and_score(sessions, "news", flagged_rows(160, 2), start=5000)
    review_like_a_sports_site(sessions, decided)

    outcomes = race(2, lambda i: service.fit_site(sessions, ("sports", "news")[i], settings=SETTINGS))
    assert [(o.site, o.row.name, o.report.deploy) for o in outcomes] == \
        [("sports", "site-sports-a1", True), ("news", "site-news-a1", True)]


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_refit_is_not_held_up_by_another_sites_refit(sessions, taught_site):
    """On PostgreSQL the lock is the site's row: a refit of "news" in progress does not hold up "sports"."""
    with sessions() as s:
        s.add(Site(key="news"))
        s.commit()
    with sessions() as holding_news:
        lock_site(holding_news, Site.key == "news")  # what a refit of "news" holds while it fits
        with ThreadPoolExecutor(1) as pool:
            outcome = pool.submit(service.fit_site, sessions, "sports", settings=SETTINGS).result(timeout=60)
        holding_news.rollback()
    assert outcome.row.name == "site-sports-a1"


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_refit_that_loses_a_version_number_anyway_fits_again(sessions, taught_site, monkeypatch):
    """A writer that takes no lock (e.g. a worker still on an older release) inserts the version this refit chose:
    the refit starts again and takes the next one, instead of failing on the unique constraint."""
    real_fit = service.fit_with_guardrail
    interfered = []

    def fit_then_interfere(name, *args, **kwargs):
        if not interfered:
            interfered.append(name)
            with sessions() as other:
                site_id = other.scalar(select(Site.id).where(Site.key == "sports"))
                other.add(SiteAdapter(site_id=site_id, version=1, name="site-sports-a1", base_model_version="",
                                      status="kept_base", params={}, figures={}, decisions=0))
                other.commit()
        return real_fit(name, *args, **kwargs)

    monkeypatch.setattr(service, "fit_with_guardrail", fit_then_interfere)
    outcome = service.fit_site(sessions, "sports", settings=SETTINGS)
    assert interfered == ["site-sports-a1"]
    assert outcome.row.name == "site-sports-a2" and outcome.row.active
    assert [(a.version, a.active) for a in _adapters(sessions)] == [(1, False), (2, True)]
