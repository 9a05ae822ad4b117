"""Real headless Chromium against the real app: `modsvc serve` in a subprocess, on a temp SQLite database.

Needs Debian's Chromium (`apt-get install -y chromium chromium-driver`; scripts/test.sh does it). On a failure the
page's screenshot goes to test-artifacts/<test name>.png.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from web.seeding import add_comment, add_thread

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("MODSVC_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
PASSWORD = "correct horse battery"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

XSS_BODY = "<img src=x onerror=alert('img')><script>alert('xss')</script> you people are vermin"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _modsvc(env: dict, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).with_name("modsvc")), *args],
                          env=env, input=stdin, capture_output=True, text=True, timeout=120)


def seed(url: str) -> dict[str, int]:
    """A small realistic queue. Returns comment ids by name."""
    from modsvc.db import get_sessionmaker

    ids: dict[str, int] = {}
    with get_sessionmaker(url)() as s:
        t = add_thread(s, "news", title="City council votes on the new tram line", url="https://news.example/tram")
        root = add_comment(s, t, "Finally some progress on public transport.", status="allowed", priority=0.05,
                           author="carol", age_minutes=300)
        ids["top"] = add_comment(
            s, t, "The Rothschilds control the banks and the council too.", parent=root, priority=1.4,
            author="dave", age_minutes=200,
            scores={"antisemitism": 0.93, "conspiracy": 0.71, "toxicity": 0.32},
            spans=[{"begin": 4, "end": 15, "label": "antisemitism", "score": 0.93,
                    "reason": "Jewish control of finance", "trope": "control_finance"},
                   {"begin": 4, "end": 33, "label": "conspiracy", "score": 0.71,
                    "reason": "a hidden group controls institutions", "trope": "secret_control"}],
            reason="antisemitism 0.93 ≥ hold threshold 0.85").id
        ids["xss"] = add_comment(s, t, XSS_BODY, priority=1.1, author="mallory", age_minutes=190,
                                 scores={"toxicity": 0.88, "insult": 0.81},
                                 spans=[{"begin": XSS_BODY.index("vermin"), "end": len(XSS_BODY), "label": "insult", "score": 0.81,
                                         "reason": "dehumanising insult", "trope": None}]).id
        for n in range(5):
            ids[f"mid{n}"] = add_comment(s, t, f"Comment number {n}: this tram plan is stupid and so are you.",
                                         priority=0.8 - n * 0.05, author=f"user{n}", age_minutes=100 - n,
                                         scores={"toxicity": 0.82 - n * 0.02, "insult": 0.6}).id
        ids["held"] = add_comment(s, t, "I know where the mayor lives.", status="held", priority=1.6, author="eve",
                                  scores={"threat": 0.91}, age_minutes=50).id
        s.commit()
    return ids


@pytest.fixture
def live_app(tmp_path):
    """Serve the real app; yields (base_url, ids of seeded comments, database url)."""
    from modsvc import migrations

    db = tmp_path / "modsvc.db"
    url = f"sqlite:///{db}"
    env = dict(os.environ, MODSVC_DATABASE_URL=url, MODSVC_INSTANCE_DIR=str(tmp_path / "instance"),
               MODSVC_SECRET_KEY="browser-test-secret", MODSVC_BROKER_URL="", MODSVC_REDIS_URL="")
    migrations.upgrade(url)
    for name, role in (("alice", "admin"), ("bob", "moderator")):
        done = _modsvc(env, "users", "create", name, "--role", role, stdin=PASSWORD + "\n")
        assert done.returncode == 0, done.stderr
    ids = seed(url)
    port = _free_port()
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen([str(Path(sys.executable).with_name("modsvc")), "serve", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("modsvc serve exited: " + (tmp_path / "server.log").read_text())
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("modsvc serve did not start: " + (tmp_path / "server.log").read_text())
    yield base, ids, url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} missing: apt-get install -y chromium chromium-driver")
        pytest.skip(f"{CHROMIUM} missing: apt-get install -y chromium chromium-driver")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def pages(browser, request):
    """Factory of signed-out pages, each in its own browser context; screenshots of all of them on failure."""
    contexts, opened = [], []

    def new_page():
        context = browser.new_context(viewport={"width": 1360, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        opened.append(page)
        return page

    yield new_page
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for k, page in enumerate(opened):
            try:
                page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{k}.png"), full_page=True)
            except Exception:
                pass
    for context in contexts:
        context.close()


def sign_in(page, base: str, user: str = "bob") -> None:
    page.goto(base + "/queue")
    page.fill('input[name="username"]', user)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(base + "/queue")
