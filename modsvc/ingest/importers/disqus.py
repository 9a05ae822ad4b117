"""Disqus XML export: <disqus> with <thread dsq:id> and <post dsq:id> children.

Streamed with defusedxml's iterparse; each top-level element is dropped after use.
Posts name their thread by dsq:id and may come before or after it, so posts are
grouped with ``CommentGrouper`` (memory up to a limit, then a temporary SQLite
file) and threads are yielded at the end of the file, in file order. Message HTML
becomes plain text; isSpam / isDeleted become the status ("spam", "deleted",
otherwise "approved").
"""
from __future__ import annotations

from typing import Iterator
from xml.etree.ElementTree import Element

from .common import arrange_comments, clean_body, clean_text, html_to_text, id_str, parse_bool, parse_datetime
from .grouping import CommentGrouper
from .options import ImportOptions
from .records import CommentRecord, Rejection, ThreadRecord, Warning_
from .source import InputFile, Reporter
from .xml_stream import ElementTooLarge, XmlProblem, attr, children_by_name, iter_depth_elements, local

Item = ThreadRecord | Rejection | Warning_


def iter_disqus(inp: InputFile, site: str, options: ImportOptions) -> Iterator[Item]:
    rep = inp.reporter
    threads: dict[str, ThreadRecord] = {}
    problem: str | None = None
    posts = thread_count = 0
    with CommentGrouper() as grouper:
        try:
            for elem in iter_depth_elements(inp, 2):
                if isinstance(elem, ElementTooLarge):
                    posts += elem.tag == "post"
                    thread_count += elem.tag == "thread"
                    rep.reject(f"{inp.name}:{elem.line}", inp.limits.record_too_large(elem.describe()))
                    yield from rep.drain()
                    continue
                name = local(elem.tag)
                if name == "thread":
                    thread = _thread(elem, inp.name, site, rep)
                    if thread is not None:
                        if thread.external_id in threads:
                            rep.reject(thread.source, f"duplicate thread dsq:id {thread.external_id!r}; "
                                                      "the first one was kept", thread.title)
                        else:
                            threads[thread.external_id] = thread
                            thread_count += 1
                elif name == "post":
                    posts += 1
                    found = _post(elem, inp.name, rep)
                    if found is not None:
                        grouper.add(found[0], found[1])
                if rep.pending:
                    yield from rep.drain()
        except XmlProblem as exc:
            problem = exc.reason
        for key in list(threads):
            thread = threads.pop(key)  # nothing keeps a yielded thread (and its comments) alive
            thread.comments = grouper.take(key)
            arrange_comments(thread, rep)
            yield from rep.drain()
            yield thread
        for key in grouper.keys():
            for c in grouper.take(key):
                yield Rejection(source=f"{inp.name}#post-{c.external_id}",
                                reason=f"post {c.external_id!r} refers to thread {key!r}, which is not in the file",
                                record=c.body[:200])
    if inp.truncation:
        yield from inp.truncation_rejection()
    elif problem:
        yield Rejection(source=inp.name, reason=f"{problem}; records before this point were kept")
    elif not thread_count and not posts:
        yield Rejection(source=inp.name, reason="no Disqus <thread> or <post> elements found")


def _text(kids: dict[str, Element], name: str) -> str | None:
    e = kids.get(name)
    return e.text if e is not None else None


def _author(kids: dict[str, Element]) -> str | None:
    author = kids.get("author")
    if author is None:
        return None
    a = children_by_name(author)
    return clean_text(_text(a, "name")) or clean_text(_text(a, "username"))


def _thread(elem: Element, name: str, site: str, rep: Reporter) -> ThreadRecord | None:
    kids = children_by_name(elem)
    dsq_id = id_str(attr(elem, "id"))
    identifier = clean_text(_text(kids, "id"))
    ext = dsq_id or identifier
    source = f"{name}#thread-{ext}"
    if ext is None:
        rep.reject(f"{name}#thread", "a <thread> without dsq:id", clean_text(_text(kids, "title")))
        return None
    thread = ThreadRecord(
        external_id=ext,
        site=site,
        title=clean_text(_text(kids, "title")),
        url=clean_text(_text(kids, "link")),
        author=_author(kids),
        published_at=parse_datetime(_text(kids, "createdAt"), source, rep),
        body=clean_body(html_to_text(_text(kids, "message")), source, rep) or None,
        closed=parse_bool(_text(kids, "isClosed")),
        source=source,
    )
    if identifier and identifier != ext:
        thread.extra["identifier"] = identifier
    forum = clean_text(_text(kids, "forum"))
    if forum:
        thread.extra["forum"] = forum
    if parse_bool(_text(kids, "isDeleted")):
        thread.extra["deleted"] = True
    return thread


def _post(elem: Element, name: str, rep: Reporter) -> tuple[str, CommentRecord] | None:
    kids = children_by_name(elem)
    identifier = clean_text(_text(kids, "id"))
    pid = id_str(attr(elem, "id")) or identifier
    source = f"{name}#post-{pid}"
    if pid is None:
        rep.reject(f"{name}#post", "a <post> without dsq:id", _text(kids, "message"))
        return None
    thread_ref = kids.get("thread")
    thread_key = id_str(attr(thread_ref, "id")) if thread_ref is not None else None
    if thread_key is None:
        rep.reject(source, f"post {pid!r} names no thread", _text(kids, "message"))
        return None
    body = clean_body(html_to_text(_text(kids, "message")), source, rep)
    if not body:
        rep.reject(source, f"post {pid!r} has an empty message")
        return None
    parent_ref = kids.get("parent")
    if parse_bool(_text(kids, "isSpam")):
        status = "spam"
    elif parse_bool(_text(kids, "isDeleted")):
        status = "deleted"
    else:
        status = "approved"
    comment = CommentRecord(
        external_id=pid,
        body=body,
        parent_external_id=id_str(attr(parent_ref, "id")) if parent_ref is not None else None,
        author=_author(kids),
        posted_at=parse_datetime(_text(kids, "createdAt"), source, rep),
        status=status,
    )
    if identifier and identifier != pid:
        comment.extra["identifier"] = identifier
    return thread_key, comment
