"""Fixtures for the importer tests."""
from __future__ import annotations

from pathlib import Path

import pytest

from importer_helpers import SEED


@pytest.fixture
def seed_path() -> Path:
    return SEED
