"""Fixtures for the analysis core: one built-in analyzer per test session (loading it takes a few seconds)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_14b138b21b3c6e77.txt"


@pytest.fixture(scope="session")
def analyzer():
    from modsvc.analysis import get_analyzer

    return get_analyzer("builtin")


@pytest.fixture(scope="session")
def seed_thread() -> list[str]:
    return seed_comments()


def seed_comments() -> list[str]:
    """The reader comments at the end of the seed page (numbered items and indented • replies)."""
    text = SEED.read_text(encoding="utf-8")
    tail = text[text.index("Comment Policy"):text.index("Comments are closed.")]
    blocks = re.split(r"\n\s*(?:\d+\.|•)\s+", tail)[1:]
    return [re.sub(r"\n\s+", "\n", b).strip() for b in blocks]
