"""Embedded mode for real: `modsvc serve` on a temporary SQLite file scores what `modsvc import` wrote,
and a serve process killed mid-run leaves nothing behind once restarted."""
from __future__ import annotations

import signal
import subprocess

from workers_harness import REPO, VENV_BIN, counts, free_port, get_json, make_api_key, wait_until, worker_env

SEEDS = str(REPO / "seeds")


def _env(tmp_path, **extra):
    url = f"sqlite:///{tmp_path / 'modsvc.db'}"
    env = worker_env(url, tmp_path, MODSVC_EMBEDDED_POLL_SECONDS="0.3", **extra)
    env.pop("MODSVC_BROKER_URL")
    return url, env


class Serve:
    def __init__(self, env, tmp_path, name):
        self.key = make_api_key(env["MODSVC_DATABASE_URL"])
        self.port = free_port()
        self.log = open(tmp_path / f"{name}.log", "ab")
        self.proc = subprocess.Popen([str(VENV_BIN / "modsvc"), "serve", "--port", str(self.port)], env=env,
                                     cwd=tmp_path, stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(lambda: self.status(), 30, what="modsvc serve to answer")

    def status(self):
        return get_json(f"http://127.0.0.1:{self.port}/api/v1/status", headers={"X-API-Key": self.key})

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def _import(env, *args):
    return subprocess.run([str(VENV_BIN / "modsvc"), "import", SEEDS, "--quiet", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_serve_scores_imports_in_the_background_and_a_restart_picks_up_the_rest(tmp_path):
    url, env = _env(tmp_path, MODSVC_SCORE_BATCH_SIZE="2", MODSVC_TEST_ANALYZER_DELAY="1.0")
    serve = Serve(env, tmp_path, "serve1")
    try:
        status = serve.status()
        assert status["mode"] == "embedded" and status["comments"]["total"] == 0  # serve imports nothing itself
        result = _import(env)
        assert result.returncode == 0, result.stderr
        total = counts(url)["comments"]
        assert total >= 4
        wait_until(lambda: serve.status()["comments"]["score_state"]["scored"] >= 2, 30, what="a first batch")
        serve.kill()  # mid-run: the next batch is leased and half-way through the model
    finally:
        serve.stop()
    assert counts(url)["pending"] > 0

    serve = Serve(env, tmp_path, "serve2")
    try:
        done = wait_until(lambda: (s := serve.status())["comments"]["score_state"]["pending"] == 0 and s, 40,
                          what="every comment scored after the restart")
    finally:
        serve.stop()
    assert done["comments"]["score_state"]["scored"] == total
    final = counts(url)
    assert final["score_rows"] == total and final["max_rows_per_comment"] == 1
    assert sum(done["comments"]["status"].get(s, 0) for s in ("allowed", "review", "held")) == total


def test_import_wait_scores_in_process_before_returning(tmp_path):
    url, env = _env(tmp_path)
    result = _import(env, "--wait")
    assert result.returncode == 0, result.stderr
    total = counts(url)["comments"]
    assert f"scoring: {total} scored, 0 failed" in result.stdout
    assert counts(url)["pending"] == 0 and counts(url)["score_rows"] == total
