"""The review queue through the test client: sort, tabs and counts, filters, escaping, evidence."""
from __future__ import annotations

import re

from web.seeding import add_comment, add_thread

SCRIPT = "<script>alert('pwned')</script><img src=x onerror=alert(1)>"


def item_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<li class="item[^"]*" id="c(\d+)"', html)]


def seed_queue(db):
    news = add_thread(db, "news", title="Budget debate")
    blog = add_thread(db, "blog", title="Recipes")
    c = {}
    c["low_old"] = add_comment(db, news, "mild disagreement", priority=0.2, age_minutes=50, author="ann",
                               scores={"toxicity": 0.3})
    c["high"] = add_comment(db, news, "the globalists run the banks", priority=1.5, age_minutes=10, author="ben",
                            scores={"antisemitism": 0.9, "conspiracy": 0.8},
                            spans=[{"begin": 4, "end": 14, "label": "antisemitism", "score": 0.9,
                                    "reason": "coded reference to Jews", "trope": "globalist_code"}])
    c["mid_old"] = add_comment(db, news, "you are an idiot", priority=0.7, age_minutes=40, author="ann",
                               scores={"insult": 0.85, "toxicity": 0.8})
    c["mid_new"] = add_comment(db, blog, "idiotic recipe", priority=0.7, age_minutes=5, author="cat",
                               scores={"insult": 0.6, "toxicity": 0.55})
    c["held"] = add_comment(db, news, "I will find you", status="held", priority=1.8, author="dan",
                            scores={"threat": 0.95})
    c["approved"] = add_comment(db, blog, "nice", status="approved", priority=0.1, scores={"toxicity": 0.1})
    c["failed"] = add_comment(db, blog, "???", status="failed", priority=0.0, scored=False)
    c["allowed"] = add_comment(db, blog, "fine", status="allowed", priority=0.0, scores={"toxicity": 0.01})
    db.commit()
    return {k: v.id for k, v in c.items()}


def counts(html: str) -> dict[str, int]:
    return {tab: int(n) for tab, n in re.findall(r'data-tab-count="(\w+)">(\d+)<', html)}


def test_landing_view_holds_everything_waiting_for_a_human_highest_priority_first(db, reviewer):
    ids = seed_queue(db)
    html = reviewer.get("/queue").get_data(as_text=True)
    assert item_ids(html) == [ids["held"], ids["high"], ids["mid_old"], ids["mid_new"], ids["low_old"]]
    assert re.search(r'<a href="/queue\?tab=waiting" data-tab="waiting"\s+aria-current="page"', html)
    assert counts(html) == {"waiting": 5, "review": 4, "held": 1, "approved": 1, "rejected": 0, "failed": 1,
                            "all": 8, "spot": 0}
    assert "<title>Waiting (5)" in html
    assert reviewer.get("/").location == "/queue"


def test_landing_view_with_only_held_comments_is_not_called_empty(db, reviewer):
    news = add_thread(db, "news", title="Budget debate")
    held = add_comment(db, news, "The Khazars run everything", status="held", priority=1.6,
                       scores={"antisemitism": 0.9})
    db.commit()
    html = reviewer.get("/queue").get_data(as_text=True)
    assert item_ids(html) == [held.id]
    assert "The review queue is empty" not in html
    review_tab = reviewer.get("/queue?tab=review").get_data(as_text=True)
    assert item_ids(review_tab) == []
    assert re.search(r'Nothing waits in this tab, but\s+1 comment waits under\s+<a href="/queue\?tab=waiting">Waiting</a>',
                     review_tab)


def test_needs_review_sorted_by_priority_then_oldest_with_counts(db, reviewer):
    ids = seed_queue(db)
    html = reviewer.get("/queue?tab=review").get_data(as_text=True)
    assert item_ids(html) == [ids["high"], ids["mid_old"], ids["mid_new"], ids["low_old"]]
    assert counts(html)["review"] == 4
    assert 'class="prio prio-high"' in html and 'class="prio prio-medium"' in html and 'class="prio prio-low"' in html


