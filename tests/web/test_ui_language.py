"""Comment languages on SQLite and PostgreSQL: stored when the workers' scoring path scores a comment (the real
built-in model, English only), shown as a badge in the queue, filtered on, exported; the per-site action for
languages the model does not know, set on the settings page."""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from modsvc.analysis.policy import Policy
from modsvc.db import get_sessionmaker
from modsvc.moderation.export import write_export
from modsvc.ingest.importers.records import CommentRecord, ThreadRecord
from modsvc.ingest.ingestor import Ingestor
from modsvc.models import Comment, CommentFlag, CommentScore, Site
from modsvc.scoring.scorer import score_comments
from web.test_ui_admin_cli import settings_form

BODIES = {
    "en": "You are a stupid idiot and your article is garbage, go away.",
    "de": "Die Globalisten wollen uns alle kontrollieren, das weiß doch jeder, der die Nachrichten liest.",
    "fr": "Je ne suis pas du tout d'accord avec cet article, c'est une honte pour le journal.",
    "ok": "ok",
    "kind": "Thank you for translating this article, it was very interesting to read.",
}


@pytest.fixture(scope="module")
def builtin():
    from modsvc.analysis import get_analyzer

    return get_analyzer("builtin")


def _import_and_score(url: str, analyzer, site: str = "news", bodies: dict[str, str] = BODIES) -> dict[str, int]:
    sessions = get_sessionmaker(url)
    Ingestor(sessions).add_all([ThreadRecord(external_id=f"t-{site}", site=site, title="Gas prices",
                                             comments=[CommentRecord(k, v) for k, v in bodies.items()])])
    with sessions() as s:
        ids = {c.external_id: c.id for c in s.scalars(select(Comment).join(Comment.thread)
                                                      .where(Comment.external_id.in_(list(bodies))))
               if c.thread.external_id == f"t-{site}"}
    counts = score_comments(sessions, list(ids.values()), analyzer)
    assert counts["scored"] == len(bodies), counts
    return ids


def test_scoring_stores_the_language_and_holds_back_no_scores(settings, builtin):
    url = settings.database_url
    ids = _import_and_score(url, builtin)
    with get_sessionmaker(url)() as s:
        rows = {c.external_id: c for c in s.scalars(select(Comment))}
        assert {k: rows[k].language for k in BODIES} == {"en": "en", "de": "de", "fr": "fr", "ok": "und",
                                                         "kind": "en"}
        assert rows["en"].status in ("review", "held") and rows["kind"].status == "allowed"
        assert rows["ok"].status == "allowed"  # too short to tell: scored, not "unsupported"
        for k in ("de", "fr"):
            score = s.scalar(select(CommentScore).where(CommentScore.comment_id == ids[k]))
            assert rows[k].status == "review" and rows[k].top_label is None
            assert score.scores == {} and score.spans == []
            assert score.decision_reason == f"language {k} is not supported by the model"
            assert not s.scalars(select(CommentFlag).where(CommentFlag.comment_id == ids[k])).all()


def test_site_setting_decides_what_happens_to_unsupported_languages(settings, builtin):
    url = settings.database_url
    with get_sessionmaker(url)() as s:
        s.add_all([Site(key="lenient", policy={"unsupported_language": "allow"}),
                   Site(key="strict", policy=Policy().with_unsupported_language("hold").to_dict())])
        s.commit()
    french = {"fr": BODIES["fr"], "en": BODIES["kind"]}
    _import_and_score(url, builtin, "lenient", french)
    _import_and_score(url, builtin, "strict", french)
    with get_sessionmaker(url)() as s:
        status = {(c.thread.site.key, c.external_id): c.status for c in s.scalars(select(Comment))}
    assert status[("lenient", "fr")] == "allowed" and status[("strict", "fr")] == "held"
    assert status[("lenient", "en")] == status[("strict", "en")] == "allowed"


def _items(html: str) -> dict[int, str]:
    """comment id -> the language badge's text in that item ('' when it has none)."""
    out = {}
    for match in re.finditer(r'<li class="item[^"]*" id="c(\d+)"(.*?)</li>\s*(?=<li class="item|</ol>)', html, re.S):
        badge = re.search(r'class="badge badge-lang[^"]*"[^>]*data-role="language"[^>]*>([^<]*)<', match.group(2),
                          re.S)
        out[int(match.group(1))] = badge.group(1) if badge else ""
    return out


