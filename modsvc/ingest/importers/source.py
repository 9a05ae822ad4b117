"""Opening import files: gzip, byte-progress counting, UTF-8 repair, NUL stripping.

Every parser reads through an ``InputFile`` so the same rules hold for all
formats: invalid UTF-8 is replaced (with a warning naming file and line), NUL
bytes are dropped (warned), a truncated gzip stops reading cleanly and is
reported once, and the caller's ``progress(bytes_done)`` callback sees bytes
read from disk (compressed bytes for .gz, so a tqdm total of the file size works).
Lines longer than the line cap (``limits.py``) are skipped while they are read, so
a gzip "line bomb" never sits in memory.
"""
from __future__ import annotations

import codecs
import gzip
import io
import zlib
from collections import Counter
from pathlib import Path
from typing import Callable, Iterator

from .limits import ReadLimits
from .records import Rejection, Warning_

Progress = Callable[[int], None]

CHUNK = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"
BOM = codecs.BOM_UTF8
NL = b"\n"
# Errors that mean "the compressed stream ends early or is corrupt".
TRUNCATION_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)
# The same kind of warning is shown this often per file, then summarised.
WARNINGS_PER_KIND = 20


class Reporter:
    """Collects warnings for one input, capping repeats so a bad 1 GB file cannot flood the log."""

    def __init__(self) -> None:
        self.pending: list[Warning_ | Rejection] = []
        self._counts: Counter[str] = Counter()

    def warn(self, source: str, message: str, kind: str | None = None) -> None:
        kind = kind or message
        self._counts[kind] += 1
        if self._counts[kind] <= WARNINGS_PER_KIND:
            self.pending.append(Warning_(source=source, message=message))

    def reject(self, source: str, reason: str, record: str | None = None) -> None:
        self.pending.append(Rejection(source=source, reason=reason, record=excerpt(record)))

    def drain(self) -> list[Warning_ | Rejection]:
        out, self.pending = self.pending, []
        return out

    def summary(self, source: str) -> list[Warning_]:
        """One warning per kind that went over the cap, for the end of the file."""
        return [
            Warning_(source=source, message=f"{n - WARNINGS_PER_KIND} more warnings like {kind!r} not shown")
            for kind, n in self._counts.items()
            if n > WARNINGS_PER_KIND
        ]


def excerpt(text: str | bytes | None, limit: int = 200) -> str | None:
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text[: limit * 4].decode("utf-8", "replace")
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "…"


class _CountingRaw(io.RawIOBase):
    """Counts bytes as they come off the disk and tells the progress callback."""

    def __init__(self, fileobj, progress: Progress | None) -> None:
        self._f = fileobj
        self._progress = progress
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._f.readinto(buffer)
        if n:
            self.bytes_read += n
            if self._progress is not None:
                self._progress(self.bytes_read)
        return n

    def close(self) -> None:
        self._f.close()
        super().close()


class InputFile:
    """A decompressed, counted byte stream over one file, with repair helpers.

    ``name`` is what messages call the file: the name the user knows (an upload's original
    name), by default the file's own name. ``truncation`` is set (instead of raising) when
    a gzip stream ends early; parsers turn it into a Rejection after yielding everything
    read before it. ``long_lines`` collects (line number, size) of lines skipped for being
    over the line cap, for readers that only see a placeholder (``iter_text``).
    """

    def __init__(self, path: str | Path, progress: Progress | None = None, reporter: Reporter | None = None, *,
                 name: str | None = None, limits: ReadLimits | None = None):
        self.path = Path(path)
        self.name = name or self.path.name
        self.limits = limits or ReadLimits()
        self.reporter = reporter or Reporter()
        self.truncation: str | None = None
        self.long_lines: list[tuple[int, int]] = []
        self._raw = _CountingRaw(open(self.path, "rb", buffering=0), progress)
        buffered = io.BufferedReader(self._raw, buffer_size=CHUNK)
        self.compressed = buffered.peek(2)[:2] == GZIP_MAGIC
        self.stream: io.BufferedIOBase = gzip.GzipFile(fileobj=buffered, mode="rb") if self.compressed else buffered
        self._bom_checked = False

    def close(self) -> None:
        try:
            self.stream.close()
        finally:
            self._raw.close()

    def __enter__(self) -> "InputFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def bytes_read(self) -> int:
        return self._raw.bytes_read

    def _note_truncation(self, exc: BaseException) -> None:
        self.truncation = (
            f"{self.name}: the compressed file is truncated or corrupt ({exc}); "
            "records before that point were kept, the rest of the file is missing"
        )

    def truncation_rejection(self) -> list[Rejection]:
        return [Rejection(source=self.name, reason=self.truncation)] if self.truncation else []

    def _skip_bom(self, data: bytes) -> bytes:
        if not self._bom_checked:
            self._bom_checked = True
            if data.startswith(BOM):
                return data[len(BOM):]
        return data

    # -- raw chunks -------------------------------------------------------------------------
    def read_chunk(self, size: int = CHUNK) -> bytes:
        """Next chunk of decompressed bytes (BOM removed); b"" at the end or on truncation."""
        if self.truncation:
            return b""
        try:
            # read1: a truncated gzip then still hands over everything decompressed before the cut
            data = self.stream.read1(size)
        except TRUNCATION_ERRORS as exc:
            self._note_truncation(exc)
            return b""
        return self._skip_bom(data)

    # -- lines ------------------------------------------------------------------------------
    def iter_raw_lines(self) -> Iterator[bytes | int]:
        """Byte lines (with their line ending); stops cleanly at a gzip truncation.

        A line longer than ``limits.max_line_bytes`` is read past in chunks and never kept:
        its size in bytes (an int) comes in its place.
        """
        stream = self.stream
        cap = self.limits.max_line_bytes
        first = True
        while True:
            try:
                line = stream.readline(cap + 1)
                if len(line) > cap and not line.endswith(NL):
                    first = False
                    yield self._skip_rest_of_line(len(line))
                    continue
            except TRUNCATION_ERRORS as exc:
                self._note_truncation(exc)
                return
            if not line:
                return
            if first:
                first = False
                if line.startswith(BOM):
                    line = line[len(BOM):]
            yield line

    def _skip_rest_of_line(self, size: int) -> int:
        """Read to the end of an over-long line in bounded chunks; returns the line's size (without its end)."""
        while True:
            chunk = self.stream.readline(CHUNK)
            size += len(chunk)
            if not chunk:
                return size
            if chunk.endswith(NL):
                return size - 1

    def iter_text_lines(self) -> Iterator[tuple[int, str | None]]:
        """(line number, decoded line) with invalid UTF-8 replaced and NULs stripped, both warned.

        A line over the line cap comes as (line number, None) and is in ``long_lines``.
        """
        for lineno, raw in enumerate(self.iter_raw_lines(), 1):
            if isinstance(raw, int):
                self.long_lines.append((lineno, raw))
                yield lineno, None
            else:
                yield lineno, self.decode_line(raw, lineno)

    def iter_text(self) -> Iterator[str]:
        """Decoded lines only (the fast path for csv.reader); same repairs as iter_text_lines.

        A line over the line cap becomes an empty line (line numbers stay right) and is in ``long_lines``.
        """
        lineno = 0
        for raw in self.iter_raw_lines():
            lineno += 1
            if isinstance(raw, int):
                self.long_lines.append((lineno, raw))
                yield "\n"
                continue
            if b"\x00" in raw:
                yield self.decode_line(raw, lineno)
                continue
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                yield self.decode_line(raw, lineno)

    def decode_line(self, raw: bytes, lineno: int) -> str:
        if b"\x00" in raw:
            raw = raw.replace(b"\x00", b"")
            self.reporter.warn(f"{self.name}:{lineno}", "NUL bytes removed", kind="nul")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.reporter.warn(
                f"{self.name}:{lineno}",
                f"invalid UTF-8 at byte {exc.start} of the line, replaced with U+FFFD",
                kind="utf8",
            )
            return raw.decode("utf-8", "replace")


