"""POST /api/v1/captures and the read endpoints: every error status, idempotency, what is stored."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import stat
import threading
import uuid
from pathlib import Path

import pytest
from helpers import capture_payload, png_bytes

from companion.core.schema import Schema
from companion.evidence.identity import page_identity


def post(client, body, **kw):
    return client.post("/api/v1/captures", json=body, **kw)


def assert_error(resp, status, code=None):
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()
    assert Schema().first_error("error", body) is None
    assert body["message"].strip()
    assert "Traceback" not in resp.get_data(as_text=True)
    if code:
        assert body["error"] == code
    return body


def count(app, table):
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def blob_files(app):
    return [p for p in Path(app.config["DATA_DIR"], "blobs").rglob("*") if p.is_file()]


def test_capture_is_archived_byte_for_byte(app, client):
    image = png_bytes(seed=7)
    body = capture_payload(
        image=image,
        facts={"cut_amount": 98.76, "remaining_amount": 0.52, "cut_percent": 99.4, "countdown_seconds": 3600},
    )
    resp = post(client, body)
    assert resp.status_code == 201
    answer = resp.get_json()
    assert Schema().first_error("capture_result", answer) is None
    assert answer["sha256"] == hashlib.sha256(image).hexdigest()
    assert answer["capture_id"] == body["capture_id"]
    [stored] = blob_files(app)
    assert stored.read_bytes() == image
    assert stored.name == f"{answer['sha256']}.png"

    detail = client.get(f"/api/v1/campaigns/{answer['campaign_id']}").get_json()
    [reading] = detail["readings"]
    assert reading["cut_amount"] == 98.76 and reading["remaining_amount"] == 0.52
    assert reading["cut_percent"] == 99.4
    # The deadline is derived from the countdown and the client's clock.
    assert reading["deadline"].startswith("2026-11-20T15:03:00")
    [cap] = detail["captures"]
    assert cap["facts"] == body["facts"]  # exactly what the client sent
    assert cap["received_at"] and cap["taken_at"] == body["taken_at"]
    assert cap["client"] == body["client"]
    assert len(cap["record_hash"]) == 64 and cap["prev_hash"] == "0" * 64


def test_jpeg_accepted(client):
    resp = post(client, capture_payload(mime="image/jpeg"))
    assert resp.status_code == 201


def test_duplicate_capture_id_gives_one_row_and_first_answer(app, client):
    body = capture_payload()
    first = post(client, body)
    second = post(client, body)
    assert first.status_code == 201 and second.status_code == 200
    a, b = first.get_json(), second.get_json()
    assert b.pop("duplicate") is True
    assert a == b
    assert count(app, "captures") == 1 and count(app, "readings") == 1


def test_duplicate_capture_id_with_other_image_is_409(app, client):
    body = capture_payload(seed=1)
    assert post(client, body).status_code == 201
    other = capture_payload(seed=2, capture_id=body["capture_id"])
    assert_error(post(client, other), 409, "capture_id_conflict")
    assert count(app, "captures") == 1


def test_concurrent_duplicates_store_one_row(app):
    body = capture_payload()
    token = app.config["API_TOKEN"]
    statuses = []

    def send():
        c = app.test_client()
        statuses.append(post(c, body, headers={"Authorization": f"Bearer {token}"}).status_code)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 5 + [201]
    assert count(app, "captures") == 1


def test_captures_of_one_bargain_share_a_campaign(client):
    a = post(
        client, capture_payload(url="https://mobile.yangkeduo.com/b.html?goods_id=9&_x_share=1&ts=1")
    ).get_json()
    b = post(
        client, capture_payload(url="https://MOBILE.yangkeduo.com/b.html?ts=2&goods_id=9&refer_page=x")
    ).get_json()
    c = post(client, capture_payload(url="https://mobile.yangkeduo.com/b.html?goods_id=10")).get_json()
    assert a["campaign_id"] == b["campaign_id"] != c["campaign_id"]
    listing = client.get("/api/v1/campaigns").get_json()["campaigns"]
    assert {x["id"]: x["capture_count"] for x in listing} == {a["campaign_id"]: 2, c["campaign_id"]: 1}


def test_explicit_campaign(client):
    first = post(client, capture_payload(url="https://a.example/x?activity_id=1")).get_json()
    moved = post(
        client, capture_payload(url="https://b.example/y", campaign_id=first["campaign_id"])
    ).get_json()
    assert moved["campaign_id"] == first["campaign_id"]


def test_unknown_explicit_campaign_is_404_and_writes_nothing(app, client):
    assert_error(post(client, capture_payload(campaign_id="nope")), 404, "campaign_not_found")
    assert count(app, "captures") == 0 and blob_files(app) == []


def test_hash_chain_links_records(app, client):
    for i in range(3):
        post(client, capture_payload(seed=i))
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        rows = conn.execute("SELECT prev_hash, record_hash FROM captures ORDER BY seq").fetchall()
    assert rows[0][0] == "0" * 64
    assert rows[1][0] == rows[0][1] and rows[2][0] == rows[1][1]


def test_log_is_append_only(app, client):
    post(client, capture_payload())
    with sqlite3.connect(app.config["DATABASE"]) as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE captures SET sha256 = 'x'")


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic abc", "Bearer "])
def test_401_without_valid_token(app, header):
    c = app.test_client()
    headers = {"Authorization": header} if header else {}
    assert_error(c.post("/api/v1/captures", json=capture_payload(), headers=headers), 401)
    assert_error(c.get("/api/v1/campaigns", headers=headers), 401)
    assert count(app, "captures") == 0


def test_403_for_foreign_host_header(client):
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends its own Host."""
    assert_error(
        client.get("/api/v1/campaigns", headers={"Host": "evil.example:8765"}), 403, "host_not_allowed"
    )
    assert_error(client.get("/", headers={"Host": "evil.example"}), 403)


