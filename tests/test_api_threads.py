"""The thread import API: POST a thread, upload a file, read a thread's tree. SQLite and PostgreSQL."""
from __future__ import annotations

import io
import json
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

THREAD = {
    "site": "paper",
    "external_id": "story-9",
    "title": "Council approves budget",
    "url": "https://paper.example/story-9",
    "comments": [
        {"id": "1", "author": "ann", "body": "Good news.", "replies": [
            {"id": "2", "author": "bob", "body": "Not for everyone.", "replies": [
                {"id": "3", "author": "ann", "body": "Fair point."},
            ]},
        ]},
        {"id": "4", "author": "cy", "body": "<script>alert(1)</script> kept as text"},
    ],
}


def _wait_for_import(client, url, headers=None, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        body = client.get(url, headers=headers).get_json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"import did not finish: {body}")


def test_post_thread_then_read_its_tree(client, api_headers):
    response = client.post("/api/v1/threads", json=THREAD, headers=api_headers)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["comments_new"] == 4

    tree = client.get(created["url"], headers=api_headers).get_json()
    assert tree["title"] == "Council approves budget" and tree["site"] == "paper"
    assert tree["comment_count"] == 4 and tree["layout"] == "nested"
    first, second = tree["comments"]
    assert first["body"] == "Good news."
    assert first["replies"][0]["author"] == "bob"
    assert first["replies"][0]["replies"][0]["body"] == "Fair point."
    assert second["body"].startswith("<script>")  # stored verbatim; the UI escapes it

    again = client.post("/api/v1/threads", json=THREAD, headers=api_headers)
    assert again.status_code == 200
    assert again.get_json()["comments_unchanged"] == 4


def test_post_thread_rejects_bad_json_clearly(client, api_headers):
    response = client.post("/api/v1/threads", data="{oops", content_type="application/json", headers=api_headers)
    assert response.status_code == 400
    assert "not valid JSON" in response.get_json()["error"]["message"]
    empty = client.post("/api/v1/threads", data="", content_type="application/json", headers=api_headers)
    assert empty.status_code == 400


def test_upload_seed_page_and_follow_progress(client, api_headers):
    data = (REPO / "seeds" / "000_14b138b21b3c6e77.txt").read_bytes()
    response = client.post("/api/v1/imports", data={"file": (io.BytesIO(data), "page.txt")},
                           content_type="multipart/form-data", headers=api_headers)
    assert response.status_code == 202, response.get_json()
    job = _wait_for_import(client, response.headers["Location"], api_headers)
    assert job["status"] == "done", job
    assert job["format"] in (None, "scraped_page")
    assert job["summary"]["comments_new"] == 6
    assert job["progress"]["fraction"] == 1.0


def test_upload_of_unknown_format_fails_with_reason(client, api_headers):
    response = client.post("/api/v1/imports?filename=x.bin", data=b"\x00\x01 nothing known here",
                           content_type="application/octet-stream", headers=api_headers)
    assert response.status_code == 202
    job = _wait_for_import(client, response.headers["Location"], api_headers)
    assert job["status"] == "failed"
    assert "json" in job["error"].lower()


def test_upload_with_bad_lines_lists_rejections(client, api_headers):
    body = json.dumps({"external_id": "a", "comments": [{"id": "1", "body": "ok"}]}) + "\n{broken\n"
    response = client.post("/api/v1/imports?format=jsonl", data=body.encode(), headers=api_headers,
                           content_type="application/x-ndjson")
    job = _wait_for_import(client, response.headers["Location"], api_headers)
    assert job["status"] == "done"
    assert job["summary"]["comments_new"] == 1 and job["summary"]["rejected"] == 1
    assert ":2" in job["rejections"][0]["source"]


def test_unknown_format_name_is_a_400(client, api_headers):
    response = client.post("/api/v1/imports?format=excel", data=b"x", headers=api_headers)
    assert response.status_code == 400
    assert "jsonl" in response.get_json()["error"]["message"]


def test_deep_chain_comes_back_flat(client, api_headers):
    comments = [{"id": "0", "body": "root"}] + [
        {"id": str(i), "parent_id": str(i - 1), "body": f"reply {i}"} for i in range(1, 1000)
    ]
    created = client.post("/api/v1/threads", json={"external_id": "deep", "comments": comments},
                          headers=api_headers).get_json()
    tree = client.get(created["url"], headers=api_headers).get_json()
    assert tree["layout"] == "flat" and tree["comment_count"] == 1000
    assert max(c["depth"] for c in tree["comments"]) == 999


def test_missing_thread_is_404_json(client, api_headers):
    response = client.get("/api/v1/threads/999999", headers=api_headers)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == 404


def test_oversized_body_is_413_with_a_clear_message(app, client, api_headers):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/api/v1/imports", data=b"x" * 5000, headers=api_headers)
    assert response.status_code == 413
    assert "too large" in response.get_json()["error"]["message"]


def test_upload_rejections_name_the_uploaded_file_not_the_stored_one(client, api_headers):
    body = json.dumps({"external_id": "a", "comments": [{"id": "1", "body": "ok"}]}) + "\n{broken\n"
    response = client.post("/api/v1/imports", data={"file": (io.BytesIO(body.encode()), "Reader comments.jsonl")},
                           content_type="multipart/form-data", headers=api_headers)
    job = _wait_for_import(client, response.headers["Location"], api_headers)
    assert job["original_filename"] == "Reader comments.jsonl"
    assert [r["source"] for r in job["rejections"]] == ["Reader comments.jsonl:2"]

    response = client.post("/api/v1/imports?filename=notes.txt", data=b"just some notes\n", headers=api_headers)
    job = _wait_for_import(client, response.headers["Location"], api_headers)
    assert job["status"] == "failed" and job["error"].startswith("notes.txt: ")


def test_upload_skips_wordpress_pingbacks_unless_asked_to_keep_them(client, api_headers):
    import sys

    sys.path.insert(0, str(REPO / "tests" / "ingest" / "importers"))
    from test_xml_formats import PINGBACKS, WXR

    data = WXR.replace("<wp:postmeta>", PINGBACKS + "<wp:postmeta>", 1).encode()
    response = client.post("/api/v1/imports", data={"file": (io.BytesIO(data), "blog.xml")},
                           content_type="multipart/form-data", headers=api_headers)
    job = _wait_for_import(client, response.headers["Location"], api_headers)
    assert job["status"] == "done", job
    assert (job["summary"]["comments_new"], job["summary"]["comments_skipped"]) == (4, 2)

    response = client.post("/api/v1/imports?keep_pingbacks=1", data={"file": (io.BytesIO(data), "blog.xml")},
                           content_type="multipart/form-data", headers=api_headers)
    job = _wait_for_import(client, response.headers["Location"], api_headers)
    assert (job["summary"]["comments_new"], job["summary"]["comments_skipped"]) == (2, 0)
    assert job["options"] == {"keep_pingbacks": True}

    bad = client.post("/api/v1/imports?keep_pingbacks=maybe", data=data, headers=api_headers)
    assert bad.status_code == 400 and "keep_pingbacks" in bad.get_json()["error"]["message"]
