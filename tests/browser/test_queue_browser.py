"""The review queue as a reviewer uses it: real Chromium, real server, keyboard first."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from .conftest import ARTIFACTS, XSS_BODY, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _status(url: str, comment_id: int) -> str:
    from modsvc.db import get_sessionmaker
    from modsvc.models import Comment

    with get_sessionmaker(url)() as s:
        return s.scalar(select(Comment.status).where(Comment.id == comment_id))


def _audit_actions(url: str, comment_id: int) -> list[tuple[str, str]]:
    from modsvc.db import get_sessionmaker
    from modsvc.models import AuditLog

    with get_sessionmaker(url)() as s:
        return [(a.actor, a.action) for a in s.scalars(select(AuditLog).where(AuditLog.comment_id == comment_id)
                                                       .order_by(AuditLog.id))]


def test_sign_in_required_and_queue_sorted_by_priority(live_app, pages):
    base, ids, _ = live_app
    page = pages()
    page.goto(base + "/queue?tab=held")
    assert "/login" in page.url
    page.fill('input[name="username"]', "bob")
    page.fill('input[name="password"]', "wrong password")
    page.click('button[type="submit"]')
    assert page.locator(".flash-error").inner_text() == "Wrong user name or password."
    sign_in(page, base)  # lands on Waiting: held and review together
    items = page.locator(".item")
    assert items.count() == 8
    assert items.nth(0).get_attribute("data-id") == str(ids["held"])  # priority 1.6 first
    assert items.nth(1).get_attribute("data-id") == str(ids["top"])  # then 1.4
    assert items.nth(2).get_attribute("data-id") == str(ids["xss"])  # then 1.1
    assert page.locator('[data-tab-count="waiting"]').inner_text() == "8"
    assert page.locator('[data-tab-count="review"]').inner_text() == "7"
    assert page.locator('[data-tab-count="held"]').inner_text() == "1"
    page.click('nav.tabs a[data-tab="review"]')  # the tabs still narrow it
    assert page.locator(".item").count() == 7
    assert page.locator(".item").nth(0).get_attribute("data-id") == str(ids["top"])
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "queue.png"))


def test_keyboard_review_approve_reject_escalate_undo(live_app, pages):
    base, ids, url = live_app
    page = pages()
    sign_in(page, base)
    page.goto(base + "/queue?tab=review")
    first = page.locator(f"#c{ids['top']}")
    assert "current" in first.get_attribute("class")

    page.keyboard.press("z")  # the context: thread, parent, author history
    ctx = first.locator(".context")
    ctx.locator(".ctx").wait_for()
    assert "Finally some progress on public transport." in ctx.inner_text()  # the parent comment
    assert "City council votes on the new tram line" in ctx.inner_text()
    page.screenshot(path=str(ARTIFACTS / "queue-context.png"))
    page.keyboard.press("z")

    page.keyboard.press("r")  # reject with reason 3 (hate speech / antisemitism) and a note
    dialog = page.locator("#reject-dialog")
    dialog.wait_for(state="visible")
    page.keyboard.press("3")
    page.locator("#reject-dialog textarea").fill("classic trope")
    page.locator("#reject-dialog textarea").press("Enter")
    first.locator(".item-msg").filter(has_text="Rejected").wait_for()
    assert _status(url, ids["top"]) == "rejected"
    assert page.locator('[data-tab-count="review"]').inner_text() == "6"
    assert page.locator('[data-tab-count="rejected"]').inner_text() == "1"

    second = page.locator(f"#c{ids['xss']}")
    assert "current" in second.get_attribute("class")  # focus moved on by itself
    page.keyboard.press("j")
    third = page.locator(f"#c{ids['mid0']}")
    assert "current" in third.get_attribute("class")
    page.keyboard.press("k")
    assert "current" in second.get_attribute("class")
    page.keyboard.press("a")
    second.locator(".item-msg").filter(has_text="Approved").wait_for()
    assert _status(url, ids["xss"]) == "approved"

    page.keyboard.press("e")  # escalate the next one: it goes to the held queue
    third.locator(".item-msg").filter(has_text="Escalated").wait_for()
    assert _status(url, ids["mid0"]) == "held"

    page.keyboard.press("u")  # undo the escalation, then the approval
    third.locator(".item-msg").filter(has_text="Undone").wait_for()
    assert _status(url, ids["mid0"]) == "review"
    page.keyboard.press("u")
    second.locator(".item-msg").filter(has_text="Undone").wait_for()
    assert _status(url, ids["xss"]) == "review"
    assert _audit_actions(url, ids["xss"]) == [("bob", "approve"), ("bob", "undo")]

    page.reload()  # after a reload `u` still undoes bob's latest standing decision: the rejection
    page.locator(f"#c{ids['xss']}.current").wait_for()
    page.keyboard.press("u")
    page.locator(".toast").filter(has_text=f"comment {ids['top']} is review again").wait_for()
    assert _status(url, ids["top"]) == "review"

    page.keyboard.press("?")
    help_dialog = page.locator("#help-dialog")
    help_dialog.wait_for(state="visible")
    for key in ("j", "k", "a", "r", "e", "u", "z", "x", "?"):
        assert help_dialog.locator("kbd", has_text=key).count() >= 1
    page.keyboard.press("Escape")
    help_dialog.wait_for(state="hidden")


def test_bulk_reject_selected_with_keyboard_and_undo(live_app, pages):
    base, ids, url = live_app
    page = pages()
    sign_in(page, base)
    page.goto(base + "/queue?author=user1")
    page.goto(base + "/queue?label=toxicity&max_score=0.81")  # the "mid" comments: toxicity 0.82 .. 0.74
    rows = page.locator(".item")
    assert rows.count() == 4
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    bar = page.locator("#bulkbar")
    bar.wait_for(state="visible")
    assert page.locator("#bulk-count").inner_text() == "2"
    page.select_option("#bulk-reason", "spam")
    bar.locator('button[value="reject"]').click()
    page.locator(".toast").filter(has_text="2 rejected").wait_for()
    picked = [rows.nth(0).get_attribute("data-id"), rows.nth(1).get_attribute("data-id")]
    assert [_status(url, int(i)) for i in picked] == ["rejected", "rejected"]
    assert bar.is_hidden()
    page.keyboard.press("u")  # undo the last one of the bulk
    page.locator(".toast").filter(has_text="Undone").wait_for()
    assert _status(url, int(picked[1])) == "review"
    assert _status(url, int(picked[0])) == "rejected"


def test_second_reviewer_gets_conflict_message(live_app, pages):
    base, ids, url = live_app
    alice, bob = pages(), pages()
    sign_in(alice, base, "alice")
    sign_in(bob, base, "bob")
    alice.keyboard.press("a")  # both look at the first item of the landing view (held); alice approves first
    alice.locator(f"#c{ids['held']} .item-msg").filter(has_text="Approved").wait_for()
    assert alice.locator('[data-tab-count="waiting"]').inner_text() == "7"  # both tabs holding it count down
    assert alice.locator('[data-tab-count="held"]').inner_text() == "0"
    bob.keyboard.press("r")
    bob.locator("#reject-dialog").wait_for(state="visible")
    bob.keyboard.press("Enter")
    msg = bob.locator(f"#c{ids['held']} .item-msg")
    msg.filter(has_text="already decided").wait_for()
    assert "approve by alice" in msg.inner_text()
    assert _status(url, ids["held"]) == "approved"
    assert _audit_actions(url, ids["held"]) == [("alice", "approve")]  # never a double decision
    bob.screenshot(path=str(ARTIFACTS / "queue-conflict.png"))


def test_script_in_a_comment_is_shown_as_text(live_app, pages):
    base, ids, _ = live_app
    page = pages()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, base)
    item = page.locator(f"#c{ids['xss']}")
    text = item.locator(".comment-text")
    assert text.inner_text().strip() == XSS_BODY
    assert item.locator(".comment-text script, .comment-text img").count() == 0
    assert text.locator("mark").inner_text() == "vermin"  # the flagged span, highlighted
    page.goto(base + f"/queue/{ids['xss']}/context")
    assert page.locator(".comment-text").first.inner_text().strip() == XSS_BODY
    page.wait_for_timeout(300)
    assert dialogs == []


def test_admin_pages_dashboard_and_audit(live_app, pages):
    base, ids, url = live_app
    page = pages()
    page.goto(base + "/login")
    page.screenshot(path=str(ARTIFACTS / "login.png"))
    sign_in(page, base, "alice")
    page.goto(base + "/queue?tab=review")
    page.keyboard.press("r")
    page.locator("#reject-dialog").wait_for(state="visible")
    page.screenshot(path=str(ARTIFACTS / "reject-dialog.png"))
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    page.locator(f"#c{ids['top']} .item-msg").filter(has_text="Rejected").wait_for()
    page.click("nav.mainnav >> text=Dashboard")
    assert page.locator("svg.chart polyline").count() >= 2  # one line per flagged label
    assert page.locator("table.table", has_text="antisemitism").count() == 1
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    page.click("nav.mainnav >> text=Audit log")
    row = page.locator("table.table tbody tr").first
    assert "alice" in row.inner_text() and "threat" in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / "audit.png"))
    page.click("nav.mainnav >> text=Sites & thresholds")
    page.click("a.btn:has-text('Thresholds')")
    page.fill('input[name="review_toxicity"]', "0.9")
    page.fill('input[name="hold_toxicity"]', "0.5")
    page.click("text=Save settings")
    assert "above hold threshold" in page.locator(".flash-error").inner_text()
    page.fill('input[name="hold_toxicity"]', "0.95")
    page.click("text=Save settings")
    assert "saved" in page.locator(".flash-ok").inner_text()
    page.screenshot(path=str(ARTIFACTS / "site-settings.png"), full_page=True)