def test_400_for_invalid_json(client):
    assert_error(
        client.post("/api/v1/captures", data="{not json", content_type="application/json"),
        400,
        "invalid_json",
    )
    assert_error(post(client, [1, 2]), 400, "invalid_json")


def test_400_for_missing_required_field(client):
    body = capture_payload()
    del body["image"]
    assert_error(post(client, body), 400, "schema_violation")


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: b.update(capture_id="not-a-uuid"),
        lambda b: b.update(taken_at="2026-11-20 14:03"),
        lambda b: b.update(taken_at="2026-11-20T14:03:00"),
        lambda b: b.update(source="camera"),
        lambda b: b["facts"].update(cut_percent=120),
        lambda b: b["facts"].update(cut_amount="98.76"),
        lambda b: b["facts"].update(unknown_field=1),
        lambda b: b["image"].update(mime="image/gif"),
    ],
)
def test_422_for_schema_violations(app, client, mutate):
    body = capture_payload()
    mutate(body)
    assert_error(post(client, body), 422, "schema_violation")
    assert count(app, "captures") == 0


@pytest.mark.parametrize("taken_at", ["9999-12-31T00:00:00+00:00", "0001-01-01T00:00:00+14:00"])
def test_422_for_impossible_capture_times(app, client, taken_at):
    body = capture_payload(facts={"countdown_seconds": 86400 * 3})
    body["taken_at"] = taken_at
    assert_error(post(client, body), 422, "invalid_time")
    assert count(app, "captures") == 0


def test_422_for_bad_base64(app, client):
    body = capture_payload()
    body["image"]["data_base64"] = "@@@not base64@@@"
    assert_error(post(client, body), 422, "invalid_base64")
    assert blob_files(app) == []


def test_415_for_non_json_write(app, client):
    resp = client.post(
        "/api/v1/captures", data="capture_id=x", content_type="application/x-www-form-urlencoded"
    )
    assert_error(resp, 415, "unsupported_media_type")
    resp = client.post("/api/v1/captures", data=json.dumps(capture_payload()), content_type="text/plain")
    assert_error(resp, 415)
    assert count(app, "captures") == 0


