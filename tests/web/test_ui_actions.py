"""Decisions through the browser endpoints: approve, reject with reason, escalate, undo, bulk, conflicts, audit."""
from __future__ import annotations

import csv
import io

from sqlalchemy import select

from modsvc.models import AuditLog, Comment
from web.conftest import Reviewer
from web.seeding import add_comment, add_thread


def fresh(db, comment_id: int) -> Comment:
    db.expire_all()
    return db.get(Comment, comment_id)


def audit_rows(db, comment_id: int) -> list[AuditLog]:
    db.expire_all()
    return list(db.scalars(select(AuditLog).where(AuditLog.comment_id == comment_id).order_by(AuditLog.id)))


def one_comment(db, **kw) -> int:
    thread = add_thread(db)
    comment = add_comment(db, thread, kw.pop("body", "you are a fool"), scores={"insult": 0.9}, **kw)
    db.commit()
    return comment.id


def test_approve_writes_audit_and_bumps_version(db, reviewer):
    cid = one_comment(db)
    response = reviewer.decide(cid, "approve", 1, note="fair criticism")
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "comment_id": cid, "old_status": "review", "status": "approved",
                                   "version": 2}
    comment = fresh(db, cid)
    assert (comment.status, comment.version) == ("approved", 2)
    [entry] = audit_rows(db, cid)
    assert (entry.actor, entry.action, entry.old_status, entry.new_status, entry.note) == (
        "bob", "approve", "review", "approved", "fair criticism")
    assert entry.user_id is not None and entry.created_at is not None


def test_reject_needs_a_known_reason(db, reviewer):
    cid = one_comment(db)
    missing = reviewer.decide(cid, "reject", 1)
    assert missing.status_code == 400 and "reason" in missing.get_json()["error"]
    assert reviewer.decide(cid, "reject", 1, reason="made-up").status_code == 400
    assert fresh(db, cid).status == "review"
    ok = reviewer.decide(cid, "reject", 1, reason="hate", note="trope")
    assert ok.status_code == 200 and ok.get_json()["status"] == "rejected"
    [entry] = audit_rows(db, cid)
    assert (entry.reason, entry.note) == ("hate", "trope")


def test_escalate_holds_and_marks(db, reviewer):
    cid = one_comment(db)
    assert reviewer.decide(cid, "escalate", 1).get_json()["status"] == "held"
    comment = fresh(db, cid)
    assert comment.escalated and comment.status == "held"
    again = reviewer.decide(cid, "escalate", 2)
    assert again.status_code == 409 and "already escalated" in again.get_json()["error"]
    held = reviewer.get("/queue?tab=held&escalated=1").get_data(as_text=True)
    assert f'id="c{cid}"' in held and "badge-escalated" in held


def test_second_reviewer_conflict_never_double_decides(app, db, users):
    cid = one_comment(db)
    bob = Reviewer(app.test_client(), "bob")
    alice = Reviewer(app.test_client(), "alice")
    assert bob.decide(cid, "approve", 1).status_code == 200
    late = alice.decide(cid, "reject", 1, reason="toxic")  # she loaded the page at version 1 too
    assert late.status_code == 409
    body = late.get_json()
    assert "already decided" in body["error"] and "approve by bob" in body["error"]
    assert body["status"] == "approved" and body["version"] == 2
    assert fresh(db, cid).status == "approved"
    assert [(e.actor, e.action) for e in audit_rows(db, cid)] == [("bob", "approve")]


def test_version_check_is_in_the_update_itself(db, users):
    """Two sessions read version 1; the second UPDATE matches no row and must not write an audit entry."""
    from modsvc.moderation.actions import Actor, Conflict, decide
    import pytest

    cid = one_comment(db)
    other = db.get_bind()
    from sqlalchemy.orm import Session

    with Session(other) as s2:
        s2.get(Comment, cid)  # both sessions have the comment at version 1
        decide(db, cid, 1, "approve", Actor(None, "first"))
        with pytest.raises(Conflict):
            decide(s2, cid, 1, "reject", Actor(None, "second"), reason="spam")
    assert [(e.actor, e.action) for e in audit_rows(db, cid)] == [("first", "approve")]


def test_undo_restores_previous_status_from_audit(db, reviewer):
    cid = one_comment(db, status="held")
    reviewer.decide(cid, "reject", 1, reason="spam")
    response = reviewer.post_json(f"/queue/{cid}/undo", {"version": 2})
    assert response.status_code == 200
    assert response.get_json()["status"] == "held"
    assert fresh(db, cid).status == "held"
    entries = audit_rows(db, cid)
    assert [(e.action, e.old_status, e.new_status) for e in entries] == [("reject", "held", "rejected"),
                                                                         ("undo", "rejected", "held")]
    nothing = reviewer.post_json(f"/queue/{cid}/undo", {"version": 3})
    assert nothing.status_code == 409 and "no decision to undo" in nothing.get_json()["error"]
    stale = reviewer.decide(cid, "approve", 3)
    assert stale.status_code == 200
    assert reviewer.post_json(f"/queue/{cid}/undo", {"version": 3}).status_code == 409  # stale version


def test_undo_escalation_clears_the_flag(db, reviewer):
    cid = one_comment(db)
    reviewer.decide(cid, "escalate", 1)
    reviewer.post_json(f"/queue/{cid}/undo", {"version": 2})
    comment = fresh(db, cid)
    assert comment.status == "review" and not comment.escalated


