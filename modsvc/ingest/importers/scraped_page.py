"""Scraped article pages: plain text with a title, a source line, the article, site
boilerplate, then numbered comments with bulleted replies.

Layout of the family (see seeds/000_*.txt)::

    Title line
    optional lede paragraph(s)
    …from Source Name – Jan 10, 2022
    article paragraphs
    site footer boilerplate ("We See The World From All Sides…", "About VT - …")
      1. top-level comment, possibly several paragraphs
        • reply, continuation lines indented
          • reply to the reply (deeper indentation), or "• •" / "••" (more bullets)
      2. …
    Comments are closed.

Top-level comments are the last run of consecutive numbers (``1.``, ``1)``, ``#1``) at
one indentation, so a numbered list in the article or inside a comment is not taken
for comments. Replies are bullet lines (``•``, ``◦``, ``*``, ``-``, ``–``); the ASCII
ones only count as a reply after a blank line or directly after another comment's
first line, since a "- item" list inside a comment body is common too.

Ids: the thread id is the file stem when it looks like a scrape id
(``000_14b138b21b3c6e77``), else ``page-`` + a hash of title and source line. Comment
ids are position paths (``c2``, ``c2.1``), stable as long as comments are only appended.
"""
from __future__ import annotations

import hashlib
import re
from typing import Iterator

from .common import arrange_comments, clean_body, parse_datetime
from .detect import COMMENTS_END, COMMENTS_HEADING, SOURCE_LINE
from .options import ImportOptions
from .records import CommentRecord, Rejection, ThreadRecord, Warning_
from .source import InputFile, Reporter

Item = ThreadRecord | Rejection | Warning_

SCRAPE_ID = re.compile(r"^(\d+_[0-9a-f]{8,64}|[0-9a-f]{16,64})$")
NUMBERED = re.compile(r"^(?P<ind>\s*)(?:(?P<n1>\d{1,5})[.)]|#(?P<n2>\d{1,5})[.:)]?)(?:\s+(?P<text>.*))?$")
BULLET = re.compile(r"^(?P<ind>\s*)(?P<bul>[•◦▪‣·*–—-](?:\s*[•◦▪‣·*–—-])*)\s+(?P<text>\S.*)$")
STRONG_BULLETS = set("•◦▪‣·")
BULLET_CHARS = set("•◦▪‣·*–—-")
# Boilerplate that starts the site footer between the article and the comments.
FOOTER = re.compile(
    r"^(we see the world from all sides|about vt\b|due to the nature of uncensored content|"
    r".*policies\s*&\s*disclosures|(share|like) this( article| post)?:?$|related (posts|articles|stories):?$|"
    r"you must be logged in to post a comment|click to share on\b)",
    re.I,
)
SOURCE_SCAN_LINES = 80
MAX_PATH_ID = 64