@pytest.mark.parametrize(
    "image,mime",
    [
        (b"GIF89a" + b"\0" * 64, "image/png"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png"),
        (png_bytes(fmt="JPEG"), "image/png"),  # a JPEG declared as PNG
    ],
)
def test_415_for_images_that_are_not_what_they_claim(app, client, image, mime):
    assert_error(post(client, capture_payload(image=image, mime=mime)), 415)
    assert count(app, "captures") == 0 and blob_files(app) == []


def test_422_for_truncated_png(app, client):
    data = png_bytes(width=300, height=300, seed=3)
    assert_error(post(client, capture_payload(image=data[: len(data) // 2])), 422, "corrupt_image")
    assert blob_files(app) == []


def test_413_for_oversized_body(tmp_path):
    from companion.app import create_app

    app = create_app({"DATA_DIR": str(tmp_path), "MAX_CONTENT_LENGTH": 10_000})
    c = app.test_client()
    big = capture_payload(image=os.urandom(20_000))
    resp = c.post(
        "/api/v1/captures", json=big, headers={"Authorization": f"Bearer {app.config['API_TOKEN']}"}
    )
    assert_error(resp, 413)
    assert count(app, "captures") == 0


def test_413_for_decompression_bomb(tmp_path):
    from companion.app import create_app

    app = create_app({"DATA_DIR": str(tmp_path), "MAX_IMAGE_PIXELS": 100 * 100})
    c = app.test_client()
    resp = c.post(
        "/api/v1/captures",
        json=capture_payload(image=png_bytes(width=200, height=200)),
        headers={"Authorization": f"Bearer {app.config['API_TOKEN']}"},
    )
    assert_error(resp, 413, "image_too_large")


def test_404s_are_json(client):
    assert_error(client.get("/api/v1/campaigns/none"), 404, "campaign_not_found")
    assert_error(client.get(f"/api/v1/captures/{uuid.uuid4()}"), 404, "capture_not_found")
    assert_error(client.get("/api/v1/nothing-here"), 404)


def test_405_is_json(client):
    assert_error(client.delete("/api/v1/captures"), 405)


def test_cors_only_for_paired_extension_origins(client):
    preflight = {
        "Origin": "chrome-extension://abcdefghijklmnopabcdefghijklmnop",
        "Access-Control-Request-Method": "POST",
    }
    unpaired = client.options("/api/v1/captures", headers=preflight)
    assert "Access-Control-Allow-Origin" not in unpaired.headers
    # The legacy token's first use from this extension pairs it (docs/security.md).
    client.get("/api/v1/status", headers={"Origin": preflight["Origin"]})
    ok = client.options(
        "/api/v1/captures",
        headers={
            "Origin": "chrome-extension://abcdefghijklmnopabcdefghijklmnop",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert (
        ok.headers.get("Access-Control-Allow-Origin") == "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
    )
    evil = client.options(
        "/api/v1/captures",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in evil.headers


def test_security_headers(client):
    resp = client.get("/api/v1/status")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]


def test_dashboard_refuses_cross_site_posts(client):
    resp = client.post("/", data={"x": 1}, headers={"Sec-Fetch-Site": "cross-site"})
    assert resp.status_code == 403


def test_stored_image_served_with_nosniff(client):
    answer = post(client, capture_payload()).get_json()
    resp = client.get(f"/captures/{answer['capture_id']}/image")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    resp.close()


def test_token_file_is_private(app):
    path = Path(app.config["DATA_DIR"], "token")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().strip() == app.config["API_TOKEN"]


@pytest.mark.parametrize(
    "url,identity",
    [
        (
            "https://mobile.yangkeduo.com/bargain.html?goods_id=1&refer_share_uid=2&_x_src=3",
            "mobile.yangkeduo.com/bargain.html?goods_id=1",
        ),
        (
            "https://www.Example.com/a//b/?activity_id=7&act_no=3&t=99",
            "example.com/a/b?act_no=3&activity_id=7",
        ),
        ("http://127.0.0.1:8000/demo/?activity_id=demo", "127.0.0.1:8000/demo?activity_id=demo"),
        ("https://h5.example/x?uid=5&share_id=1", "h5.example/x"),
    ],
)
def test_page_identity(url, identity):
    assert page_identity(url) == identity


def test_base64_data_url_prefix_tolerated(client):
    body = capture_payload()
    body["image"]["data_base64"] = "data:image/png;base64," + body["image"]["data_base64"]
    assert post(client, body).status_code == 201


def test_payload_builder_is_schema_valid():
    assert Schema().first_error("capture", capture_payload()) is None
    assert base64.b64decode(capture_payload()["image"]["data_base64"])[:4] == b"\x89PNG"