def test_bulk_reject_reports_conflicts_per_item(db, reviewer, app):
    thread = add_thread(db)
    ids = [add_comment(db, thread, f"spam {n}", scores={"toxicity": 0.6}).id for n in range(3)]
    db.commit()
    Reviewer(app.test_client(), "alice").decide(ids[1], "approve", 1)
    response = reviewer.post_json("/queue/bulk", {"action": "reject", "reason": "spam",
                                                  "items": [f"{i}:1" for i in ids]})
    body = response.get_json()
    assert [d["comment_id"] for d in body["done"]] == [ids[0], ids[2]]
    assert [c["comment_id"] for c in body["conflicts"]] == [ids[1]]
    assert [fresh(db, i).status for i in ids] == ["rejected", "approved", "rejected"]
    assert reviewer.post_json("/queue/bulk", {"action": "escalate", "items": [f"{ids[0]}:2"]}).status_code == 400


def test_plain_form_post_without_javascript(db, reviewer):
    cid = one_comment(db)
    response = reviewer.client.post(f"/queue/{cid}/decide", data={
        "csrf_token": reviewer.token, "version": "1", "action": "reject", "reason": "off_topic",
        "back": "/queue?tab=review"})
    assert response.status_code == 302 and response.location == "/queue?tab=review"
    assert fresh(db, cid).status == "rejected"
    evil_back = reviewer.client.post(f"/queue/{cid}/undo", data={"csrf_token": reviewer.token, "version": "2",
                                                                  "back": "https://evil.example/"})
    assert evil_back.location == "/queue"


def test_webhook_emitted_for_decisions(db, reviewer, monkeypatch):
    import modsvc.moderation.actions as actions

    events = []
    monkeypatch.setattr(actions, "_emit_webhook", lambda session, comment, event, actor: events.append((comment.id, event)))
    cid = one_comment(db)
    reviewer.decide(cid, "escalate", 1)
    reviewer.decide(cid, "approve", 2)
    assert events == [(cid, "held"), (cid, "approved")]


def test_audit_page_filters_and_csv_is_formula_safe(db, reviewer, admin):
    cid = one_comment(db)
    other = one_comment(db)
    reviewer.decide(cid, "reject", 1, reason="other", note="=HYPERLINK(\"http://evil\",\"x\")")
    admin.decide(other, "approve", 1)
    page = reviewer.get("/audit?user=bob").get_data(as_text=True)
    assert "=HYPERLINK" in page.replace("&#34;", '"') and f"#{other}<" not in page
    assert f"#{other}<" in reviewer.get("/audit?action=approve").get_data(as_text=True)
    assert f"#{cid}<" not in reviewer.get("/audit?action=approve").get_data(as_text=True)
    assert "No entries" in reviewer.get("/audit?from=2999-01-01").get_data(as_text=True)
    response = reviewer.get(f"/audit.csv?comment={cid}")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1
    assert rows[0]["note"].startswith("'=HYPERLINK")
    assert (rows[0]["actor"], rows[0]["action"], rows[0]["old_status"], rows[0]["new_status"], rows[0]["reason"]) == (
        "bob", "reject", "review", "rejected", "other")


def test_decision_delivers_the_sites_webhook(db, reviewer, monkeypatch):
    """A real HTTP receiver on loopback gets comment.rejected, signed, naming the reviewer."""
    monkeypatch.setenv("MODSVC_WEBHOOK_ALLOW_PRIVATE", "127.0.0.1/32")  # webhooks go to loopback only if allowed
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received: list[dict] = []
    arrived = threading.Event()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"body": json.loads(body), "headers": dict(self.headers)})
            self.send_response(204)
            self.end_headers()
            arrived.set()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        cid = one_comment(db)
        site = fresh(db, cid).thread.site
        site.webhook_url = f"http://127.0.0.1:{server.server_port}/hook"
        site.webhook_secret = "s3cret"
        db.commit()
        assert reviewer.decide(cid, "reject", 1, reason="threat").status_code == 200
        assert arrived.wait(15), "no webhook delivery arrived"
    finally:
        server.shutdown()
    event = received[0]["body"]
    assert event["type"] == "comment.rejected" and event["comment"]["id"] == cid
    assert event["actor"] == "bob" and event["comment"]["status"] == "rejected"


def test_undo_last_works_after_a_reload(app, db, reviewer):
    first, second, third = one_comment(db), one_comment(db), one_comment(db)
    reviewer.decide(first, "approve", 1)
    reviewer.decide(second, "reject", 1, reason="spam")
    alice = Reviewer(app.test_client(), "alice")
    alice.decide(third, "approve", 1)
    r = reviewer.post_json("/queue/undo-last", {})
    assert r.status_code == 200 and r.get_json()["comment_id"] == second
    assert fresh(db, second).status == "review"
    alice.decide(first, "reject", 2, reason="toxic")  # alice overrode bob's approval: not bob's to undo now
    r = reviewer.post_json("/queue/undo-last", {})
    assert r.status_code == 409 and "no recent decision" in r.get_json()["error"]
    assert fresh(db, first).status == "rejected" and fresh(db, third).status == "approved"


def test_bulk_form_without_javascript(db, reviewer):
    thread = add_thread(db)
    ids = [add_comment(db, thread, f"c {n}", scores={"toxicity": 0.6}).id for n in range(2)]
    db.commit()
    html = reviewer.get("/queue").get_data(as_text=True)
    assert f'name="items" form="bulkbar" value="{ids[0]}:1"' in html
    response = reviewer.client.post("/queue/bulk", data={"csrf_token": reviewer.token, "action": "reject",
                                                         "reason": "spam", "items": [f"{i}:1" for i in ids],
                                                         "back": "/queue"})
    assert response.status_code == 302
    assert [fresh(db, i).status for i in ids] == ["rejected", "rejected"]
