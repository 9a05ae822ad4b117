"""Importers: files in, format-neutral records out (see records.py and docs/import-formats.md).

    FORMATS                      the format names
    detect_format(path_or_head)  a format name from content, or UnknownFormatError
    iter_records(path, fmt=None, *, site="default", progress=None, display_name=None, keep_pingbacks=False)
                                 ThreadRecord / Rejection / Warning_ / Skipped items, streamed
    iter_paths(paths)            expands folders (recursive, sorted); a Coral CSV folder is one input
    input_size(path)             bytes on disk, the total for a progress bar fed by ``progress``

``progress`` is called with the cumulative number of bytes read from disk
(compressed bytes for .gz inputs), a few times per megabyte.
"""
from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Iterator

from .detect import (CORAL_FILES, FORMATS, UnknownFormatError, coral_dir_of, detect_format, is_coral_dir,
                     nul_bytes_problem)
from .limits import ReadLimits
from .options import ImportOptions
from .records import CommentRecord, Rejection, Skipped, ThreadRecord, Warning_
from .source import InputFile, Progress, read_head

__all__ = [
    "FORMATS", "UnknownFormatError", "detect_format", "iter_records", "iter_paths", "input_size",
    "ThreadRecord", "CommentRecord", "Rejection", "Warning_", "Skipped", "ImportOptions", "ReadLimits",
]

Item = ThreadRecord | Rejection | Warning_ | Skipped


def _single_file(parse):
    """Wrap a parser of one InputFile: opens, closes, and appends the warning summary."""

    def run(path: Path, site: str, progress: Progress | None, options: ImportOptions,
            name: str | None) -> Iterator[Item]:
        inp = InputFile(path, progress, name=name, limits=options.limits)
        try:
            yield from parse(inp, site, options)
            yield from inp.reporter.drain()
            yield from inp.reporter.summary(inp.name)
        finally:
            inp.close()

    return run


# format -> (module, parser function, whether it reads a single file)
_PARSERS = {
    "scraped_page": ("scraped_page", "iter_scraped_page", True),
    "json": ("json_format", "iter_json", True),
    "jsonl": ("json_format", "iter_jsonl", True),
    "coral_csv": ("coral_csv", "iter_coral", False),
    "disqus": ("disqus", "iter_disqus", True),
    "wxr": ("wxr", "iter_wxr", True),
}


def _parser(fmt: str):
    module_name, func_name, single = _PARSERS[fmt]
    module = importlib.import_module(f"{__name__}.{module_name}")
    func = getattr(module, func_name)
    return _single_file(func) if single else func


def _blank_file_problem(path: Path) -> str | None:
    """Why a file cannot hold any record at all (empty, or nothing but NUL bytes), else None."""
    if path.stat().st_size == 0:
        return "the file is empty: nothing to import"
    try:
        head = read_head(path, 4096)
    except Exception:  # a corrupt gzip header: let the parser report it
        return None
    if not head.strip():
        return "the file is empty: nothing to import"
    if not head.replace(b"\x00", b"").strip():
        return nul_bytes_problem(len(head))
    return None


def iter_records(
    path: str | Path,
    fmt: str | None = None,
    *,
    site: str = "default",
    progress: Progress | None = None,
    display_name: str | None = None,
    keep_pingbacks: bool = False,
    limits: ReadLimits | None = None,
) -> Iterator[Item]:
    """Stream the records of one input (a file, a .gz file, or a Coral CSV folder).

    The format is detected from content unless ``fmt`` names it. Raises
    UnknownFormatError (before yielding anything) for an unknown ``fmt`` or undetectable
    content, FileNotFoundError for a missing path. Every problem inside the file is a
    Rejection or Warning_ in the stream; good records around it are still yielded.
    ``display_name`` is what messages call the file (e.g. the name an upload had before it
    was stored under another); ``limits`` default to MODSVC_MAX_LINE_BYTES / _RECORD_BYTES.
    """
    path = Path(path)
    name = display_name or path.name or str(path)
    if fmt is not None and fmt not in FORMATS:
        raise UnknownFormatError(f"unknown import format {fmt!r}; the formats are: {', '.join(FORMATS)}")
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    if path.is_dir() and fmt not in (None, "coral_csv"):
        raise UnknownFormatError(f"{name}: a folder; only the coral_csv format reads folders")
    if fmt is None and path.is_file() and coral_dir_of(path) is not None:
        fmt = "coral_csv"  # one file of a Coral set stands for its folder, even when that file is empty
    if fmt != "coral_csv" and path.is_file():
        problem = _blank_file_problem(path)
        if problem is not None:
            return iter([Rejection(source=name, reason=problem)])
    if fmt is None:
        fmt = detect_format(path, name=name)
    options = ImportOptions(keep_pingbacks=keep_pingbacks, limits=limits or ReadLimits.from_env())
    return _parser(fmt)(path, site, progress, options, display_name)


def iter_paths(paths: list[str] | list[Path]) -> Iterator[Path]:
    """Inputs to import, in a stable order: files as given; folders walked recursively and sorted.

    A folder holding a Coral CSV set (stories.csv + comments.csv) is yielded once as a folder;
    its CSV files are not yielded separately (also when named directly). Hidden files are skipped.
    """
    seen: set[Path] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            candidates = _walk(p)
        else:
            candidates = [p]
        for cand in candidates:
            if cand.is_file() and cand.name.lower() in CORAL_FILES:
                cand = coral_dir_of(cand) or cand
            key = cand.resolve() if cand.exists() else cand
            if key in seen:
                continue
            seen.add(key)
            yield cand


def _walk(root: Path) -> list[Path]:
    out: list[Path] = []
    stack = [root]
    visited: set[str] = set()  # real paths: a symlink loop is walked once
    while stack:
        folder = stack.pop()
        real = os.path.realpath(folder)
        if real in visited:
            continue
        visited.add(real)
        coral = is_coral_dir(folder)
        if coral:
            out.append(folder)
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    stack.append(Path(entry.path))
                elif entry.is_file() and not (coral and entry.name.lower() in CORAL_FILES):
                    out.append(Path(entry.path))
    return sorted(out, key=lambda p: p.as_posix())


def input_size(path: str | Path) -> int:
    """Bytes on disk of one input (the files of a Coral folder summed), for a progress total."""
    path = Path(path)
    if path.is_dir():
        return sum(f.stat().st_size for f in path.iterdir() if f.is_file() and f.name.lower() in CORAL_FILES)
    return path.stat().st_size
