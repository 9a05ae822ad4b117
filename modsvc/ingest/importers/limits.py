"""Size caps while reading an import, so one hostile line or record cannot exhaust memory.

    MODSVC_MAX_LINE_BYTES    (default 64 MiB) the longest line any line-based reader keeps (JSONL, CSV,
                             scraped pages); a longer line is skipped as it is read, never held whole
    MODSVC_MAX_RECORD_BYTES  (default 64 MiB) the largest single record: one value of a JSON document (a thread
                             in the array, or the whole document), one CSV row, one scraped page, one top-level
                             XML element (a Disqus <thread> / <post>, a WordPress <item>) or XML text node

Either way the record is rejected with its line number and the rest of the file goes on. A JSONL line is a
record, so it is bounded by the line cap. Both are read when an import starts, so tests and long-running
servers see a changed environment.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

MIB = 1 << 20
DEFAULT_MAX_LINE_BYTES = 64 * MIB
DEFAULT_MAX_RECORD_BYTES = 64 * MIB
LINE_SETTING = "MODSVC_MAX_LINE_BYTES"
RECORD_SETTING = "MODSVC_MAX_RECORD_BYTES"


def _size(n: int) -> str:
    if n >= MIB and n % MIB == 0:
        return f"{n // MIB:,} MiB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024:,} KiB"
    return f"{n:,} bytes"


def _env_bytes(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number of bytes, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


@dataclass(frozen=True, slots=True)
class ReadLimits:
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES

    @classmethod
    def from_env(cls) -> "ReadLimits":
        return cls(_env_bytes(LINE_SETTING, DEFAULT_MAX_LINE_BYTES),
                   _env_bytes(RECORD_SETTING, DEFAULT_MAX_RECORD_BYTES))

    def line_too_long(self, size: int) -> str:
        return (f"a line of {size:,} bytes is longer than the limit of {_size(self.max_line_bytes)} "
                f"({LINE_SETTING}); it was skipped")

    def record_too_large(self, what: str) -> str:
        return f"{what} is larger than the limit of {_size(self.max_record_bytes)} ({RECORD_SETTING}); it was skipped"
