"""The first screen after `make run`, as a new reviewer sees it: real commands, the real default model, Chromium.

The steps of scripts/demo.sh (db upgrade, import seeds/, create the admin, serve) run as real processes on a
fresh instance directory; the reviewer signs in and must see, without picking a tab, a held comment with its
evidence highlighted at the top, and the seed's Khazar reply among the waiting ones (held or in review: the
default multilingual model sends it to review, the built-in English model held it), its Khazar evidence marked.
"""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from .conftest import ARTIFACTS, REPO, _free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KHAZAR_REPLY = "Good to hear from you, Andrew"
MODSVC = str(Path(sys.executable).with_name("modsvc"))


def _step(env: dict, *args: str, stdin: str | None = None, ok=(0,)) -> subprocess.CompletedProcess:
    done = subprocess.run([MODSVC, *args], env=env, cwd=REPO, input=stdin, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode in ok, f"modsvc {' '.join(args)}: exit {done.returncode}\n{done.stderr}"
    return done


def _wait_until_scored(url: str, timeout: float = 300) -> None:
    """The embedded worker inside `serve` scores the import; wait until no comment is left unscored."""
    from modsvc.db import get_sessionmaker
    from modsvc.models import Comment

    sessions = get_sessionmaker(url)
    deadline = time.monotonic() + timeout
    while True:
        with sessions() as s:
            states = dict(s.execute(select(Comment.score_state, func.count()).group_by(Comment.score_state)).all())
        if states and set(states) == {"scored"}:
            return
        assert "failed" not in states, f"scoring failed: {states}"
        assert time.monotonic() < deadline, f"comments still unscored after {timeout}s: {states}"
        time.sleep(0.5)


@pytest.fixture
def make_run(tmp_path):
    """scripts/demo.sh's steps on a fresh instance directory. Yields (base url, admin password, database url)."""
    instance = tmp_path / "instance"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODSVC_")}
    # The ONNX encoder `make run` builds lives in the checkout's instance/models (without it: the PyTorch encoder).
    env.update(MODSVC_INSTANCE_DIR=str(instance), MODSVC_MODEL_DIR=str(REPO / "instance" / "models"))
    _step(env, "db", "upgrade")
    _step(env, "import", "--quiet", "seeds/", ok=(0, 1))
    password = secrets.token_urlsafe(12)
    _step(env, "users", "create", "admin", "--role", "admin", stdin=password + "\n")
    port = _free_port()
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen([MODSVC, "serve", "--port", str(port)], env=env, cwd=REPO, stdout=log,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("modsvc serve did not start: " + (tmp_path / "server.log").read_text())
            time.sleep(0.2)
    try:
        yield f"http://127.0.0.1:{port}", password, f"sqlite:///{instance / 'modsvc.db'}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_first_screen_after_make_run_shows_the_khazar_reply_waiting_with_its_evidence(make_run, pages):
    base, password, url = make_run
    _wait_until_scored(url)
    page = pages()
    page.goto(base + "/")
    page.fill('input[name="username"]', "admin")
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"]')
    page.wait_for_url(base + "/queue")

    assert page.locator('nav.tabs a[aria-current="page"]').get_attribute("data-tab") == "waiting"
    assert "queue is empty" not in page.content()
    # the highest-priority held comment (of the three seed threads, English, German and Russian) is on the first
    # screen, its evidence highlighted, no scrolling needed
    top = page.locator(".item").first
    assert top.get_attribute("data-status") == "held"
    assert top.is_visible() and top.bounding_box()["y"] < page.viewport_size["height"]
    assert top.locator(".comment-text mark").count() >= 1
    item = page.locator(".item", has_text=KHAZAR_REPLY)
    assert item.count() == 1
    status = item.get_attribute("data-status")
    assert status in ("held", "review")
    item.scroll_into_view_if_needed()
    marks = item.locator(".comment-text mark")
    assert marks.count() >= 1
    assert any("Khazar" in marks.nth(k).inner_text() for k in range(marks.count()))
    assert "antisemitism" in item.locator(".spans").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "first-screen.png"))
    held = int(page.locator('[data-tab-count="held"]').inner_text())
    review = int(page.locator('[data-tab-count="review"]').inner_text())
    assert page.locator(".item").count() == held + review == int(page.locator('[data-tab-count="waiting"]')
                                                                  .inner_text())

    # The keys work on the landing view: reject the reply (reason 3, hate speech) without leaving it.
    item.locator(".comment-text").click()  # makes it the current item
    assert "current" in item.get_attribute("class")
    page.keyboard.press("r")
    page.locator("#reject-dialog").wait_for(state="visible")
    page.keyboard.press("3")
    page.keyboard.press("Enter")
    item.locator(".item-msg").filter(has_text="Rejected").wait_for()
    counts = {"held": held, "review": review}
    counts[status] -= 1  # the reply leaves its own tab
    assert page.locator('[data-tab-count="held"]').inner_text() == str(counts["held"])
    assert page.locator('[data-tab-count="review"]').inner_text() == str(counts["review"])
    assert page.locator('[data-tab-count="waiting"]').inner_text() == str(held + review - 1)