def test_other_tabs(db, reviewer):
    ids = seed_queue(db)
    assert item_ids(reviewer.get("/queue?tab=held").get_data(as_text=True)) == [ids["held"]]
    assert item_ids(reviewer.get("/queue?tab=failed").get_data(as_text=True)) == [ids["failed"]]
    assert item_ids(reviewer.get("/queue?tab=approved").get_data(as_text=True)) == [ids["approved"]]
    assert len(item_ids(reviewer.get("/queue?tab=all").get_data(as_text=True))) == 8
    assert item_ids(reviewer.get("/queue?tab=nonsense").get_data(as_text=True))[0] == ids["held"]  # the landing view


def test_filters(db, reviewer):
    ids = seed_queue(db)

    def shown(query: str) -> list[int]:
        return item_ids(reviewer.get("/queue?" + query).get_data(as_text=True))

    assert shown("site=blog") == [ids["mid_new"]]
    assert shown("label=insult") == [ids["mid_old"], ids["mid_new"]]
    assert shown("label=globalist_code") == [ids["high"]]  # a trope
    assert shown("min_score=0.8&max_score=0.85") == [ids["mid_old"]]
    assert shown("author=ann") == [ids["mid_old"], ids["low_old"]]
    assert shown("q=IDIOT") == [ids["mid_old"], ids["mid_new"]]  # case-insensitive
    assert shown("q=100%25") == []  # % is literal, not a wildcard
    assert shown("q=idiot%20ARE") == [ids["mid_old"]]  # every word, in any order
    assert shown("q=globalists%20banks") == [ids["high"]]
    assert shown("q=__") == []
    assert shown("tab=all&site=news&label=threat") == [ids["held"]]
    html = reviewer.get("/queue?author=ann").get_data(as_text=True)
    assert counts(html)["review"] == 2 and counts(html)["all"] == 2
    assert re.search(r'href="/queue\?tab=held&amp;author=ann"', html)  # tab links keep the filters


def test_comment_text_is_escaped_everywhere(db, reviewer):
    thread = add_thread(db, title=SCRIPT, url="javascript:alert(1)")
    evil = add_comment(db, thread, SCRIPT + " rest", author=SCRIPT, scores={"toxicity": 0.9},
                       spans=[{"begin": 0, "end": 8, "label": "toxicity", "score": 0.9, "reason": SCRIPT, "trope": None}])
    db.commit()
    for path in ("/queue", f"/queue/{evil.id}/context", f"/queue/{evil.id}/context?fragment=1", "/queue?tab=all"):
        html = reviewer.get(path).get_data(as_text=True)
        assert "<script>alert" not in html, path
        assert "<img src=x" not in html, path
        assert 'href="javascript:' not in html, path
        assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in html, path


def test_spans_highlighted_at_their_offsets_with_reasons(db, reviewer):
    thread = add_thread(db)
    text = "Say <b>the bankers</b> rule & the media lies"
    a, b = text.index("the bankers"), text.index("rule")
    comment = add_comment(db, thread, text, scores={"antisemitism": 0.9, "conspiracy": 0.7},
                          spans=[{"begin": a, "end": b + 4, "label": "antisemitism", "score": 0.9,
                                  "reason": "bankers control", "trope": "control_finance"},
                                 {"begin": b, "end": len(text), "label": "conspiracy", "score": 0.7,
                                  "reason": "media lies", "trope": "media_control"}])
    db.commit()
    html = reviewer.get("/queue").get_data(as_text=True)
    body = re.search(r'<blockquote class="comment-text">(.*?)</blockquote>', html, re.S).group(1)
    marks = re.findall(r'<mark class="([^"]+)" data-spans="([^"]+)"[^>]*>(.*?)</mark>', body)
    assert [(m[1], m[2]) for m in marks] == [("0", "the bankers&lt;/b&gt; "), ("0 1", "rule"), ("1", " &amp; the media lies")]
    assert "hl-overlap" in marks[1][0]
    assert body.startswith("Say &lt;b&gt;")
    assert "Control finance" in html and "bankers control" in html and "Media control" in html
    assert "model builtin-test-1" in html
    assert comment.id in item_ids(html)


