"""Synthetic comment threads written in every import format, for benchmarks and large-input tests."""
from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

WORDS = ("the council vote was close and the budget debate went on for hours while residents waited outside "
         "many people think the new road plan is a mistake others say it will bring jobs to the town "
         "I read the whole article twice and still do not understand why the mayor changed his mind").split()


@dataclass
class SynthComment:
    id: str
    parent: str | None
    author: str
    body: str
    posted: str


def threads(n_threads: int, per_thread: int, seed: int = 7):
    """Yield (thread_id, title, comments) with about a third of comments replying to an earlier one."""
    rng = random.Random(seed)
    for t in range(n_threads):
        comments: list[SynthComment] = []
        for c in range(per_thread):
            parent = comments[rng.randrange(len(comments))].id if comments and rng.random() < 0.35 else None
            body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 60)))
            comments.append(SynthComment(f"t{t}c{c}", parent, f"user{rng.randrange(5000)}", body,
                                         f"2024-01-{1 + c % 28:02d}T12:{c % 60:02d}:00Z"))
        yield f"t{t}", f"Synthetic story number {t}", comments


def write_jsonl(path: Path, n_threads: int, per_thread: int) -> Path:
    with open(path, "w") as out:
        for tid, title, comments in threads(n_threads, per_thread):
            out.write(json.dumps({
                "site": "bench", "external_id": tid, "title": title, "url": f"https://example.org/{tid}",
                "comments": [{"id": c.id, "parent_id": c.parent, "author": c.author, "body": c.body,
                              "posted_at": c.posted} for c in comments],
            }) + "\n")
    return path


def write_json(path: Path, n_threads: int, per_thread: int) -> Path:
    with open(path, "w") as out:
        out.write('{"threads": [\n')
        for i, (tid, title, comments) in enumerate(threads(n_threads, per_thread)):
            out.write(("," if i else "") + json.dumps({
                "site": "bench", "external_id": tid, "title": title,
                "comments": [{"id": c.id, "parent_id": c.parent, "author": c.author, "body": c.body,
                              "posted_at": c.posted} for c in comments],
            }) + "\n")
        out.write("]}\n")
    return path


def write_coral(folder: Path, n_threads: int, per_thread: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    users: set[str] = set()
    with open(folder / "stories.csv", "w", newline="") as s_out, open(folder / "comments.csv", "w", newline="") as c_out:
        stories, comments_csv = csv.writer(s_out), csv.writer(c_out)
        stories.writerow(["id", "url", "title", "author", "published_at", "closed_at", "mode"])
        comments_csv.writerow(["id", "author_id", "story_id", "created_at", "body", "parent_id", "status", "rating"])
        for tid, title, comments in threads(n_threads, per_thread):
            stories.writerow([tid, f"https://example.org/{tid}", title, "desk", "2024-01-01T00:00:00Z", "", "COMMENTS"])
            for c in comments:
                users.add(c.author)
                comments_csv.writerow([c.id, c.author, tid, c.posted, c.body, c.parent or "", "APPROVED", ""])
    with open(folder / "users.csv", "w", newline="") as u_out:
        writer = csv.writer(u_out)
        writer.writerow(["id", "email", "username", "role", "banned", "created_at"])
        for u in sorted(users):
            writer.writerow([u, f"{u}@example.org", u, "COMMENTER", "false", "2023-01-01T00:00:00Z"])
    return folder


def write_disqus(path: Path, n_threads: int, per_thread: int) -> Path:
    with open(path, "w") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" '
                  'xmlns:dsq="http://disqus.com/disqus-internals">\n')
        all_threads = list(threads(n_threads, per_thread))
        for tid, title, _ in all_threads:
            out.write(f'<thread dsq:id="{tid}"><id>{tid}</id><link>https://example.org/{tid}</link>'
                      f'<title>{escape(title)}</title><createdAt>2024-01-01T00:00:00Z</createdAt>'
                      f'<isClosed>false</isClosed></thread>\n')
        for tid, _, comments in all_threads:
            for c in comments:
                parent = f'<parent dsq:id="{c.parent}"/>' if c.parent else ""
                out.write(f'<post dsq:id="{c.id}"><id/><message><![CDATA[<p>{c.body}</p>]]></message>'
                          f'<createdAt>{c.posted}</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>'
                          f'<author><name>{c.author}</name></author><thread dsq:id="{tid}"/>{parent}</post>\n')
        out.write("</disqus>\n")
    return path


def write_wxr(path: Path, n_threads: int, per_thread: int) -> Path:
    with open(path, "w") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
                  'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
                  'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">\n'
                  '<channel><title>Bench</title>\n')
        for t, (tid, title, comments) in enumerate(threads(n_threads, per_thread)):
            numeric = {c.id: i + 1 for i, c in enumerate(comments)}
            out.write(f"<item><title>{escape(title)}</title><link>https://example.org/{tid}</link>"
                      f"<wp:post_id>{t + 1}</wp:post_id><dc:creator>desk</dc:creator>"
                      f"<wp:post_date_gmt>2024-01-01 00:00:00</wp:post_date_gmt>"
                      f"<content:encoded><![CDATA[Body of {escape(title)}]]></content:encoded>"
                      f"<wp:comment_status>open</wp:comment_status>\n")
            for c in comments:
                out.write(f"<wp:comment><wp:comment_id>{numeric[c.id]}</wp:comment_id>"
                          f"<wp:comment_author>{c.author}</wp:comment_author>"
                          f"<wp:comment_date_gmt>{c.posted.replace('T', ' ').rstrip('Z')}</wp:comment_date_gmt>"
                          f"<wp:comment_content><![CDATA[{c.body}]]></wp:comment_content>"
                          f"<wp:comment_approved>1</wp:comment_approved>"
                          f"<wp:comment_parent>{numeric[c.parent] if c.parent else 0}</wp:comment_parent>"
                          f"</wp:comment>\n")
            out.write("</item>\n")
        out.write("</channel></rss>\n")
    return path


def write_scraped(folder: Path, n_threads: int, per_thread: int) -> Path:
    """Article pages in the family of seeds/: numbered top-level comments, bulleted replies (one level)."""
    folder.mkdir(parents=True, exist_ok=True)
    for tid, title, comments in threads(n_threads, per_thread):
        lines = [title, "", "…from Bench Desk – Jan 10, 2024", "", "An article body paragraph.", "", ""]
        top = [c for c in comments if c.parent is None]
        parent_of = {c.id: c.parent for c in comments}
        replies: dict[str, list[SynthComment]] = {}
        for c in comments:
            if c.parent is not None:
                root = c.parent
                while parent_of[root] is not None:  # pages show one level of replies: attach to the top comment
                    root = parent_of[root]
                replies.setdefault(root, []).append(c)
        for number, c in enumerate(top, start=1):
            lines += [f"  {number}. {c.body}", ""]
            for r in replies.get(c.id, []):
                lines += [f"    • {r.body}", ""]
        lines.append("Comments are closed.")
        (folder / f"{tid}.txt").write_text("\n".join(lines) + "\n")
    return folder


WRITERS = {
    "jsonl": lambda d, n, k: write_jsonl(d / "threads.jsonl", n, k),
    "json": lambda d, n, k: write_json(d / "threads.json", n, k),
    "coral_csv": lambda d, n, k: write_coral(d / "coral", n, k),
    "disqus": lambda d, n, k: write_disqus(d / "disqus.xml", n, k),
    "wxr": lambda d, n, k: write_wxr(d / "wordpress.xml", n, k),
    "scraped_page": lambda d, n, k: write_scraped(d / "pages", n, k),
}
