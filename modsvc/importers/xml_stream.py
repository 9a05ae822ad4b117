"""Streaming XML for the Disqus and WXR parsers: defusedxml iterparse over a repaired byte stream.

Entity declarations (billion-laughs bombs) and external entities are refused by
defusedxml before anything is expanded; the caller turns that into one Rejection.
"""
from __future__ import annotations

import re
from typing import Iterator

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from xml.etree.ElementTree import Element, ParseError

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


def iter_depth_elements(inp: InputFile, depth: int) -> Iterator[Element]:
    """Yield each complete element at ``depth`` (1 = the root, 2 = its children), then drop it from memory.

    Raises XmlProblem when the XML is refused or malformed; elements before that were already yielded.
    """
    try:
        head = inp.stream.peek(256)[:256]
    except Exception:  # a truncated gzip shows up again, and is reported, on the first real read
        head = b""
    m = _DECL_ENCODING.match(head)
    utf8 = m is None or m.group(1).decode("ascii").lower().replace("_", "-") in {"utf-8", "utf8"}
    source = CleanXmlStream(inp, repair_utf8=utf8)
    level = 0
    containers: list[Element] = []  # the open ancestors above ``depth``
    try:
        for event, elem in iterparse(source, events=("start", "end"), forbid_dtd=False,
                                     forbid_entities=True, forbid_external=True):
            if event == "start":
                level += 1
                if level < depth:
                    containers.append(elem)
                continue
            if level == depth:
                yield elem
                if containers:
                    containers[-1].clear()  # drop what was handled: memory stays flat
            elif level < depth and containers:
                containers.pop()
            level -= 1
    except DefusedXmlException as exc:
        raise XmlProblem(f"refused unsafe XML ({type(exc).__name__}: {exc}); entity declarations and "
                         "external references are not allowed") from None
    except ParseError as exc:
        raise XmlProblem(f"malformed XML: {exc}") from None
