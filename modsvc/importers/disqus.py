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
from .records import CommentRecord, Rejection, ThreadRecord, Warning_
from .source import InputFile, Reporter
from .xml_stream import XmlProblem, attr, child, child_text, iter_depth_elements, local

Item = ThreadRecord | Rejection | Warning_


def iter_disqus(inp: InputFile, site: str) -> Iterator[Item]:
    rep = inp.reporter
    threads: dict[str, ThreadRecord] = {}
    problem: str | None = None
    posts = 0
    with CommentGrouper() as grouper:
        try:
            for elem in iter_depth_elements(inp, 2):
                name = local(elem.tag)
                if name == "thread":
                    thread = _thread(elem, inp.name, site, rep)
                    if thread is not None:
                        if thread.external_id in threads:
                            rep.reject(thread.source, f"duplicate thread dsq:id {thread.external_id!r}; "
                                                      "the first one was kept", thread.title)
                        else:
                            threads[thread.external_id] = thread
                elif name == "post":
                    posts += 1
                    found = _post(elem, inp.name, rep)
                    if found is not None:
                        grouper.add(found[0], found[1])
                if rep.pending:
                    yield from rep.drain()
        except XmlProblem as exc:
            problem = exc.reason
        for key, thread in threads.items():
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
    elif not threads and not posts:
        yield Rejection(source=inp.name, reason="no Disqus <thread> or <post> elements found")


def _author(elem: Element) -> str | None:
    author = child(elem, "author")
    if author is None:
        return None
    return clean_text(child_text(author, "name")) or clean_text(child_text(author, "username"))


def _thread(elem: Element, name: str, site: str, rep: Reporter) -> ThreadRecord | None:
    dsq_id = id_str(attr(elem, "id"))
    identifier = clean_text(child_text(elem, "id"))
    ext = dsq_id or identifier
    source = f"{name}#thread-{ext}"
    if ext is None:
        rep.reject(f"{name}#thread", "a <thread> without dsq:id", clean_text(child_text(elem, "title")))
        return None
    thread = ThreadRecord(
        external_id=ext,
        site=site,
        title=clean_text(child_text(elem, "title")),
        url=clean_text(child_text(elem, "link")),
        author=_author(elem),
        published_at=parse_datetime(child_text(elem, "createdAt"), source, rep),
        body=clean_body(html_to_text(child_text(elem, "message")), source, rep) or None,
        closed=parse_bool(child_text(elem, "isClosed")),
        source=source,
    )
    extra = {}
    if identifier and identifier != ext:
        extra["identifier"] = identifier
    forum = clean_text(child_text(elem, "forum"))
    if forum:
        extra["forum"] = forum
    if parse_bool(child_text(elem, "isDeleted")):
        extra["deleted"] = True
    thread.extra = extra
    return thread


def _post(elem: Element, name: str, rep: Reporter) -> tuple[str, CommentRecord] | None:
    pid = id_str(attr(elem, "id")) or clean_text(child_text(elem, "id"))
    source = f"{name}#post-{pid}"
    if pid is None:
        rep.reject(f"{name}#post", "a <post> without dsq:id", child_text(elem, "message"))
        return None
    thread_ref = child(elem, "thread")
    thread_key = id_str(attr(thread_ref, "id")) if thread_ref is not None else None
    if thread_key is None:
        rep.reject(source, f"post {pid!r} names no thread", child_text(elem, "message"))
        return None
    body = clean_body(html_to_text(child_text(elem, "message")), source, rep)
    if not body:
        rep.reject(source, f"post {pid!r} has an empty message")
        return None
    parent_ref = child(elem, "parent")
    if parse_bool(child_text(elem, "isSpam")):
        status = "spam"
    elif parse_bool(child_text(elem, "isDeleted")):
        status = "deleted"
    else:
        status = "approved"
    comment = CommentRecord(
        external_id=pid,
        body=body,
        parent_external_id=id_str(attr(parent_ref, "id")) if parent_ref is not None else None,
        author=_author(elem),
        posted_at=parse_datetime(child_text(elem, "createdAt"), source, rep),
        status=status,
    )
    identifier = clean_text(child_text(elem, "id"))
    if identifier and identifier != pid:
        comment.extra["identifier"] = identifier
    return thread_key, comment
