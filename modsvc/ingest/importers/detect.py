"""Format detection from content (the first 64 KiB, decompressed), never from the file name alone."""
from __future__ import annotations

import codecs
import csv
import json
import re
import zlib
from pathlib import Path

from .source import read_head

FORMATS: tuple[str, ...] = ("scraped_page", "json", "jsonl", "coral_csv", "disqus", "wxr")

# Coral's importer file names, plain or gzipped.
CORAL_FILES = {f"{n}.csv{z}" for n in ("stories", "comments", "users") for z in ("", ".gz")}


class UnknownFormatError(ValueError):
    """The input matches none of FORMATS (the message names the formats tried)."""


def coral_file(folder: Path, stem: str) -> Path | None:
    for name in (f"{stem}.csv", f"{stem}.csv.gz"):
        p = folder / name
        if p.is_file():
            return p
    return None


def is_coral_dir(folder: Path) -> bool:
    return folder.is_dir() and coral_file(folder, "stories") is not None and coral_file(folder, "comments") is not None


def coral_dir_of(path: Path) -> Path | None:
    """The Coral folder a stories/comments/users CSV belongs to, if its siblings are there."""
    folder = path.parent
    return folder if path.name.lower() in CORAL_FILES and is_coral_dir(folder) else None


# "…from Anti-Spiegel – Jan 10, 2022": the source line of a scraped article page. The date may be missing when
# the line starts with the ellipsis; a bare "from X" line needs the date (else any sentence could match).
_DATE = r"[A-Z][a-z]{2,8}\.?\s+\d{1,2},\s+\d{4}"
SOURCE_LINE = re.compile(
    r"^\s*(?:(?:…|\.\.\.)\s*from\s+(?P<s1>\S.{0,120}?)(?:\s+[–—-]\s+(?P<d1>" + _DATE + r"))?"
    r"|from\s+(?P<s2>\S.{0,120}?)\s+[–—-]\s+(?P<d2>" + _DATE + r"))\s*$",
    re.M,
)
COMMENTS_END = re.compile(r"^\s*(comments are closed\.?|comments are open\.?|leave a (reply|comment))\s*$", re.I | re.M)
COMMENTS_HEADING = re.compile(r"^\s*(\d+\s+)?(comments?|responses?|replies)\s*(\(\d+\))?:?\s*$", re.I | re.M)

_CORAL_HEADERS = (
    {"id", "story_id", "body"},
    {"id", "url", "title", "closed_at"},
    {"id", "url", "title", "mode"},
    {"id", "email", "username"},
)


HEAD_BYTES = 64 * 1024
_XML_DECLARED = re.compile(r"<\?xml[\s?]|<!DOCTYPE\s", re.I)
_XML_TAG = re.compile(r"<[A-Za-z_][\w.:-]*[\s/>]")
_ENTITY_DECL = re.compile(r"<!ENTITY\s")
_DTD_OPEN = re.compile(r"<!DOCTYPE\s[^>\[]*\[", re.I)
_DTD_CLOSE = re.compile(r"\]\s*>")


def _fail(name: str, why: str) -> UnknownFormatError:
    return UnknownFormatError(f"{name}: {why} (formats tried: {', '.join(FORMATS)})")


def nul_bytes_problem(head_size: int) -> str:
    return (f"binary data, not text: the first {head_size:,} bytes hold nothing but NUL bytes "
            "(a disk image or a corrupt file?)")


def detect_format(path_or_head, *, name: str | None = None) -> str:
    """Name of the format of a file, a folder, or the first bytes of an upload.

    ``path_or_head`` is a path (str or Path), or the head of the content as bytes (or as text:
    a str with a newline or starting with ``{``, ``[`` or ``<`` is taken as content).
    ``name`` is what the message calls the input (default: the file's name).
    Raises UnknownFormatError naming every format tried.
    """
    shown = name
    name = "input"
    if isinstance(path_or_head, (bytes, bytearray, memoryview)):
        head = bytes(path_or_head)
    elif isinstance(path_or_head, str) and (
        "\n" in path_or_head or path_or_head.lstrip("\ufeff \t\r\n")[:1] in ("{", "[", "<")
    ):
        head = path_or_head.encode("utf-8", "surrogatepass")  # text content rather than a path
    else:
        path = Path(path_or_head)
        name = shown or path.name or str(path)
        if path.is_dir():
            if is_coral_dir(path):
                return "coral_csv"
            raise _fail(name, "a folder that is not a Coral CSV export (it needs stories.csv and comments.csv)")

        head = read_head(path)
        if path.name.lower() in CORAL_FILES and coral_dir_of(path) is not None:
            return "coral_csv"
    return _detect_head(head, shown or name)


