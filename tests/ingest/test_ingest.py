"""Writing imported threads to the database: idempotence, updates, trees, bad parents. SQLite and PostgreSQL."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from modsvc.db import get_sessionmaker
from modsvc.ingest.importers import iter_records
from modsvc.ingest.importers.records import CommentRecord, ThreadRecord
from modsvc.ingest.ingestor import Ingestor
from modsvc.models import Comment, Thread


def _thread(comments, external_id="t1", site="news", **kw) -> ThreadRecord:
    return ThreadRecord(external_id=external_id, site=site, title=kw.pop("title", "An article"), comments=comments, **kw)


def _import(url, records, **kw):
    return Ingestor(get_sessionmaker(url), **kw).add_all(records)


def _comments(url) -> dict[str, Comment]:
    with get_sessionmaker(url)() as s:
        return {c.external_id: c for c in s.scalars(select(Comment))}


def test_same_data_twice_creates_nothing_new(db_url):
    record = lambda: _thread([  # noqa: E731 - a fresh record each time, as a second import would parse
        CommentRecord("a", "first"),
        CommentRecord("b", "reply to first", parent_external_id="a"),
        CommentRecord("c", "reply to reply", parent_external_id="b"),
    ])
    first = _import(db_url, [record()])
    assert (first.threads_new, first.comments_new) == (1, 3)
    assert len(first.to_score) == 3

    second = _import(db_url, [record()])
    assert (second.threads_new, second.threads_unchanged) == (0, 1)
    assert (second.comments_new, second.comments_unchanged, second.comments_updated) == (0, 3, 0)
    assert second.to_score == []
    with get_sessionmaker(db_url)() as s:
        assert s.scalar(select(func.count()).select_from(Comment)) == 3
        assert s.scalar(select(func.count()).select_from(Thread)) == 1


def test_tree_parents_and_depths(db_url):
    _import(db_url, [_thread([
        CommentRecord("child", "reply", parent_external_id="root"),  # child listed before its parent
        CommentRecord("root", "top"),
        CommentRecord("grandchild", "deeper", parent_external_id="child"),
    ])])
    c = _comments(db_url)
    assert c["root"].parent_id is None and c["root"].depth == 0
    assert c["child"].parent_id == c["root"].id and c["child"].depth == 1
    assert c["grandchild"].parent_id == c["child"].id and c["grandchild"].depth == 2


def test_changed_body_updates_and_requeues_for_scoring(db_url):
    _import(db_url, [_thread([CommentRecord("a", "original text")])])
    sessions = get_sessionmaker(db_url)
    with sessions() as s:  # pretend it was scored and decided by the machine
        comment = s.scalar(select(Comment))
        comment.score_state, comment.status = "scored", "allowed"
        s.commit()
        old_id = comment.id

    summary = _import(db_url, [_thread([CommentRecord("a", "edited text")])])
    assert (summary.comments_updated, summary.comments_new) == (1, 0)
    assert summary.to_score == [old_id]
    comment = _comments(db_url)["a"]
    assert comment.body == "edited text"
    assert (comment.score_state, comment.status) == ("pending", "unscored")


def test_reply_added_later_attaches_to_existing_parent(db_url):
    _import(db_url, [_thread([CommentRecord("a", "top")])])
    summary = _import(db_url, [_thread([CommentRecord("a", "top"), CommentRecord("b", "late reply", parent_external_id="a")])])
    assert (summary.comments_new, summary.comments_unchanged) == (1, 1)
    c = _comments(db_url)
    assert c["b"].parent_id == c["a"].id and c["b"].depth == 1


def test_unknown_parent_and_cycle_are_kept_at_root_with_warnings(db_url):
    summary = _import(db_url, [_thread([
        CommentRecord("orphan", "parent missing", parent_external_id="nope"),
        CommentRecord("x", "cycle one", parent_external_id="y"),
        CommentRecord("y", "cycle two", parent_external_id="x"),
        CommentRecord("ok", "fine"),
    ])])
    c = _comments(db_url)
    assert len(c) == 4
    assert c["orphan"].parent_id is None
    assert {c["x"].parent_id, c["y"].parent_id} & {None}  # the cycle is broken at one point
    messages = " | ".join(w.message for w in summary.warning_list)
    assert "not found" in messages and "cycle" in messages


def test_ten_thousand_level_reply_chain(db_url):
    n = 10_000
    comments = [CommentRecord("c0", "root")] + [
        CommentRecord(f"c{i}", f"reply {i}", parent_external_id=f"c{i - 1}") for i in range(1, n)
    ]
    summary = _import(db_url, [_thread(comments)])
    assert summary.comments_new == n
    with get_sessionmaker(db_url)() as s:
        assert s.scalar(select(func.max(Comment.depth))) == n - 1


def test_duplicate_comment_id_in_one_thread_is_rejected_not_fatal(db_url):
    summary = _import(db_url, [_thread([CommentRecord("a", "one"), CommentRecord("a", "two"), CommentRecord("b", "three")])])
    assert summary.comments_new == 2
    assert summary.comments_rejected == 1
    assert "duplicate comment id" in summary.rejections[0].reason


def test_same_external_id_on_two_sites_are_two_threads(db_url):
    _import(db_url, [_thread([CommentRecord("a", "x")], site="one"), _thread([CommentRecord("a", "x")], site="two")])
    with get_sessionmaker(db_url)() as s:
        assert s.scalar(select(func.count()).select_from(Thread)) == 2
        assert s.scalar(select(func.count()).select_from(Comment)) == 2


def test_batches_commit_separately_and_call_back_after_commit(db_url, tmp_path):
    seen: list[int] = []
    sessions = get_sessionmaker(db_url)

    def on_commit(ids):
        with sessions() as s:  # the rows must already be visible to another session
            assert s.scalar(select(func.count()).select_from(Comment).where(Comment.id.in_(ids))) == len(ids)
        seen.extend(ids)

    records = [_thread([CommentRecord(f"c{i}", f"body {i}") for i in range(30)], external_id=f"t{t}") for t in range(10)]
    summary = Ingestor(sessions, batch_comments=50, on_batch_committed=on_commit).add_all(records)
    assert summary.comments_new == 300
    assert sorted(seen) == sorted(summary.to_score) and len(seen) == 300


def test_json_file_through_importer(db_url, tmp_path):
    path = tmp_path / "thread.json"
    path.write_text(json.dumps({
        "site": "paper", "external_id": "story-1", "title": "Title", "closed": True,
        "comments": [{"id": "1", "body": "hello", "replies": [{"id": "2", "body": "hi back"}]}],
    }))
    summary = _import(db_url, iter_records(path))
    assert summary.comments_new == 2
    c = _comments(db_url)
    assert c["2"].parent_id == c["1"].id
