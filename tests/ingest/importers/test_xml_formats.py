"""Disqus XML and WordPress WXR exports."""
from __future__ import annotations

from importer_helpers import run, write

from modsvc.ingest.importers import detect_format

DISQUS = """<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals"
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <category dsq:id="1"><forum>myforum</forum><title>General</title><isDefault>true</isDefault></category>
  <post dsq:id="p3">
    <id /><message><![CDATA[<p>Reply &amp; <b>bold</b></p><p>second para</p>]]></message>
    <createdAt>2021-03-01T10:05:00Z</createdAt><isDeleted>false</isDeleted><isSpam>true</isSpam>
    <author><email>c@x.test</email><name>Carol</name><isAnonymous>false</isAnonymous><username>carol</username></author>
    <thread dsq:id="t1" /><parent dsq:id="p2" />
  </post>
  <thread dsq:id="t1">
    <id>article-1</id><forum>myforum</forum><category dsq:id="1" />
    <link>https://blog.test/article-1</link><title>First article</title><message />
    <createdAt>2021-03-01T09:00:00Z</createdAt>
    <author><email>a@x.test</email><name>Author A</name><isAnonymous>false</isAnonymous></author>
    <isClosed>true</isClosed><isDeleted>false</isDeleted>
  </thread>
  <thread dsq:id="t2">
    <link>https://blog.test/2</link><title>Second</title><createdAt>2021-04-01T09:00:00Z</createdAt>
    <isClosed>false</isClosed>
  </thread>
  <post dsq:id="p1">
    <message><![CDATA[Top comment]]></message><createdAt>2021-03-01T10:00:00Z</createdAt>
    <isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><name>Bob</name></author><thread dsq:id="t1" />
  </post>
  <post dsq:id="p2">
    <message><![CDATA[Nested<br/>reply]]></message><createdAt>2021-03-01T10:01:00Z</createdAt>
    <isDeleted>true</isDeleted><isSpam>false</isSpam>
    <author><name>Ann</name></author><thread dsq:id="t1" /><parent dsq:id="p1" />
  </post>
  <post dsq:id="p9">
    <message><![CDATA[On the second thread]]></message><createdAt>2021-04-01T10:00:00Z</createdAt>
    <isDeleted>false</isDeleted><isSpam>false</isSpam><author><name>Dan</name></author><thread dsq:id="t2" />
  </post>
</disqus>
"""


def test_disqus_round_trip(tmp_path):
    p = write(tmp_path / "export.xml", DISQUS)
    assert detect_format(p) == "disqus"
    result = run(p)
    assert result.rejections == [], result.text()
    t1, t2 = result.threads
    assert (t1.external_id, t1.title, t1.url, t1.author, t1.closed) == (
        "t1", "First article", "https://blog.test/article-1", "Author A", True)
    assert t1.published_at.isoformat() == "2021-03-01T09:00:00+00:00"
    assert t1.extra == {"identifier": "article-1", "forum": "myforum"}
    assert [(c.external_id, c.parent_external_id, c.author, c.status, c.body) for c in t1.comments] == [
        ("p1", None, "Bob", "approved", "Top comment"),
        ("p2", "p1", "Ann", "deleted", "Nested\nreply"),
        ("p3", "p2", "Carol", "spam", "Reply & bold\n\nsecond para"),
    ]
    assert t2.closed is False and [c.body for c in t2.comments] == ["On the second thread"]


def test_disqus_thread_without_posts_and_external_dtd(tmp_path):
    doc = ('<?xml version="1.0"?>\n<!DOCTYPE disqus SYSTEM "http://example.invalid/x.dtd">\n'
           '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
           '<thread dsq:id="1"><title>x</title></thread></disqus>')
    result = run(write(tmp_path / "one.xml", doc))
    assert [t.external_id for t in result.threads] == ["1"] and result.rejections == []


def test_disqus_post_for_unknown_thread_is_rejected(tmp_path):
    doc = DISQUS.replace('<thread dsq:id="t2" />', '<thread dsq:id="t404" />')
    result = run(write(tmp_path / "d.xml", doc))
    assert [r.reason for r in result.rejections] == [
        "post 'p9' refers to thread 't404', which is not in the file"]
    assert result.threads[1].comments == []