class TextChunks:
    """Decodes an InputFile chunk by chunk (for formats that are not line based, e.g. one big JSON array).

    Keeps a running line count so repairs are reported with a line number.
    """

    def __init__(self, inp: InputFile, size: int = CHUNK) -> None:
        self.inp = inp
        self.size = size
        self.line = 1  # line number at the start of the next chunk
        self._pending = b""
        self.eof = False

    def read(self) -> str:
        if self.eof:
            return ""
        data = self.inp.read_chunk(self.size)
        final = not data
        if final:
            self.eof = True
        if b"\x00" in data:
            line = self.line + data.count(NL, 0, data.index(b"\x00"))
            self.inp.reporter.warn(f"{self.inp.name}:{line}", "NUL bytes removed", kind="nul")
            data = data.replace(b"\x00", b"")
        data = self._pending + data
        try:
            text, used = codecs.utf_8_decode(data, "strict", final)
        except UnicodeDecodeError as exc:
            line = self.line + data.count(NL, 0, exc.start)
            self.inp.reporter.warn(
                f"{self.inp.name}:{line}",
                "invalid UTF-8 replaced with U+FFFD",
                kind="utf8",
            )
            text, used = codecs.utf_8_decode(data, "replace", final)
        self._pending = data[used:]
        self.line += data.count(NL, 0, used)
        if not text and not final:
            return self.read()
        return text


class CleanXmlStream(io.RawIOBase):
    """A file-like view of an InputFile for expat: NULs dropped, invalid UTF-8 repaired.

    Only used when the document is UTF-8 (declared or by default); other declared
    encodings are passed through untouched for expat to decode.
    """

    def __init__(self, inp: InputFile, repair_utf8: bool = True) -> None:
        self._chunks = TextChunks(inp, size=256 * 1024)
        self._inp = inp
        self._repair = repair_utf8
        self._buf = b""
        self._pos = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while self._pos >= len(self._buf):
            self._pos = 0
            if self._repair:
                text = self._chunks.read()
                if not text:
                    return b""
                self._buf = text.encode("utf-8")
            else:
                data = self._inp.read_chunk(256 * 1024)
                if not data:
                    return b""
                if b"\x00" in data:
                    self._inp.reporter.warn(self._inp.name, "NUL bytes removed", kind="nul")
                    data = data.replace(b"\x00", b"")
                self._buf = data
        start = self._pos
        end = len(self._buf) if size is None or size < 0 else min(len(self._buf), start + size)
        self._pos = end
        return self._buf[start:end] if (start or end != len(self._buf)) else self._buf

    def readinto(self, b) -> int:  # pragma: no cover - expat uses read()
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


def read_head(path: str | Path, size: int = 64 * 1024) -> bytes:
    """The first decompressed bytes of a file (for format detection), BOM removed."""
    inp = InputFile(path)
    try:
        parts, got = [], 0
        while got < size:
            data = inp.read_chunk(size - got)
            if not data:
                break
            parts.append(data)
            got += len(data)
        return b"".join(parts)
    finally:
        inp.close()
