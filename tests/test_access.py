"""Local access (#11): hostile Host values and hostile or unpaired Origins are refused with nothing
written; pairing by a confirmed code; tokens bound to an origin; revoke; dashboard sessions by
one-time links; the legacy pasted token; what `token` prints; private database files.

The refusal tests print their figures (run with ``-s`` to see them).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import SCHEMA_PATH, capture_payload, login_test_client

from companion.app import create_app
from companion.cli import cli

EXT = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
OTHER_EXT = "chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba"
FIREFOX_EXT = "moz-extension://0b6c4b9e-2f1e-4c2a-9a4e-3f1d2c3b4a5f"
OTHER_FIREFOX_INSTALL = "moz-extension://9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
SAME_ORIGIN_FORM = {"Sec-Fetch-Site": "same-origin"}

HOSTILE_HOSTS = [
    "evil.example",  # DNS rebinding: the attacker's own name, resolving to 127.0.0.1
    "evil.example:8765",
    "127.0.0.1.evil.example",
    "localhost.evil.example",
    "127.0.0.1.nip.io",
    "localtest.me",
    "127.0.0.1:80@evil.example",  # userinfo tricks
    "evil.example@127.0.0.1",
    "user:pass@localhost",
    "127.0.0.1.",  # trailing dots
    "localhost.",
    "0.0.0.0",  # other addresses and spellings of loopback
    "127.0.0.2",
    "127.1",
    "2130706433",
    "0x7f000001",
    "0177.0.0.1",
    "[::ffff:127.0.0.1]",
    "[0:0:0:0:0:0:0:1]",
    "::1",
    "localhost:99999",  # ports
    "localhost:-1",
    "localhost:8765:8765",
    "localhost:",
    "localhost:http",
    "",  # empty
    "ｌｏｃａｌｈｏｓｔ",  # unicode look-alikes (fullwidth, Cyrillic о)
    "lоcalhost",
    "xn--localhost-9za",
    "a" * 300 + ".localhost",  # very long
    "localhost/evil",
    "localhost%2eevil.example",
    "localhost,evil.example",
    "127.0.0.1 evil.example",
    "*",
]


def _count(database: str | Path, table: str) -> int:
    with sqlite3.connect(database) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def _written(database: str | Path) -> tuple[int, ...]:
    return tuple(_count(database, t) for t in ("captures", "paired_browsers", "pairing_requests", "sessions"))


def _raw_request(port: int, host: str, token: str, body: bytes) -> int:
    """One POST with exactly this Host header, bytes as they are: the server's status."""
    head = (
        f"POST /api/v1/captures HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(head.encode("utf-8") + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def test_hostile_hosts_are_refused_with_nothing_written(companion):
    assert len(HOSTILE_HOSTS) >= 25
    port = int(companion.url.rsplit(":", 1)[1])
    database = companion.data_dir / "bargain-witness.sqlite3"
    before = _written(database)
    body = json.dumps(capture_payload()).encode()
    statuses = {host: _raw_request(port, host, companion.token, body) for host in HOSTILE_HOSTS}
    accepted = {h: s for h, s in statuses.items() if s < 400}
    assert not accepted, accepted
    assert _written(database) == before
    # The same request with a real local Host is stored: the refusals were the Host's doing.
    assert _raw_request(port, f"127.0.0.1:{port}", companion.token, body) == 201
    assert _count(database, "captures") == before[0] + 1
    refused_by_guard = sum(1 for s in statuses.values() if s == 403)
    print(
        f"\nhostile Host values refused: {len(statuses) - len(accepted)}/{len(HOSTILE_HOSTS)} "
        f"({refused_by_guard} by the allow-list with 403, {len(statuses) - refused_by_guard} by the server "
        f"with 400); rows written: {_written(database)[0] - before[0] - 1}"
    )


def _pair(client, origin: str) -> str:
    """Pair ``origin`` through the API and the dashboard form, as a user does; its token."""
    started = client.post("/api/v1/pairing", json={}, headers={"Origin": origin})
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    page = client.get("/settings").get_data(as_text=True)
    assert body["code"] in page
    id_hash = _id_hash(client, body["request_id"])
    assert client.post(f"/settings/pairing/{id_hash}/confirm", headers=SAME_ORIGIN_FORM).status_code == 303
    answer = client.post(
        f"/api/v1/pairing/{body['request_id']}", json={}, headers={"Origin": origin}
    ).get_json()
    assert answer["status"] == "confirmed"
    return answer["token"]


def _id_hash(client, request_id: str) -> str:
    import hashlib

    return hashlib.sha256(request_id.encode()).hexdigest()


def test_hostile_and_unpaired_origins_are_refused_with_nothing_written(app, client):
    paired = _pair(client, EXT)
    firefox = _pair(client, FIREFOX_EXT)
    revoked = _pair(client, OTHER_EXT)
    legacy = app.config["API_TOKEN"]
    revoked_id = next(
        r[0]
        for r in sqlite3.connect(app.config["DATABASE"]).execute(
            "SELECT id FROM paired_browsers WHERE origin = ?", [OTHER_EXT]
        )
    )
    assert client.post(f"/settings/browsers/{revoked_id}/revoke", headers=SAME_ORIGIN_FORM).status_code == 303
    cases = [
        ("https://evil.example", paired),
        ("http://evil.example", legacy),
        ("http://localhost:8765", legacy),  # the dashboard's own origin is not an extension
        ("http://127.0.0.1", paired),
        ("null", legacy),
        ("file://", legacy),
        ("chrome-extension://", legacy),
        ("chrome-extension://abc/def", legacy),
        ("chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcbz", paired),  # another extension id
        (OTHER_FIREFOX_INSTALL, firefox),  # moz-extension of another install
        (FIREFOX_EXT, paired),  # a paired origin with another browser's token
        (OTHER_EXT, revoked),  # revoked, by its own token
        (OTHER_EXT, legacy),  # revoked browser tries the legacy token: it is recorded as revoked too
        (EXT, ""),  # a paired origin without a token
        (EXT, "not-the-token"),
    ]
    database = app.config["DATABASE"]
    # The revoked origin's legacy use must be refused too: record its legacy pairing, then revoke it.
    assert client.get("/api/v1/status", headers={"Origin": OTHER_EXT, "Authorization": ""}).status_code == 401
    plain = app.test_client()
    plain.get("/api/v1/status", headers={"Origin": OTHER_EXT, "Authorization": f"Bearer {legacy}"})
    with sqlite3.connect(database) as conn:
        conn.execute(
            "UPDATE paired_browsers SET revoked_at = '2026-01-01T00:00:00Z' WHERE origin = ?", [OTHER_EXT]
        )
    before = _written(database)
    results = []
    for origin, token in cases:
        headers = {"Origin": origin, "Authorization": f"Bearer {token}" if token else ""}
        resp = plain.post("/api/v1/captures", json=capture_payload(), headers=headers)
        preflight = plain.options(
            "/api/v1/captures", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
        )
        results.append((origin, resp.status_code, resp.get_json()["error"]))
        assert resp.status_code in (401, 403), (origin, resp.status_code)
        if origin not in (EXT, FIREFOX_EXT):  # CORS goes by origin: paired ones may read why
            assert "Access-Control-Allow-Origin" not in resp.headers, origin
            assert "Access-Control-Allow-Origin" not in preflight.headers, origin
    assert _written(database) == before
    revoked_answer = next(r for r in results if r[0] == OTHER_EXT)
    assert revoked_answer[2] == "pairing_revoked"
    # ... and the paired ones work, with CORS for them alone.
    ok = plain.post(
        "/api/v1/captures",
        json=capture_payload(),
        headers={"Origin": EXT, "Authorization": f"Bearer {paired}"},
    )
    assert ok.status_code == 201 and ok.headers["Access-Control-Allow-Origin"] == EXT
    print(
        f"\nhostile or unpaired Origins refused: {len(results)}/{len(cases)} "
        f"({sorted({code for _, _, code in results})}); rows written: {_written(database)[0] - before[0] - 1}"
    )


def test_pairing_end_to_end_through_the_api_and_the_dashboard(app, client):
    token = _pair(client, EXT)
    plain = app.test_client()
    auth = {"Origin": EXT, "Authorization": f"Bearer {token}"}
    assert plain.post("/api/v1/captures", json=capture_payload(), headers=auth).status_code == 201
    # The token is bound to its origin and its hash alone is stored.
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        stored = conn.execute("SELECT token_hash, last_capture_at FROM paired_browsers").fetchall()
    assert token not in json.dumps(stored) and stored[0][1]
    assert plain.get("/api/v1/status", headers={**auth, "Origin": OTHER_EXT}).status_code == 403
    settings = client.get("/settings").get_data(as_text=True)
    assert EXT in settings and "最近一次截图" in settings and "撤销" in settings
    browser_id = (
        stored
        and sqlite3.connect(app.config["DATABASE"]).execute("SELECT id FROM paired_browsers").fetchone()[0]
    )
    client.post(f"/settings/browsers/{browser_id}/revoke", headers=SAME_ORIGIN_FORM)
    refused = plain.post("/api/v1/captures", json=capture_payload(), headers=auth)
    assert refused.status_code == 401 and refused.get_json()["error"] == "pairing_revoked"
    assert "配对已撤销" in refused.get_json()["message"]


def _valid(name: str, body: dict) -> None:
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.validate(body, {**schema, "$ref": f"#/$defs/{name}"})


def test_access_messages_follow_the_schema(client):
    started = client.post("/api/v1/pairing", json={"browser": "Firefox 153"}, headers={"Origin": EXT})
    _valid("pairing_started", started.get_json())
    poll = f"/api/v1/pairing/{started.get_json()['request_id']}"
    _valid("pairing_status", client.post(poll, json={}, headers={"Origin": EXT}).get_json())
    _valid("session_link", client.post("/api/v1/session-link", json={"next": "/"}).get_json())
    bad = client.post("/api/v1/pairing", json={"browser": "x" * 81, "extra": 1}, headers={"Origin": EXT})
    assert bad.status_code == 422 and bad.get_json()["error"] == "schema_violation"


def test_a_confirmed_token_is_handed_over_once_and_only_to_its_origin(client):
    started = client.post(
        "/api/v1/pairing", json={"browser": "Chrome 156"}, headers={"Origin": EXT}
    ).get_json()
    poll = f"/api/v1/pairing/{started['request_id']}"
    assert client.post(poll, json={}, headers={"Origin": EXT}).get_json()["status"] == "pending"
    client.post(
        f"/settings/pairing/{_id_hash(client, started['request_id'])}/confirm", headers=SAME_ORIGIN_FORM
    )
    assert client.post(poll, json={}, headers={"Origin": OTHER_EXT}).status_code == 404
    assert "token" in client.post(poll, json={}, headers={"Origin": EXT}).get_json()
    assert client.post(poll, json={}, headers={"Origin": EXT}).status_code == 404


@pytest.mark.parametrize("origin", [None, "https://evil.example", "null", "file://", "http://127.0.0.1:8765"])
def test_web_pages_cannot_pair(app, origin):
    c = app.test_client()
    resp = c.post("/api/v1/pairing", json={}, headers={"Origin": origin} if origin else {})
    assert resp.status_code == 403 and "Access-Control-Allow-Origin" not in resp.headers
    assert _count(app.config["DATABASE"], "pairing_requests") == 0


def test_pairing_requests_are_capped_expire_and_can_be_denied(app, client):
    started = [client.post("/api/v1/pairing", json={}, headers={"Origin": EXT}) for _ in range(6)]
    assert [r.status_code for r in started] == [201] * 5 + [429]
    assert "配对请求太多" in started[-1].get_json()["message"]
    codes = {r.get_json()["code"] for r in started[:5]}
    assert len(codes) == 5
    first, second = (r.get_json()["request_id"] for r in started[:2])
    client.post(f"/settings/pairing/{_id_hash(client, first)}/deny", headers=SAME_ORIGIN_FORM)
    assert (
        client.post(f"/api/v1/pairing/{first}", json={}, headers={"Origin": EXT}).get_json()["status"]
        == "denied"
    )
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        conn.execute("UPDATE pairing_requests SET expires_at = '2000-01-01T00:00:00Z'")
    assert (
        client.post(f"/api/v1/pairing/{second}", json={}, headers={"Origin": EXT}).get_json()["status"]
        == "expired"
    )
    late = client.post(f"/settings/pairing/{_id_hash(client, second)}/confirm", headers=SAME_ORIGIN_FORM)
    assert late.status_code == 404 and "已过期" in late.get_data(as_text=True)


def test_pairing_confirm_and_revoke_need_the_dashboards_own_session(app, client):
    started = client.post("/api/v1/pairing", json={}, headers={"Origin": EXT}).get_json()
    path = f"/settings/pairing/{_id_hash(client, started['request_id'])}/confirm"
    assert client.post(path, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert app.test_client().post(path, headers=SAME_ORIGIN_FORM).status_code == 401
    assert (
        client.post(f"/api/v1/pairing/{started['request_id']}", json={}, headers={"Origin": EXT}).get_json()[
            "status"
        ]
        == "pending"
    )


def test_revoking_an_id_past_sqlites_integers_is_a_404_not_a_500(client):
    # Found by tests/test_fuzz_routes.py: the id reached the query and raised OverflowError.
    for browser_id in ("99999999999999999999", str(2**63)):
        answer = client.post(f"/settings/browsers/{browser_id}/revoke", headers=SAME_ORIGIN_FORM)
        assert answer.status_code == 404 and "找不到这个已配对的浏览器" in answer.get_data(as_text=True)


def test_pages_need_a_session_and_explain_how_to_get_one(app, client):
    answer = client.post(
        "/api/v1/captures",
        json=capture_payload(
            page={"url": "https://mobile.yangkeduo.com/x?goods_id=9", "title": "秘密的砍价"}
        ),
    ).get_json()
    anonymous = app.test_client()
    for path in (
        "/",
        f"/campaigns/{answer['campaign_id']}",
        f"/captures/{answer['capture_id']}",
        f"/captures/{answer['capture_id']}/image",
        f"/campaigns/{answer['campaign_id']}/export",
        "/settings",
    ):
        resp = anonymous.get(path)
        page = resp.get_data(as_text=True)
        assert resp.status_code == 401, path
        assert "一次性链接" in page and "秘密的砍价" not in page and answer["sha256"] not in page, path
    with anonymous.get("/demo/") as demo:  # the demo holds no evidence
        assert demo.status_code == 200


def test_a_one_time_link_works_once_and_sets_a_strict_http_only_cookie(app, client):
    link = client.post("/api/v1/session-link", json={"next": "/settings"}).get_json()["url"]
    path = "/" + link.split("/", 3)[3]
    browser = app.test_client()
    first = browser.get(path)
    assert first.status_code == 200 and 'url=/settings"' in first.get_data(as_text=True)
    cookie = first.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert browser.get("/settings").status_code == 200
    again = app.test_client().get(path)
    assert again.status_code == 403 and "已经用过或已过期" in again.get_data(as_text=True)
    assert "Set-Cookie" not in again.headers


@pytest.mark.parametrize(
    "next_path", ["//evil.example/x", "https://evil.example/", "javascript:alert(1)", "\\\\evil"]
)
def test_a_link_lands_only_on_this_server(app, client, next_path):
    resp = client.post("/api/v1/session-link", json={"next": next_path})
    if resp.status_code == 201:
        landing = app.test_client().get("/" + resp.get_json()["url"].split("/", 3)[3]).get_data(as_text=True)
        assert 'url=/"' in landing
    else:
        assert resp.status_code == 422


def test_an_expired_link_opens_nothing(app, client):
    link = client.post("/api/v1/session-link", json={}).get_json()["url"]
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        conn.execute("UPDATE login_links SET expires_at = '2000-01-01T00:00:00Z'")
    assert app.test_client().get("/" + link.split("/", 3)[3]).status_code == 403


def test_the_session_helper_reaches_pages_without_the_token(app, client):
    login_test_client(client)
    assert "HTTP_AUTHORIZATION" not in client.environ_base
    assert client.get("/settings").status_code == 200


def test_the_legacy_token_pairs_its_browser_on_first_use_and_revoke_stops_it(app, client):
    plain = app.test_client()
    legacy = {"Origin": FIREFOX_EXT, "Authorization": f"Bearer {app.config['API_TOKEN']}"}
    assert plain.post("/api/v1/captures", json=capture_payload(), headers=legacy).status_code == 201
    page = client.get("/settings").get_data(as_text=True)
    assert FIREFOX_EXT in page and "手动填写令牌" in page
    browser_id = (
        sqlite3.connect(app.config["DATABASE"]).execute("SELECT id FROM paired_browsers").fetchone()[0]
    )
    login_test_client(client)  # the settings page by session from here: the token is about to go
    client.post(f"/settings/browsers/{browser_id}/revoke", headers=SAME_ORIGIN_FORM)
    refused = plain.post("/api/v1/captures", json=capture_payload(seed=2), headers=legacy)
    assert refused.status_code == 401 and refused.get_json()["error"] == "pairing_revoked"
    page = client.get("/settings")
    assert page.status_code == 200 and FIREFOX_EXT not in page.get_data(as_text=True)
    # The revoked browser's GETs come without an Origin (Chromium): the token is retired everywhere,
    # so they read nothing, and no other origin can take the token up again.
    token_only = {"Authorization": legacy["Authorization"]}
    assert plain.get("/api/v1/campaigns", headers=token_only).status_code == 401
    assert plain.get("/settings", headers=token_only).status_code == 401
    other = {**token_only, "Origin": EXT}
    assert plain.get("/api/v1/status", headers=other).get_json()["error"] == "pairing_revoked"


def test_token_command_prints_the_token_only_until_a_browser_is_paired(tmp_path):
    data = tmp_path / "data"
    first = CliRunner().invoke(cli, ["token", "--data-dir", str(data)], catch_exceptions=False)
    token = (data / "token").read_text().strip()
    assert first.exit_code == 0 and first.stdout.strip() == token
    app = create_app({"DATA_DIR": str(data)})
    app.test_client().get("/api/v1/status", headers={"Origin": EXT, "Authorization": f"Bearer {token}"})
    after = CliRunner().invoke(cli, ["token", "--data-dir", str(data)], catch_exceptions=False)
    assert after.exit_code == 3 and token not in after.output and "与助手配对" in after.output


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_database_and_wal_files_are_private_whatever_the_umask_and_folder(tmp_path):
    folder = tmp_path / "open"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    old = os.umask(0)
    try:
        app = create_app({"DATA_DIR": str(folder)})
        c = app.test_client()
        c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
        assert c.post("/api/v1/captures", json=capture_payload()).status_code == 201
        with sqlite3.connect(app.config["DATABASE"]) as held:  # keeps -wal and -shm in place
            held.execute("SELECT COUNT(*) FROM captures").fetchone()
            files = [Path(app.config["DATABASE"] + s) for s in ("", "-wal", "-shm")] + [folder / "token"]
            modes = {f.name: oct(stat.S_IMODE(f.stat().st_mode)) for f in files if f.exists()}
    finally:
        os.umask(old)
    assert len(modes) == 4 and set(modes.values()) == {"0o600"}, modes