WXR = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>My Blog</title><link>https://blog.test</link><wp:wxr_version>1.2</wp:wxr_version>
  <wp:author><wp:author_login>admin</wp:author_login></wp:author>
  <item>
    <title>Hello world</title><link>https://blog.test/hello</link>
    <pubDate>Mon, 01 Feb 2021 10:00:00 +0000</pubDate><dc:creator><![CDATA[admin]]></dc:creator>
    <content:encoded><![CDATA[<p>Post &amp; body</p>]]></content:encoded>
    <excerpt:encoded><![CDATA[the excerpt]]></excerpt:encoded>
    <wp:post_id>42</wp:post_id><wp:post_date_gmt>2021-02-01 10:00:00</wp:post_date_gmt>
    <wp:comment_status>closed</wp:comment_status><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
    <wp:postmeta><wp:meta_key>k</wp:meta_key><wp:meta_value>v</wp:meta_value></wp:postmeta>
    <wp:comment>
      <wp:comment_id>3</wp:comment_id><wp:comment_author><![CDATA[Zed]]></wp:comment_author>
      <wp:comment_date_gmt>2021-02-01 12:00:00</wp:comment_date_gmt>
      <wp:comment_content><![CDATA[reply to reply]]></wp:comment_content>
      <wp:comment_approved>spam</wp:comment_approved><wp:comment_parent>2</wp:comment_parent>
    </wp:comment>
    <wp:comment>
      <wp:comment_id>1</wp:comment_id><wp:comment_author><![CDATA[Ann]]></wp:comment_author>
      <wp:comment_date>2021-02-01 11:00:00</wp:comment_date><wp:comment_date_gmt>0000-00-00 00:00:00</wp:comment_date_gmt>
      <wp:comment_content><![CDATA[first line
second line]]></wp:comment_content>
      <wp:comment_approved>1</wp:comment_approved><wp:comment_parent>0</wp:comment_parent>
    </wp:comment>
    <wp:comment>
      <wp:comment_id>2</wp:comment_id><wp:comment_author><![CDATA[Bo]]></wp:comment_author>
      <wp:comment_date_gmt>2021-02-01 11:30:00</wp:comment_date_gmt>
      <wp:comment_content><![CDATA[a reply]]></wp:comment_content>
      <wp:comment_approved>0</wp:comment_approved><wp:comment_parent>1</wp:comment_parent>
      <wp:comment_type>comment</wp:comment_type>
    </wp:comment>
  </item>
  <item>
    <title>Picture</title><wp:post_id>43</wp:post_id><wp:post_type>attachment</wp:post_type>
  </item>
  <item>
    <title>Open page</title><wp:post_id>44</wp:post_id><wp:post_type>page</wp:post_type>
    <wp:comment_status>open</wp:comment_status><content:encoded><![CDATA[]]></content:encoded>
    <wp:comment><wp:comment_id>9</wp:comment_id><wp:comment_content><![CDATA[<a href="x">link</a> text]]></wp:comment_content>
      <wp:comment_approved>trash</wp:comment_approved><wp:comment_parent>0</wp:comment_parent></wp:comment>
  </item>
</channel>
</rss>
"""


def test_wxr_round_trip(tmp_path):
    p = write(tmp_path / "blog.wordpress.xml", WXR)
    assert detect_format(p) == "wxr"
    result = run(p)
    assert result.rejections == [], result.text()
    post, page = result.threads
    assert (post.external_id, post.title, post.url, post.author, post.closed, post.body) == (
        "42", "Hello world", "https://blog.test/hello", "admin", True, "Post & body")
    assert post.published_at.isoformat() == "2021-02-01T10:00:00+00:00"
    assert [(c.external_id, c.parent_external_id, c.author, c.status) for c in post.comments] == [
        ("1", None, "Ann", "approved"), ("2", "1", "Bo", "pending"), ("3", "2", "Zed", "spam")]
    first = post.comments[0]
    assert first.body == "first line\nsecond line"
    assert first.posted_at.isoformat() == "2021-02-01T11:00:00+00:00"  # fell back to comment_date
    assert (page.external_id, page.closed, page.body) == ("44", False, None)
    assert [(c.body, c.status) for c in page.comments] == [("link text", "trash")]


PINGBACKS = "".join(
    f"""<wp:comment><wp:comment_id>{cid}</wp:comment_id><wp:comment_author><![CDATA[Other blog]]></wp:comment_author>
      <wp:comment_content><![CDATA[[…] as argued in this post […]]]></wp:comment_content>
      <wp:comment_approved>1</wp:comment_approved><wp:comment_parent>0</wp:comment_parent>
      <wp:comment_type>{kind}</wp:comment_type></wp:comment>"""
    for cid, kind in (("7", "pingback"), ("8", "trackback")))


def test_wxr_pingbacks_and_trackbacks_are_skipped_and_counted(tmp_path):
    from modsvc.ingest.importers import iter_records
    from modsvc.ingest.importers.records import Skipped

    p = write(tmp_path / "blog.xml", WXR.replace("<wp:postmeta>", PINGBACKS + "<wp:postmeta>", 1))
    result = run(p)
    assert result.rejections == [], result.text()
    post = result.threads[0]
    assert [c.external_id for c in post.comments] == ["1", "2", "3"]
    assert sorted((s.source, s.reason) for s in result.skipped) == [
        ("blog.xml#item-42/comment-7", "pingback"), ("blog.xml#item-42/comment-8", "trackback")]

    kept = run(p, keep_pingbacks=True)
    assert kept.skipped == []
    by_id = kept.comments(kept.threads[0])
    assert (by_id["7"].extra, by_id["8"].extra) == ({"type": "pingback"}, {"type": "trackback"})
    assert not any(isinstance(i, Skipped) for i in iter_records(p, keep_pingbacks=True))
