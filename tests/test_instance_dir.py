"""MODSVC_INSTANCE_DIR alone moves every default path: database, model files, uploads, secret key."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MODSVC = str(Path(sys.executable).parent / "modsvc")


def _env_with_only_the_instance_dir(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODSVC_")}
    env.update(MODSVC_INSTANCE_DIR=str(instance), MODSVC_THREADS="1", PYTHONPATH=str(REPO))
    return env


def _built_encoders() -> list[Path]:
    built = sorted((REPO / "instance" / "models").glob("*.onnx"))
    if not built:
        message = "the ONNX encoders are not built (python -m modsvc.analysis.export_onnx; make test builds them)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    return built


def test_the_encoder_built_in_the_instance_dir_is_used(tmp_path):
    """The issue: with only MODSVC_INSTANCE_DIR set, the model looked in ./instance/models and fell back to
    the slow PyTorch encoder although the ONNX encoder was built in the instance directory."""
    instance = tmp_path / "elsewhere" / "instance"
    (instance / "models").mkdir(parents=True)
    for onnx in _built_encoders():  # the English and the multilingual model's
        (instance / "models" / onnx.name).symlink_to(onnx)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    result = subprocess.run([MODSVC, "score"], input=json.dumps({"id": "c1", "text": "Thanks, a fair point."}) + "\n",
                            env=_env_with_only_the_instance_dir(instance), cwd=cwd, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert "not built" not in result.stderr
    scored = json.loads(result.stdout.splitlines()[0])
    assert "/onnx" in scored["model"]["encoder"], scored["model"]  # not the PyTorch fallback
    assert not (cwd / "instance").exists()


def test_every_default_path_follows_the_instance_dir(tmp_path, monkeypatch):
    instance = tmp_path / "data"
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    result = subprocess.run([MODSVC, "doctor", "--skip-model"], env=_env_with_only_the_instance_dir(instance),
                            cwd=cwd, capture_output=True, text=True, timeout=120)
    shown = {key: value.strip() for key, _, value in (line.strip().partition(":") for line in result.stdout.splitlines())}
    assert shown["database_url"] == f"sqlite:///{instance / 'modsvc.db'}"
    assert shown["model_dir"] == str(instance / "models")
    assert shown["upload_dir"] == str(instance / "uploads")
    assert (instance / "secret_key").is_file()  # the generated key is kept there, not in ./instance
    assert not (cwd / "instance").exists()

    from modsvc.analysis.settings import load_settings as analysis_settings
    from modsvc.config import Settings

    env = {"MODSVC_INSTANCE_DIR": str(instance)}
    assert analysis_settings(env).model_dir == instance / "models"
    for name in ("MODSVC_UPLOAD_DIR", "MODSVC_MODEL_DIR", "MODSVC_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MODSVC_INSTANCE_DIR", str(instance))  # read when settings are made, not at import
    settings = Settings(secret_key="set")
    assert (settings.upload_dir, settings.model_dir) == (str(instance / "uploads"), str(instance / "models"))
    assert settings.database_url == f"sqlite:///{instance / 'modsvc.db'}"
