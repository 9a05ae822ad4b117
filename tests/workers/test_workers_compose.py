"""docker-compose.yml and the Dockerfile cannot run here (no Docker engine), so check what can go stale:
every service's command is one the installed CLI accepts, every MODSVC_* variable is one modsvc reads,
and the image copies every package the commands import. test_workers_scaled.py runs the same topology
(gunicorn + Celery worker + PostgreSQL + Redis) on the local servers."""
from __future__ import annotations

import re
import subprocess

import yaml

from workers_harness import REPO, VENV_BIN

COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
DOCKERFILE = (REPO / "Dockerfile").read_text()


def _known_env_names() -> set[str]:
    names = set()
    for path in [*REPO.glob("modsvc/**/*.py"), *REPO.glob("workers/*.py")]:
        names.update(re.findall(r"MODSVC_[A-Z_]+", path.read_text()))
    return names


def test_services_and_their_order():
    services = COMPOSE["services"]
    assert {"postgres", "redis", "migrate", "web", "worker", "beat"} <= set(services)
    assert services["migrate"]["command"] == ["modsvc", "db", "upgrade"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_every_modsvc_variable_is_one_modsvc_reads():
    known = _known_env_names()
    env = COMPOSE["x-modsvc"]["environment"]
    assert set(env) <= known, set(env) - known
    assert env["MODSVC_BROKER_URL"].startswith("redis://") and env["MODSVC_DATABASE_URL"].startswith("postgresql://")
    for name in re.findall(r"MODSVC_[A-Z_]+", DOCKERFILE):
        assert name in known, name


def test_service_commands_are_accepted_by_the_cli(tmp_path):
    env = {"PATH": str(VENV_BIN), "MODSVC_INSTANCE_DIR": str(tmp_path), "HOME": str(tmp_path)}
    for name in ("migrate", "worker", "beat"):
        command = [re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", part) for part in COMPOSE["services"][name]["command"]]
        result = subprocess.run([str(VENV_BIN / command[0]), *command[1:], "--help"], env=env, cwd=REPO,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, (name, result.stderr[-2000:])
    web = COMPOSE["services"]["web"]["command"]
    assert web[0] == "gunicorn" and web[-1] == "modsvc.app:create_app()"  # run for real in test_workers_scaled.py


def test_image_contains_what_the_commands_import():
    for package in ("modsvc", "workers", "pyproject.toml", "README.md"):
        assert re.search(rf"^COPY .*\b{re.escape(package)}\b", DOCKERFILE, re.M), package
    assert "torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in DOCKERFILE
    assert "modsvc.analysis.export_onnx" in DOCKERFILE  # the built-in model's encoder is built into the image
