"""WordPress WXR export: RSS <item>s with <wp:comment> children, streamed one item at a time.

Each item is complete with its comments, so nothing is grouped: an item is parsed,
yielded and dropped. Attachments, menu items and other non-content post types are
skipped. Content HTML becomes plain text; wp:comment_approved becomes the status
(1 approved, 0 pending, spam, trash). Pingbacks and trackbacks (wp:comment_type) are
left out as Skipped items unless the import keeps them.
"""
from __future__ import annotations

from typing import Iterator
from xml.etree.ElementTree import Element

from .common import arrange_comments, clean_body, clean_text, html_to_text, id_str, parse_datetime
from .options import ImportOptions
from .records import CommentRecord, Rejection, Skipped, ThreadRecord, Warning_
from .source import InputFile, Reporter
from .xml_stream import ElementTooLarge, XmlProblem, iter_depth_elements, local

Item = ThreadRecord | Rejection | Warning_ | Skipped

SKIPPED_POST_TYPES = {
    "attachment", "nav_menu_item", "revision", "custom_css", "customize_changeset", "oembed_cache",
    "wp_template", "wp_template_part", "wp_global_styles", "wp_navigation", "wp_block", "user_request",
}
APPROVAL_STATUS = {"1": "approved", "0": "pending", "spam": "spam", "trash": "trash", "post-trashed": "trash"}
# Notices from other blogs that linked to the post, not reader comments: skipped unless kept on purpose.
PINGBACK_TYPES = {"pingback", "trackback"}
CONTENT_NS = "purl.org/rss/1.0/modules/content"


def iter_wxr(inp: InputFile, site: str, options: ImportOptions) -> Iterator[Item]:
    rep = inp.reporter
    items = 0
    problem = None
    try:
        for elem in iter_depth_elements(inp, 3):  # rss > channel > item
            if isinstance(elem, ElementTooLarge):
                items += elem.tag == "item"
                rep.reject(f"{inp.name}:{elem.line}", inp.limits.record_too_large(elem.describe()))
                yield from rep.drain()
                continue
            if local(elem.tag) != "item":
                continue
            items += 1
            skipped: list[Skipped] = []
            thread = _item(elem, inp.name, items, site, rep, None if options.keep_pingbacks else skipped)
            yield from rep.drain()
            yield from skipped
            if thread is not None:
                yield thread
    except XmlProblem as exc:
        problem = exc.reason
    yield from rep.drain()
    if inp.truncation:
        yield from inp.truncation_rejection()
    elif problem:
        yield Rejection(source=inp.name, reason=f"{problem}; items before this point were kept")
    elif not items:
        yield Rejection(source=inp.name, reason="no WordPress <item> elements found")


def _fields(elem: Element) -> tuple[dict[str, str | None], list[Element]]:
    """Direct children by local name (first wins), plus the <wp:comment> elements."""
    fields: dict[str, str | None] = {}
    comments: list[Element] = []
    for c in elem:
        tag = c.tag
        name = local(tag)
        if name == "comment":
            comments.append(c)
        elif name == "encoded":
            fields.setdefault("content" if CONTENT_NS in tag else "excerpt", c.text)
        else:
            fields.setdefault(name, c.text)
    return fields, comments


def _item(elem: Element, name: str, index: int, site: str, rep: Reporter,
          skipped: list[Skipped] | None) -> ThreadRecord | None:
    """One <item> as a thread. With a ``skipped`` list, pingbacks and trackbacks go there instead of the thread."""
    f, comment_elems = _fields(elem)
    post_type = (f.get("post_type") or "post").strip()
    if post_type in SKIPPED_POST_TYPES:
        return None
    ext = id_str(f.get("post_id"))
    source = f"{name}#item-{ext or index}"
    if ext is None:
        rep.reject(source, "an <item> without wp:post_id", f.get("title"))
        return None
    published = None
    for key in ("post_date_gmt", "pubDate", "post_date"):
        published = parse_datetime(f.get(key), source, rep)
        if published is not None:
            break
    thread = ThreadRecord(
        external_id=ext,
        site=site,
        title=clean_text(f.get("title")),
        url=clean_text(f.get("link")),
        author=clean_text(f.get("creator")),
        published_at=published,
        body=clean_body(html_to_text(f.get("content")), source, rep) or None,
        closed=(f.get("comment_status") or "").strip().lower() == "closed",
        source=source,
    )
    extra = {"post_type": post_type}
    if f.get("status"):
        extra["status"] = f["status"].strip()
    thread.extra = extra
    for c in comment_elems:
        comment = _comment(c, source, rep, skip_pingbacks=skipped is not None)
        if isinstance(comment, Skipped):
            skipped.append(comment)
        elif comment is not None:
            thread.comments.append(comment)
    arrange_comments(thread, rep)
    return thread


def _comment(elem: Element, thread_source: str, rep: Reporter, *,
             skip_pingbacks: bool) -> CommentRecord | Skipped | None:
    f, _ = _fields(elem)
    cid = id_str(f.get("comment_id"))
    source = f"{thread_source}/comment-{cid}"
    ctype = (f.get("comment_type") or "").strip()
    if skip_pingbacks and ctype.lower() in PINGBACK_TYPES:
        return Skipped(source=source, reason=ctype.lower())
    if cid is None:
        rep.reject(thread_source, "a <wp:comment> without wp:comment_id", f.get("comment_content"))
        return None
    body = clean_body(html_to_text(f.get("comment_content")), source, rep)
    if not body:
        rep.reject(source, f"comment {cid!r} has an empty body")
        return None
    parent = id_str(f.get("comment_parent"))
    approved = (f.get("comment_approved") or "").strip()
    posted = parse_datetime(f.get("comment_date_gmt"), source, rep) or parse_datetime(f.get("comment_date"),
                                                                                        source, rep)
    comment = CommentRecord(
        external_id=cid,
        body=body,
        parent_external_id=None if parent in (None, "0") else parent,
        author=clean_text(f.get("comment_author")),
        posted_at=posted,
        status=APPROVAL_STATUS.get(approved.lower(), approved.lower() or None),
    )
    if ctype and ctype != "comment":
        comment.extra["type"] = ctype
    return comment
