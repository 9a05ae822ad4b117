"""Streaming XML for the Disqus and WXR parsers: defusedxml's parser over a repaired byte stream.

Entity declarations (billion-laughs bombs) and external entities are refused by
defusedxml before anything is expanded; the caller turns that into one Rejection.
Only the elements the parsers read (the records at one depth) are built, each up to
the record cap (``limits.py``), so memory stays flat whatever the file holds.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from .source import CleanXmlStream, InputFile

_DECL_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")


_LOCAL: dict[str, str] = {}


def local(tag: str) -> str:
    """'{http://disqus.com}thread' -> 'thread' (memoised: an export uses a few dozen tags)."""
    name = _LOCAL.get(tag)
    if name is None:
        name = tag.rsplit("}", 1)[-1] if tag[:1] == "{" else tag.split(":")[-1]
        if len(_LOCAL) < 10_000:
            _LOCAL[tag] = name
    return name


def children_by_name(elem: Element) -> dict[str, Element]:
    """Direct children keyed by local name; the first of a repeated name wins."""
    out: dict[str, Element] = {}
    for c in elem:
        out.setdefault(local(c.tag), c)
    return out


def attr(elem: Element, name: str) -> str | None:
    for key, value in elem.attrib.items():
        if local(key) == name:
            return value
    return None


class XmlProblem(Exception):
    """Parsing stopped: a refused construct (entities, DTD) or malformed XML. ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class ElementTooLarge:
    """Stands for an element at the wanted depth that was over the record cap and was not kept."""

    tag: str  # local name
    line: int  # where its start tag is
    ident: str | None  # its id attribute (e.g. dsq:id), when it has a short one

    def describe(self) -> str:
        return f"a <{self.tag}> element" + (f" (id {self.ident!r})" if self.ident else "")


FEED_BYTES = 256 * 1024


class _RecordTarget:
    """Parser target that builds only the elements at ``depth``, each with its subtree, and bounds them.

    Text and elements above ``depth`` (the root, a WXR <channel>) are never kept, so whitespace or text
    between records cannot pile up. A record whose bytes go over ``max_bytes`` is dropped as soon as it
    does (its builder is thrown away) and comes out as an ElementTooLarge.
    """

    def __init__(self, depth: int, max_bytes: int) -> None:
        self.depth = depth
        self.max_bytes = max_bytes
        self.expat = None  # set once the parser exists
        self.level = 0
        self.builder: TreeBuilder | None = None
        self.record_start = 0
        self.record_line = 0
        self.record_ident: str | None = None
        self.oversized = False
        self.last_callback = 0  # byte offset of the last event: a long gap means one giant tag or comment
        self.done: list[Element | ElementTooLarge] = []

    def _over(self, pos: int) -> bool:
        if pos - self.record_start > self.max_bytes:
            self.builder, self.oversized = None, True
        return self.oversized

    def start(self, tag: str, attrib: dict) -> None:
        self.level += 1
        pos = self.last_callback = self.expat.CurrentByteIndex
        if self.level == self.depth:
            self.builder = TreeBuilder()
            self.record_start, self.record_line, self.oversized = pos, self.expat.CurrentLineNumber, False
            ident = next((v for k, v in attrib.items() if local(k) == "id"), None)
            self.record_ident = ident if ident and len(ident) <= 100 else None
        elif self.level < self.depth or self._over(pos):
            return
        self.builder.start(tag, attrib)

    def end(self, tag: str) -> None:
        level = self.level
        self.level -= 1
        pos = self.last_callback = self.expat.CurrentByteIndex
        if level < self.depth:
            return
        if not self._over(pos):
            elem = self.builder.end(tag)
        if level == self.depth:
            if self.oversized:
                self.done.append(ElementTooLarge(local(tag), self.record_line, self.record_ident))
            else:
                self.done.append(elem)
            self.builder = None

    def data(self, text: str) -> None:
        pos = self.last_callback = self.expat.CurrentByteIndex
        if self.builder is not None and not self._over(pos):
            self.builder.data(text)

    def close(self) -> None:
        return None

    def take(self) -> list[Element | ElementTooLarge]:
        done, self.done = self.done, []
        return done


def iter_depth_elements(inp: InputFile, depth: int) -> Iterator[Element | ElementTooLarge]:
    """Yield each complete element at ``depth`` (1 = the root, 2 = its children), then forget it.

    An element over the record cap (``inp.limits``) comes as an ElementTooLarge instead. Raises
    XmlProblem when the XML is refused or malformed (elements before that were already yielded),
    or when one tag, comment or declaration alone is over the record cap.
    """
    try:
        head = inp.stream.peek(256)[:256]
    except Exception:  # a truncated gzip shows up again, and is reported, on the first real read
        head = b""
    m = _DECL_ENCODING.match(head)
    utf8 = m is None or m.group(1).decode("ascii").lower().replace("_", "-") in {"utf-8", "utf8"}
    source = CleanXmlStream(inp, repair_utf8=utf8)
    max_bytes = inp.limits.max_record_bytes
    target = _RecordTarget(depth, max_bytes)
    parser = DefusedXMLParser(target=target, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    target.expat = parser.parser
    fed = 0
    try:
        while data := source.read(FEED_BYTES):
            parser.feed(data)
            fed += len(data)
            yield from target.take()
            if fed - target.last_callback > max_bytes + FEED_BYTES:
                raise XmlProblem(f"line {parser.parser.CurrentLineNumber}: one XML tag, comment or declaration "
                                 f"runs on for more than the limit of {max_bytes:,} bytes (MODSVC_MAX_RECORD_BYTES)")
        parser.close()
        yield from target.take()
    except DefusedXmlException as exc:
        raise XmlProblem(f"refused unsafe XML ({type(exc).__name__}: {exc}); entity declarations and "
                         "external references are not allowed") from None
    except ParseError as exc:
        raise XmlProblem(f"malformed XML: {exc}") from None
