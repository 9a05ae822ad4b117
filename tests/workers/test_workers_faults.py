"""Faults, for real: Celery worker processes on the local Redis and a PostgreSQL database of their own.

Each test checks what a user relies on: after the fault every comment is scored, exactly one
score row per comment, none left pending.
"""
from __future__ import annotations

import os
import signal
import time

import pytest
from sqlalchemy import select

from modsvc.db import get_sessionmaker
from modsvc.models import Comment
from workers_harness import (
    Worker, analyzer_calls, counts, import_comments, producer, redis_up, start_redis, stop_redis, wait_until,
    worker_env,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(autouse=True)
def _redis_required():
    if not redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is not reachable on 127.0.0.1:6379")
        pytest.skip("Redis not reachable")


def _all_scored_once(url, n):
    c = counts(url)
    return c if (c["scored"] == n and c["score_rows"] == n) else None


def test_sigkill_mid_batch_then_restart_scores_everything_exactly_once(pg_url, tmp_path):
    env = worker_env(pg_url, tmp_path, MODSVC_TEST_ANALYZER_DELAY="0.4")
    n = 200
    import_comments(pg_url, [f"comment number {i}" for i in range(n)], producer(env).enqueue_scoring)
    worker = Worker(env, tmp_path / "worker1.log", "--concurrency=2")
    try:
        # a pool process dies mid-batch: the parent notices, the batch goes back to the queue
        wait_until(lambda: len(analyzer_calls(tmp_path)) >= 3, 30, what="first batches")
        victim = analyzer_calls(tmp_path)[-1][0]
        os.kill(victim, signal.SIGKILL)
        # then the whole worker is SIGKILLed in the middle of a batch
        wait_until(lambda: len(analyzer_calls(tmp_path)) >= 7, 30, what="more batches")
        worker.kill()
    finally:
        worker.stop()
    before = counts(pg_url)
    assert 0 < before["scored"] < n, before  # really killed mid-run

    restarted = Worker(env, tmp_path / "worker2.log", "--concurrency=2")
    try:
        final = wait_until(lambda: _all_scored_once(pg_url, n), 50, what="all comments scored")
    finally:
        restarted.stop()
    assert final["pending"] == 0 and final["failed"] == 0
    assert final["max_rows_per_comment"] == 1
    assert sum(k for _, k in analyzer_calls(tmp_path)) > n  # the killed batches really were analysed again


def test_redis_restart_during_run_resumes_when_it_is_back(pg_url, tmp_path):
    env = worker_env(pg_url, tmp_path, MODSVC_TEST_ANALYZER_DELAY="0.25")
    n = 150
    import_comments(pg_url, [f"comment number {i}" for i in range(n)], producer(env).enqueue_scoring)
    worker = Worker(env, tmp_path / "worker.log", "--concurrency=1", "--beat")
    try:
        wait_until(lambda: counts(pg_url)["scored"] >= 20, 30, what="first batches")
        stop_redis()  # nosave: every queued message is gone
        time.sleep(3)
        start_redis()
        assert counts(pg_url)["pending"] > 0
        final = wait_until(lambda: _all_scored_once(pg_url, n), 55, what="all comments scored after the restart")
    finally:
        start_redis()
        worker.stop()
    assert final["max_rows_per_comment"] == 1 and final["failed"] == 0


def _set_connections(admin_url: str, database: str, allowed: bool) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {"true" if allowed else "false"}')
        if not allowed:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (database,))


def test_database_briefly_unreachable_tasks_retry_nothing_lost(pg_url, tmp_path):
    from sqlalchemy.engine import make_url

    from pg_databases import PG_ADMIN_URL
    from modsvc.db import get_engine

    env = worker_env(pg_url, tmp_path, MODSVC_TEST_ANALYZER_DELAY="0.1")
    n = 120
    import_comments(pg_url, [f"comment number {i}" for i in range(n)], producer(env).enqueue_scoring)
    database = make_url(pg_url).database
    get_engine.cache_clear()
    worker = Worker(env, tmp_path / "worker.log", "--concurrency=2")
    try:
        wait_until(lambda: counts(pg_url)["scored"] >= 10, 30, what="first batches")
        get_engine.cache_clear()
        _set_connections(PG_ADMIN_URL, database, allowed=False)
        time.sleep(5)
        _set_connections(PG_ADMIN_URL, database, allowed=True)
        final = wait_until(lambda: _all_scored_once(pg_url, n), 55, what="all comments scored after the outage")
    finally:
        _set_connections(PG_ADMIN_URL, database, allowed=True)
        worker.stop()
    assert final["max_rows_per_comment"] == 1 and final["failed"] == 0
    log = (tmp_path / "worker.log").read_text()
    assert "Retry in" in log  # the outage was seen and retried, not silently skipped