def test_context_shows_parents_replies_and_author_history(db, reviewer):
    thread = add_thread(db, title="Story title", url="https://news.example/story")
    root = add_comment(db, thread, "root words", status="allowed", author="r")
    middle = add_comment(db, thread, "middle words", status="approved", parent=root, author="m")
    target = add_comment(db, thread, "target words", parent=middle, author="t", scores={"toxicity": 0.9})
    add_comment(db, thread, "a reply", status="review", parent=target, author="x")
    add_comment(db, thread, "earlier by t", status="rejected", author="t")
    db.commit()
    html = reviewer.get(f"/queue/{target.id}/context?fragment=1").get_data(as_text=True)
    assert html.index("root words") < html.index("middle words")  # parent chain from the root down
    assert "a reply" in html and "Replies (1)" in html
    assert "earlier by t" in html and "rejected 1" in html and "t: 2 comment(s)" in html
    assert 'href="https://news.example/story"' in html and "Story title" in html
    assert reviewer.get("/queue/999999/context").status_code == 404


def test_dashboard_counts_chart_and_agreement(db, reviewer):
    thread = add_thread(db)
    for n in range(3):
        add_comment(db, thread, f"rej {n}", status="rejected", scores={"antisemitism": 0.9})
    add_comment(db, thread, "ok", status="approved", scores={"antisemitism": 0.6})
    add_comment(db, thread, "ok2", status="approved", scores={"toxicity": 0.7})
    db.commit()
    html = reviewer.get("/dashboard").get_data(as_text=True)
    assert "<svg" in html and "antisemitism (4)" in html  # 4 flagged today, in the chart legend
    row = re.search(r"<td>antisemitism</td><td class=\"num\">(\d+)</td><td class=\"num\">(\d+)</td>.*?(\d+)%", html, re.S)
    assert row.groups() == ("1", "3", "75")
    row = re.search(r"<td>toxicity</td><td class=\"num\">(\d+)</td><td class=\"num\">(\d+)</td>.*?(\d+)%", html, re.S)
    assert row.groups() == ("1", "0", "0")


def test_counts_deferred_when_too_slow_then_served_by_counts_endpoint(app, db, reviewer):
    from modsvc.moderation.queue import QueueFilters
    from modsvc.web.moderation import count_cache

    ids = seed_queue(db)
    with app.app_context():
        cache = count_cache()
        cache.mark_slow((str(db.get_bind().url), QueueFilters(author="ann")))  # as after a timed-out count
    html = reviewer.get("/queue?author=ann").get_data(as_text=True)
    assert item_ids(html) == [ids["mid_old"], ids["low_old"]]  # the page itself is complete
    assert 'data-tab-count="review">…<' in html
    assert 'data-counts-url="/queue/counts?author=ann"' in html
    counts = reviewer.get("/queue/counts?author=ann").get_json()
    assert counts == {"waiting": 2, "review": 2, "held": 0, "approved": 0, "rejected": 0, "failed": 0, "all": 2}
    assert reviewer.client.get("/queue/counts", headers={"Accept": "application/json"}).status_code == 200


def test_search_for_rare_and_common_words_gives_the_same_page(db, monkeypatch):
    """PostgreSQL reads rare words through the word index and walks the queue for common ones: same answer."""
    import modsvc.moderation.queue as mq

    ids = seed_queue(db)

    def page(q):
        db.rollback()
        return [item.comment.id for item in mq.load_page(db, "all", mq.QueueFilters(q=q)).items]

    monkeypatch.setattr(mq, "word_shares", lambda session: {})
    rare = page("idiot")
    monkeypatch.setattr(mq, "word_shares", lambda session: {"idiot": 0.5, "idiotic": 0.5, "you": 0.9})
    assert mq.is_common_search("idiot", mq.word_shares(db))
    common = page("idiot")
    assert rare == common == [ids["mid_old"], ids["mid_new"]]
    assert page("you idiot") == [ids["mid_old"]]