def iter_scraped_page(inp: InputFile, site: str, options: ImportOptions) -> Iterator[Item]:
    """One page is one record: a line over the line cap is left out (rejected), a page over the record cap is
    rejected whole."""
    lines: list[str] = []
    size = 0
    max_page = inp.limits.max_record_bytes
    for lineno, line in inp.iter_text_lines():
        if line is None:
            inp.reporter.reject(f"{inp.name}:{lineno}", inp.limits.line_too_long(inp.long_lines[-1][1]))
            line = "\n"  # a paragraph break in its place
        lines.append(line)
        size += len(line)
        if size > max_page:
            yield from inp.reporter.drain()
            yield Rejection(source=inp.name, reason=inp.limits.record_too_large("the page"))
            return
    stem = inp.path.name
    for suffix in (".gz", ".txt", ".text"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    thread = parse_page("".join(lines), source=inp.name, stem=stem, site=site, rep=inp.reporter)
    yield from inp.reporter.drain()
    if thread is not None:
        yield thread
    yield from inp.truncation_rejection()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _paragraphs(lines: list[str]) -> str:
    """Lines -> text: indentation stripped, lines of a paragraph joined by "\\n", paragraphs by "\\n\\n"."""
    paras: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        text = line.strip()
        if text:
            current.append(text)
        elif current:
            paras.append(current)
            current = []
    if current:
        paras.append(current)
    return "\n\n".join("\n".join(p) for p in paras)


def parse_page(text: str, *, source: str, stem: str | None, site: str, rep: Reporter) -> ThreadRecord | None:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [ln.expandtabs(4).rstrip() for ln in text.split("\n")]
    title_at = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if title_at is None:
        rep.reject(source, "the page is empty")
        return None
    title = lines[title_at].strip()

    source_at, source_name, published = None, None, None
    for i in range(title_at + 1, min(len(lines), title_at + 1 + SOURCE_SCAN_LINES)):
        m = SOURCE_LINE.match(lines[i])
        if m:
            source_at, source_name = i, (m.group("s1") or m.group("s2")).strip()
            published = parse_datetime(m.group("d1") or m.group("d2"), f"{source}:{i + 1}", rep)
            break
    body_start = (source_at if source_at is not None else title_at) + 1

    end_at, closed = len(lines), False
    for i in range(len(lines) - 1, body_start - 1, -1):
        m = COMMENTS_END.match(lines[i])
        if m:
            end_at, closed = i, "closed" in m.group(1).lower()
            break

    footer_at = next((i for i in range(body_start, end_at) if FOOTER.match(lines[i].strip())), None)
    scan_from = footer_at if footer_at is not None else body_start
    heading_at = None
    for i in range(end_at - 1, scan_from - 1, -1):
        if COMMENTS_HEADING.match(lines[i]):
            heading_at = i
            break
    if heading_at is not None:
        scan_from = heading_at + 1
    run = _comment_run(lines, scan_from, end_at)
    comments_end = end_at
    if run:  # site boilerplate after the comments ("Share this:", "Related posts") is not part of the last one
        comments_end = next((i for i in range(run[-1] + 1, end_at) if FOOTER.match(lines[i].strip())), end_at)

    body_end = end_at
    for candidate in (footer_at, heading_at, run[0] if run else None):
        if candidate is not None:
            body_end = min(body_end, candidate)
    body = _paragraphs(lines[body_start:body_end])
    if source_at is not None:
        lede = _paragraphs(lines[title_at + 1: source_at])
        if lede and lede not in body:
            body = f"{lede}\n\n{body}" if body else lede

    if stem and SCRAPE_ID.match(stem):
        ext = stem
    else:
        key = f"{title}\n{lines[source_at].strip() if source_at is not None else body[:200]}"
        ext = "page-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]

    thread = ThreadRecord(
        external_id=ext,
        site=site,
        title=title,
        author=source_name,
        published_at=published,
        body=clean_body(body, source, rep) or None,
        closed=closed,
        source=source,
    )
    if run:
        thread.comments = _parse_comments(lines, run, comments_end, source, rep)
    arrange_comments(thread, rep)
    return thread


def _comment_run(lines: list[str], start: int, end: int) -> list[int]:
    """Line numbers of the top-level comment markers: the last run 1, 2, 3… not nested in another run."""
    runs: list[dict] = []
    for i in range(start, end):
        m = NUMBERED.match(lines[i])
        if not m:
            continue
        num = int(m.group("n1") or m.group("n2"))
        col = len(m.group("ind"))
        tcol = m.start("text") if m.group("text") is not None else -1
        for run in reversed(runs[-50:]):  # bounded: no quadratic blow-up on pathological pages
            if run["next"] == num and (run["col"] == col or run["tcol"] == tcol):
                run["lines"].append(i)
                run["next"] += 1
                break
        else:
            if num == 1:
                runs.append({"col": col, "tcol": tcol, "next": 2, "lines": [i]})
    # A run is nested (a list inside a comment) if it starts inside an earlier, less indented run.
    last_line_by_col: dict[int, int] = {}
    outer = []
    for r in runs:
        start = r["lines"][0]
        if not any(c < r["col"] and last >= start for c, last in last_line_by_col.items()):
            outer.append(r)
        last_line_by_col[r["col"]] = max(last_line_by_col.get(r["col"], -1), r["lines"][-1])
    return outer[-1]["lines"] if outer else []


def _child_id(parent: str, n: int) -> str:
    """``c2`` -> ``c2.1``. Past a few dozen levels the path is hashed instead, so a 10,000-level
    reply chain does not make ids (and memory) grow with the square of the depth."""
    path = f"{parent}.{n}"
    if len(path) <= MAX_PATH_ID:
        return path
    return "h" + hashlib.sha256(path.encode("ascii")).hexdigest()[:24]


def _parse_comments(lines: list[str], run: list[int], end: int, source: str, rep: Reporter) -> list[CommentRecord]:
    top_lines = set(run)
    items: list[dict] = []  # {"id", "parent", "lines", "line"}
    stack: list[tuple[int, int, dict]] = []  # (depth, marker column, item)
    child_counts: dict[str, int] = {}
    top_count = 0
    prev_blank = True
    prev_was_marker = False
    for i in range(run[0], end):
        line = lines[i]
        if not line.strip():
            if items:
                items[-1]["lines"].append("")
            prev_blank, prev_was_marker = True, False
            continue
        if i in top_lines:
            m = NUMBERED.match(line)
            top_count += 1
            item = {"id": f"c{top_count}", "parent": None, "lines": [m.group("text") or ""], "line": i + 1}
            items.append(item)
            stack = [(0, len(m.group("ind")), item)]
            prev_blank, prev_was_marker = False, True
            continue
        m = BULLET.match(line) if stack else None
        if m:
            bullets = [ch for ch in m.group("bul") if ch in BULLET_CHARS]
            strong = bullets[0] in STRONG_BULLETS
            if not (strong or prev_blank or prev_was_marker):
                m = None
        if m:
            col = len(m.group("ind"))
            if len(bullets) > 1:
                while len(stack) > 1 and stack[-1][0] >= len(bullets):
                    stack.pop()
            else:
                while len(stack) > 1 and stack[-1][1] >= col:
                    stack.pop()
            depth, _, parent = stack[-1]
            n = child_counts.get(parent["id"], 0) + 1
            child_counts[parent["id"]] = n
            item = {"id": _child_id(parent["id"], n), "parent": parent["id"], "lines": [m.group("text")],
                    "line": i + 1}
            items.append(item)
            stack.append((depth + 1, col, item))
            prev_blank, prev_was_marker = False, True
            continue
        items[-1]["lines"].append(line)
        prev_blank, prev_was_marker = False, False

    out: list[CommentRecord] = []
    for item in items:
        where = f"{source}:{item['line']}"
        body = clean_body(_paragraphs(item["lines"]), where, rep)
        if not body:
            rep.reject(where, f"comment {item['id']} has an empty body")
            continue
        out.append(CommentRecord(external_id=item["id"], body=body, parent_external_id=item["parent"]))
    return out