def test_poison_comment_is_marked_failed_and_the_rest_go_through(pg_url, tmp_path):
    env = worker_env(pg_url, tmp_path, MODSVC_TEST_POISON_SUBSTRING="POISON")
    bodies = [f"comment number {i}" for i in range(29)] + ["this is POISON for the model", "x" * 1_000_000]
    import_comments(pg_url, bodies, producer(env).enqueue_scoring)
    worker = Worker(env, tmp_path / "worker.log", "--concurrency=1")
    try:
        final = wait_until(lambda: (c := counts(pg_url))["pending"] == 0 and c, 40, what="no comment pending")
    finally:
        worker.stop()
    assert (final["scored"], final["failed"]) == (30, 1)
    with get_sessionmaker(pg_url)() as s:
        poison = s.scalars(select(Comment).where(Comment.body.contains("POISON"))).one()
        big = s.scalars(select(Comment).where(Comment.external_id == "c30")).one()
    assert (poison.score_state, poison.status) == ("failed", "failed")
    assert 1 <= poison.score_attempts <= 3  # the start-up sweep may retry it, never more than the maximum
    assert "PoisonError" in poison.score_error and "POISON" in poison.score_error
    assert big.score_state == "scored" and big.status == "allowed"


def test_a_batch_over_the_soft_time_limit_is_split_until_the_slow_comment_fails_alone(pg_url, tmp_path):
    env = worker_env(pg_url, tmp_path, MODSVC_TEST_SLOW_SUBSTRING="SLOW", MODSVC_TASK_SOFT_TIME_LIMIT="1",
                     MODSVC_TASK_TIME_LIMIT="20", MODSVC_SCORE_BATCH_SIZE="8")
    bodies = [f"comment number {i}" for i in range(7)] + ["this one is SLOW to analyse"]
    import_comments(pg_url, bodies, producer(env).enqueue_scoring)
    worker = Worker(env, tmp_path / "worker.log", "--concurrency=1")
    try:
        final = wait_until(lambda: (c := counts(pg_url))["pending"] == 0 and c, 45, what="no comment pending")
    finally:
        worker.stop()
    assert (final["scored"], final["failed"]) == (7, 1)
    with get_sessionmaker(pg_url)() as s:
        slow = s.scalars(select(Comment).where(Comment.body.contains("SLOW"))).one()
    assert slow.status == "failed" and "timed out" in slow.score_error


def test_rabbitmq_broker_works_too(pg_url, tmp_path):
    import socket

    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", 5672)) != 0:
            pytest.fail("RabbitMQ is not reachable") if os.environ.get("CI") else pytest.skip("no RabbitMQ")
    env = worker_env(pg_url, tmp_path, MODSVC_BROKER_URL="amqp://guest:guest@127.0.0.1:5672//")
    dispatcher = producer(env)
    import_comments(pg_url, [f"comment number {i}" for i in range(40)], dispatcher.enqueue_scoring)
    worker = Worker(env, tmp_path / "worker.log", "--concurrency=1")
    try:
        final = wait_until(lambda: _all_scored_once(pg_url, 40), 40, what="all comments scored")
    finally:
        worker.stop()
        with dispatcher.celery_app.connection_for_write() as conn:
            conn.default_channel.queue_delete(env["MODSVC_CELERY_QUEUE"])
    assert final["max_rows_per_comment"] == 1


def test_a_comment_that_kills_the_worker_process_fails_alone_after_its_attempts(pg_url, tmp_path):
    env = worker_env(pg_url, tmp_path, MODSVC_TEST_CRASH_SUBSTRING="CRASH", MODSVC_MAX_SCORE_ATTEMPTS="2")
    bodies = [f"comment number {i}" for i in range(19)] + ["this one CRASHes the model in native code"]
    import_comments(pg_url, bodies, producer(env).enqueue_scoring)
    worker = Worker(env, tmp_path / "worker.log", "--concurrency=1")
    try:
        final = wait_until(lambda: (c := counts(pg_url))["pending"] == 0 and c, 50, what="no comment pending")
    finally:
        worker.stop()
    assert (final["scored"], final["failed"]) == (19, 1)
    with get_sessionmaker(pg_url)() as s:
        crash = s.scalars(select(Comment).where(Comment.body.contains("CRASH"))).one()
    assert crash.status == "failed" and "crashed the worker process" in crash.score_error