def test_queue_shows_the_language_and_filters_by_it(settings, reviewer, builtin):
    ids = _import_and_score(settings.database_url, builtin)
    html = reviewer.get("/queue?tab=all").get_data(as_text=True)
    badges = _items(html)
    assert {badges[ids[k]] for k in BODIES} >= {"en", "de", "fr", "und"}
    assert badges[ids["de"]] == "de" and badges[ids["ok"]] == "und"
    german_item = html[html.index(f'id="c{ids["de"]}"'):]
    assert "badge-lang-unsupported" in german_item[:german_item.index("</li>")]
    assert "not supported by the model" in german_item[:german_item.index("</li>")]
    assert 'name="language"' in html  # the filter control

    assert set(_items(reviewer.get("/queue?tab=all&language=de").get_data(as_text=True))) == {ids["de"]}
    assert set(_items(reviewer.get("/queue?tab=all&language=DE-AT").get_data(as_text=True))) == {ids["de"]}
    assert set(_items(reviewer.get("/queue?tab=all&language=und").get_data(as_text=True))) == {ids["ok"]}
    assert set(_items(reviewer.get("/queue?tab=all&language=en").get_data(as_text=True))) == {ids["en"], ids["kind"]}
    review = reviewer.get("/queue?language=fr").get_data(as_text=True)  # the default tab: needs review
    assert set(_items(review)) == {ids["fr"]} and 'value="fr"' in review
    nonsense = reviewer.get("/queue?tab=all&language=%3Cscript%3E").get_data(as_text=True)
    assert len(_items(nonsense)) == len(BODIES) and "<script>" not in nonsense  # no filter, nothing injected


def test_exports_have_the_language(settings, builtin, reviewer):
    ids = _import_and_score(settings.database_url, builtin)
    out = io.StringIO()
    with get_sessionmaker(settings.database_url)() as s:
        write_export(s, out, "csv")
    rows = {r["external_id"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert rows["de"]["language"] == "de" and rows["ok"]["language"] == "und"
    # the human decisions exported as training data say which language they are in
    from modsvc.moderation.decisions_export import iter_decisions

    with get_sessionmaker(settings.database_url)() as s:
        version = s.get(Comment, ids["de"]).version
    assert reviewer.decide(ids["de"], "approve", version).status_code == 200
    with get_sessionmaker(settings.database_url)() as s:
        records = list(iter_decisions(s))
    assert [(r["comment_id"], r["language"]) for r in records] == [(ids["de"], "de")]


def test_settings_page_sets_the_unsupported_language_action(db, admin, settings, builtin):
    site = Site(key="paper")
    db.add(site)
    db.commit()
    url = f"/admin/sites/{site.id}/settings"
    page = admin.get(url).get_data(as_text=True)
    assert re.search(r'<option value="review"\s+selected>', page) and 'name="unsupported_language"' in page
    bad = admin.client.post(url, data=settings_form(csrf_token=admin.token, unsupported_language="delete"))
    assert bad.status_code == 400 and "is not one of review, allow, hold" in bad.get_data(as_text=True)
    ok = admin.client.post(url, data=settings_form(csrf_token=admin.token, unsupported_language="hold",
                                                   review_toxicity="0.6"))
    assert ok.status_code == 302
    db.expire_all()
    stored = db.get(Site, site.id).policy
    assert stored["unsupported_language"] == "hold" and Policy.from_dict(stored).review["toxicity"] == 0.6
    assert re.search(r'<option value="hold"\s+selected>', admin.get(url).get_data(as_text=True))
    _import_and_score(settings.database_url, builtin, "paper", {"fr": BODIES["fr"]})
    db.expire_all()
    assert db.scalar(select(Comment.status).where(Comment.external_id == "fr")) == "held"


def test_language_migration_goes_down_and_up_keeping_the_comments(db_url):
    from alembic import command
    from sqlalchemy import inspect

    from modsvc import migrations
    from modsvc.db import get_engine

    def columns() -> set[str]:
        engine = get_engine(db_url)
        try:
            return {c["name"] for c in inspect(engine).get_columns("comments")}
        finally:
            engine.dispose()

    Ingestor(get_sessionmaker(db_url)).add_all([ThreadRecord(external_id="t", site="s", comments=[
        CommentRecord("1", "Guten Tag")])])
    assert "language" in columns()
    command.downgrade(migrations.alembic_config(db_url), "7c1e2f9a0b3d")
    assert "language" not in columns()
    migrations.upgrade(db_url)
    assert "language" in columns() and migrations.current_revision(db_url) == migrations.head_revision()
    with get_sessionmaker(db_url)() as s:
        assert s.scalar(select(Comment.body)) == "Guten Tag"