def _detect_head(head: bytes, name: str) -> str:
    if head.startswith(codecs.BOM_UTF8):
        head = head[3:]
    if head.startswith(b"\x1f\x8b"):  # the head of an uploaded .gz: look at what it decompresses to
        try:
            head = zlib.decompressobj(wbits=31).decompress(head, 64 * 1024)
        except zlib.error:
            raise _fail(name, "gzip data that could not be decompressed") from None
        if head.startswith(codecs.BOM_UTF8):
            head = head[3:]
    text = head.replace(b"\x00", b"").decode("utf-8", "replace")
    stripped = text.lstrip()
    if not stripped:
        raise _fail(name, nul_bytes_problem(len(head)) if head.strip() else "the file is empty")
    if _looks_binary(text):
        raise _fail(name, "binary data, not text")
    first = stripped[0]
    if first == "<":
        xml = _detect_xml(text, stripped, name)
        if xml is not None:
            return xml
    if first == "[":
        return "json"
    if first == "{":
        return _json_or_jsonl(stripped, name)
    header = stripped.split("\n", 1)[0]
    if "," in header:
        try:
            cols = {c.strip().lower() for c in next(csv.reader([header]))}
        except (csv.Error, StopIteration):
            cols = set()
        if any(h <= cols for h in _CORAL_HEADERS):
            return "coral_csv"
    if _is_scraped_page(text):
        return "scraped_page"
    raise _fail(name, "text without the marks of any known format")


def _detect_xml(text: str, stripped: str, name: str) -> str | None:
    """disqus / wxr, None for text that merely starts with "<" (a scraped page's title), else UnknownFormatError."""
    if re.search(r"<disqus[\s>]", text):
        return "disqus"
    if "wordpress.org/export" in text or re.search(r"<wp:(wxr_version|post_id|comment)\b", text):
        return "wxr"
    declared = _XML_DECLARED.match(stripped) is not None
    xml_like = declared or _XML_TAG.match(stripped) is not None
    if xml_like:
        if _ENTITY_DECL.search(text):
            raise _fail(name, "refused unsafe XML: its document type declaration (DTD) declares entities; "
                              "entity declarations and external references are not allowed")
        dtd = _DTD_OPEN.search(text)
        if dtd is not None and not _DTD_CLOSE.search(text, dtd.end()):
            raise _fail(name, f"refused unsafe XML: a document type declaration (DTD) longer than the first "
                              f"{HEAD_BYTES // 1024} KiB, which is where the export's root element must show")
    if xml_like and (declared or not _is_scraped_page(text)):
        raise _fail(name, "XML, but neither a Disqus export (<disqus>) nor a WordPress WXR export")
    return None


def _is_scraped_page(text: str) -> bool:
    return bool(SOURCE_LINE.search(text) or COMMENTS_END.search(text) or COMMENTS_HEADING.search(text))


def _json_or_jsonl(text: str, name: str) -> str:
    lines = [ln for ln in text.split("\n") if ln.strip()]
    first = lines[0]
    complete_line = len(lines) > 1 or text.endswith("\n")
    try:
        obj = json.loads(first)
    except (json.JSONDecodeError, RecursionError):
        if not complete_line and name.lower().endswith((".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")):
            return "jsonl"  # the first line is longer than the head we read
        return "json"
    if isinstance(obj, dict) and "threads" in obj:
        return "json"
    return "jsonl"


def _looks_binary(text: str) -> bool:
    """Control characters mean binary; U+FFFD alone may just be a Latin-1 text file (then repaired with warnings)."""
    sample = text[:4096]
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    replaced = sample.count("\ufffd")
    return control > max(8, len(sample) // 20) or replaced > len(sample) // 3
