"""How fast is the review queue on a big database? Target: at most 150 ms server time per request.

Fills its own PostgreSQL database (default ``modsvc_bench_queue`` on the local server, dropped and re-created)
with 1,000,000 comments — a realistic mix of machine decisions, human decisions and scores, loaded with COPY —
then times, through the Flask test client (server time, no network):
  * the first queue page (Waiting: held and review in one order, with the counts of every tab) and Needs review,
  * a filtered queue page (site + label + score range),
  * an action (approve, with its version check and audit row),
each cold (first request, no cached counts) and warm (median of the next runs).

    .venv/bin/python bench/queue_page.py [--comments 1000000] [--keep] [--reuse]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ADMIN_URL = os.environ.get("MODSVC_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
DB_NAME = os.environ.get("MODSVC_BENCH_DB", "modsvc_bench_queue")
TARGET_MS = 150.0
LABELS = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack", "sexual_explicit",
          "antisemitism", "conspiracy")
TROPES = {"antisemitism": ("control_finance", "globalist_code", "khazar_myth", "dual_loyalty"),
          "conspiracy": ("secret_control", "great_replacement", "plandemic")}
# status -> share of comments (a news site after a few months: most comments pass the policy untouched)
STATUS_MIX = (("allowed", 0.55), ("review", 0.14), ("held", 0.03), ("approved", 0.15), ("rejected", 0.09),
              ("failed", 0.01), ("unscored", 0.03))
WORDS = ("the council vote tram budget people think never always really money bank media school city mayor "
         "story article wrong right idiot stupid liars control world truth election hate love you they we "
         "agree disagree policy tax road police court judge war peace history jewish israel news fake").split()
MODEL = "builtin-1.0"
RARE_WORDS = (("rothschild", 0.004), ("khazarian", 0.001), ("vaxxed", 0.01), ("bit.ly/x", 0.002))


def _url(name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def recreate_database() -> str:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return _url(DB_NAME)


def _pick_status(rng: random.Random) -> str:
    x = rng.random()
    for status, share in STATUS_MIX:
        if x < share:
            return status
        x -= share
    return "allowed"


def fill(url: str, n_comments: int, seed: int = 7) -> None:
    import psycopg

    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    n_threads = max(10, n_comments // 50)
    n_authors = max(10, n_comments // 20)
    conn_url = url.replace("postgresql+psycopg://", "postgresql://")
    t0 = time.perf_counter()
    with psycopg.connect(conn_url) as conn:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO sites (key, name, created_at) VALUES ('daily', 'The Daily', now()), "
                        "('forum', 'Forum', now()), ('blog', 'Blog', now())")
            cur.execute("INSERT INTO users (username, password_hash, role, active, created_at) VALUES "
                        "('bench', 'x', 'moderator', true, now()) RETURNING id")
            with cur.copy("COPY threads (id, site_id, external_id, title, url, closed, created_at, updated_at) FROM STDIN") as cp:
                for t in range(1, n_threads + 1):
                    site = 1 if t % 10 < 6 else 2 if t % 10 < 9 else 3
                    cp.write_row((t, site, f"story-{t}", f"Story number {t}", f"https://news.example/{t}", False, now, now))
            cur.execute(f"SELECT setval('threads_id_seq', {n_threads})")
        conn.commit()
        print(f"  threads: {n_threads} in {time.perf_counter() - t0:.1f}s", flush=True)

        flags, scores, audits = [], [], []
        t1 = time.perf_counter()
        with conn.cursor() as cur, cur.copy(
                "COPY comments (id, thread_id, parent_id, external_id, author, body, posted_at, depth, content_hash, "
                "score_state, score_attempts, model_version, status, priority, top_label, top_score, escalated, "
                "version, created_at, updated_at) FROM STDIN") as cp:
            for cid in range(1, n_comments + 1):
                status = _pick_status(rng)
                thread = rng.randint(1, n_threads)
                created = now - timedelta(seconds=rng.randint(0, 60 * 86400))
                body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 60)))
                for rare, share in RARE_WORDS:  # what reviewers search for: names, slurs, links
                    if rng.random() < share:
                        body += " " + rare
                scored = status not in ("unscored", "failed")
                top_label, top_score, priority = None, None, 0.0
                comment_flags = []
                if scored:
                    top_label = rng.choice(LABELS)
                    if status == "allowed":
                        top_score = rng.random() * 0.5
                    else:
                        top_score = 0.5 + rng.random() * 0.5
                    priority = round(top_score * (1.5 if top_label in ("antisemitism", "threat") else 1.0)
                                     + rng.random() * 0.2, 4)
                    if top_score >= 0.5:
                        comment_flags.append((cid, top_label, None, top_score))
                        if top_label in TROPES:
                            comment_flags.append((cid, top_label, rng.choice(TROPES[top_label]), top_score))
                        if rng.random() < 0.3:
                            other = rng.choice(LABELS)
                            if other != top_label:
                                comment_flags.append((cid, other, None, round(top_score * 0.8, 3)))
                    flags.extend(comment_flags)
                    scores.append((cid, top_label, top_score, status))
                if status in ("approved", "rejected"):
                    audits.append((cid, status, created + timedelta(hours=2)))
                parent = cid - rng.randint(1, 50) if cid > 50 and rng.random() < 0.4 else None
                cp.write_row((cid, thread, parent, f"c{cid}", f"user{rng.randint(1, n_authors)}", body, created,
                              1 if parent else 0, f"{cid:064x}", "scored" if scored else ("failed" if status == "failed" else "pending"),
                              1 if scored else 0, MODEL if scored else None, status, priority, top_label, top_score,
                              False, 1, created, created))
        conn.commit()
        print(f"  comments: {n_comments} in {time.perf_counter() - t1:.1f}s", flush=True)

        t2 = time.perf_counter()
        with conn.cursor() as cur:
            with cur.copy("COPY comment_flags (comment_id, label, trope, score) FROM STDIN") as cp:
                for row in flags:
                    cp.write_row(row)
            with cur.copy("COPY comment_scores (comment_id, model_version, content_hash, scores, spans, decision, "
                          "decision_reason, created_at) FROM STDIN") as cp:
                for cid, label, value, status in scores:
                    decision = {"review": "review", "held": "hold"}.get(status, "allow")
                    cp.write_row((cid, MODEL, f"{cid:064x}", json.dumps({label: round(value, 4)}),
                                  json.dumps([{"begin": 0, "end": 8, "label": label, "score": round(value, 4),
                                               "reason": "bench span", "trope": None}]),
                                  decision, f"{label} {value:.2f}", now))
            with cur.copy("COPY audit_log (comment_id, user_id, actor, action, old_status, new_status, reason, created_at) "
                          "FROM STDIN") as cp:
                for cid, status, when in audits:
                    cp.write_row((cid, 1, "bench", "approve" if status == "approved" else "reject", "review", status,
                                  None if status == "approved" else "toxic", when))
            for table in ("comments", "comment_flags", "comment_scores", "audit_log"):
                cur.execute(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        print(f"  flags {len(flags)}, scores {len(scores)}, audit rows {len(audits)} in "
              f"{time.perf_counter() - t2:.1f}s; total {time.perf_counter() - t0:.1f}s", flush=True)


def measure(url: str, runs: int) -> list[tuple[str, float, float]]:
    import re

    from modsvc.access.accounts import hash_password
    from modsvc.app import create_app
    from modsvc.config import Settings
    from modsvc.db import get_sessionmaker
    from modsvc.models import User

    with get_sessionmaker(url)() as s:
        user = s.query(User).filter_by(username="bench").one()
        user.password_hash = hash_password("bench password")
        s.commit()
    app = create_app(Settings(database_url=url, secret_key="bench", broker_url="", redis_url=""))
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"username": "bench", "password": "bench password", "csrf_token": token}).status_code == 302

    def timed(fn) -> float:
        start = time.perf_counter()
        response = fn()
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, response.status_code
        return elapsed

    results = []
    def clear_counts():
        c = app.extensions.get("modsvc.queue_counts")
        if c is not None:
            c.clear()

    timed(lambda: client.get("/audit"))  # warm-up: templates compiled, pool connected (not what we measure)
    for name, path in (("queue page (Waiting: held + review)", "/queue"),
                       ("queue page (Needs review)", "/queue?tab=review"),
                       ("filtered page (site + label + min score)", "/queue?site=daily&label=antisemitism&min_score=0.7"),
                       ("search page (word + site)", "/queue?site=forum&q=rothschild"),
                       ("search page (two common words, worst case)", "/queue?q=election%20money")):
        clear_counts()
        cold = timed(lambda: client.get(path))  # counts not cached: counted within the budget or deferred
        warm = statistics.median(timed(lambda: client.get(path)) for _ in range(runs))
        counts_path = path.replace("/queue", "/queue/counts", 1)
        uncached = statistics.median((clear_counts(), timed(lambda: client.get(counts_path)))[1] for _ in range(runs))
        results.append((name, cold, warm, uncached))

    html = client.get("/queue").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    items = re.findall(r'data-id="(\d+)" data-version="(\d+)"', html)
    action_times = []
    for cid, version in items[:runs + 1]:
        action_times.append(timed(lambda: client.post(f"/queue/{cid}/decide", json={"action": "approve", "version": int(version)},
                                                      headers={"X-CSRFToken": token, "Accept": "application/json"})))
    results.append(("action (approve: version-checked UPDATE + audit row)", action_times[0],
                    statistics.median(action_times[1:]), float("nan")))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="measure an existing bench database, do not refill")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    from modsvc import migrations

    url = _url(DB_NAME)
    if not args.reuse:
        print(f"filling {DB_NAME} with {args.comments:,} comments ...", flush=True)
        url = recreate_database()
        migrations.upgrade(url)
        fill(url, args.comments)
    results = measure(url, args.runs)
    print(f"\nserver time per request, {args.comments:,} comments, PostgreSQL (target {TARGET_MS:.0f} ms):")
    print(f"  {'request':<55} {'cold':>9} {'warm':>9} {'/queue/counts':>16}")
    worst = 0.0
    for name, cold, warm, uncached in results:
        shown_uncached = "" if uncached != uncached else f"{uncached:>13.1f} ms"
        print(f"  {name:<55} {cold:>6.1f} ms {warm:>6.1f} ms {shown_uncached:>16}")
        worst = max(worst, cold, warm)
    print("  cold = first request, nothing cached; warm = median of the next runs; /queue/counts = the deferred\n"
          "  tab counts, uncached (a page whose counts do not finish within its budget fetches them from there)")
    print(f"\nworst page/action figure: {worst:.1f} ms -> {'OK' if worst <= TARGET_MS else 'OVER TARGET'}")
    if not args.keep:
        from modsvc.db import get_engine

        get_engine.cache_clear()
        import psycopg

        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


if __name__ == "__main__":
    main()
