"""Date normalisation shared by every importer: timezone-aware UTC or None with a warning."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from modsvc.ingest.importers.common import parse_datetime
from modsvc.ingest.importers.source import Reporter

UTC = timezone.utc


@pytest.mark.parametrize("value,expected", [
    ("2021-03-01T10:05:00Z", datetime(2021, 3, 1, 10, 5, tzinfo=UTC)),
    ("2021-03-01T10:05:00.123456789Z", datetime(2021, 3, 1, 10, 5, 0, 123456, tzinfo=UTC)),
    ("2021-03-01T12:05:00+02:00", datetime(2021, 3, 1, 10, 5, tzinfo=UTC)),
    ("2021-03-01 10:05:00", datetime(2021, 3, 1, 10, 5, tzinfo=UTC)),
    ("2021-03-01 10:05:00 UTC", datetime(2021, 3, 1, 10, 5, tzinfo=UTC)),
    ("Mon, 01 Mar 2021 11:05:00 +0100", datetime(2021, 3, 1, 10, 5, tzinfo=UTC)),
    ("Jan 10, 2022", datetime(2022, 1, 10, tzinfo=UTC)),
    (1614593100, datetime(2021, 3, 1, 10, 5, tzinfo=UTC)),
    (1614593100000, datetime(2021, 3, 1, 10, 5, tzinfo=UTC)),
    ("1614593100", datetime(2021, 3, 1, 10, 5, tzinfo=UTC)),
])
def test_parsed_to_aware_utc(value, expected):
    rep = Reporter()
    got = parse_datetime(value, "f:1", rep)
    assert got == expected and got.tzinfo is UTC and rep.pending == []


@pytest.mark.parametrize("value", [None, "", "0000-00-00 00:00:00"])
def test_empty_values_are_none_without_warning(value):
    rep = Reporter()
    assert parse_datetime(value, "f:1", rep) is None and rep.pending == []


@pytest.mark.parametrize("value", ["03/01/2021", "yesterday", "2021-02-30", 10 ** 20])
def test_unparseable_is_none_with_a_warning(value):
    rep = Reporter()
    assert parse_datetime(value, "f:7", rep) is None
    assert [(w.source, "unparseable date" in w.message) for w in rep.pending] == [("f:7", True)]
