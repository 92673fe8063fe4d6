"""A capture's files (issue #15): full page, page source, recording chunks through
POST/GET /api/v1/captures/<id>/files, every answer code, the capture detail's ``files``, and the side
chain: a changed or missing file makes ``verify`` fail in Chinese."""

from __future__ import annotations

import base64
import hashlib
import uuid
from pathlib import Path

import pytest
from helpers import capture_payload, png_bytes, session_client
from helpers.bundles import export_bundle, read_bundle, rewrite

from companion.core.config import DataDir
from companion.evidence import capture_files
from companion.evidence.verify import verify_archive

MHTML = (
    b"From: <Saved by Blink>\r\nSnapshot-Content-Location: https://mobile.yangkeduo.com/bargain.html\r\n"
    b'MIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n\ttype="text/html";\r\n'
    b'\tboundary="----MultipartBoundary--x"\r\n\r\n------MultipartBoundary--x\r\n'
    b"Content-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"<html><body>=E8=BF=98=E5=B7=AE 0.52 =E5=85=83</body></html>\r\n------MultipartBoundary--x--\r\n"
)
WEBM_HEAD = b"\x1a\x45\xdf\xa3" + b"\x00" * 60


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _capture(client) -> str:
    body = capture_payload()
    assert client.post("/api/v1/captures", json=body).status_code == 201
    return body["capture_id"]


def _post(client, capture_id, **fields):
    return client.post(f"/api/v1/captures/{capture_id}/files", json=fields)


def test_each_kind_stored_listed_and_fetched_byte_for_byte(client):
    cid = _capture(client)
    page = png_bytes(80, 400, seed=3)
    rec = str(uuid.uuid4())
    answers = [
        _post(client, cid, kind="full_page", mime="image/png", data_base64=_b64(page), meta={"height": 400}),
        _post(client, cid, kind="page_source", mime="multipart/related", data_base64=_b64(MHTML)),
        _post(
            client,
            cid,
            kind="video_chunk",
            mime="video/webm;codecs=vp9",
            data_base64=_b64(WEBM_HEAD),
            recording_id=rec,
            meta={"duration_ms": 2000},
        ),
        _post(
            client,
            cid,
            kind="video_chunk",
            mime="video/webm;codecs=vp9",
            data_base64=_b64(b"cluster"),
            recording_id=rec,
            part=1,
        ),
    ]
    assert [a.status_code for a in answers] == [201] * 4, [a.get_json() for a in answers]
    first = answers[0].get_json()["file"]
    assert first["sha256"] == hashlib.sha256(page).hexdigest() and first["size"] == len(page)
    assert first["meta"] == {"height": 400} and first["recording_id"] is None and first["part"] == 0
    detail = client.get(f"/api/v1/captures/{cid}").get_json()
    kinds = [(f["kind"], f["part"]) for f in detail["files"]]
    assert kinds == [
        ("visible", 0),
        ("full_page", 0),
        ("page_source", 0),
        ("video_chunk", 0),
        ("video_chunk", 1),
    ]
    assert detail["files"][0]["id"] is None and detail["files"][0]["url"] == f"/captures/{cid}/image"
    assert detail["files"][0]["sha256"] == detail["sha256"]
    for f, data in zip(detail["files"][1:], (page, MHTML, WEBM_HEAD, b"cluster"), strict=True):
        got = _fetch(client, f["url"])
        assert got.status_code == 200 and got.data == data
        assert "sandbox" in got.headers["Content-Security-Policy"]
        assert got.headers["X-Content-Type-Options"] == "nosniff"
    source = _fetch(client, detail["files"][2]["url"])
    assert source.headers["Content-Type"] == "application/octet-stream"
    assert source.headers["Content-Disposition"].startswith("attachment")
    assert _fetch(client, detail["files"][1]["url"]).headers["Content-Type"] == "image/png"


def _fetch(client, url):
    resp = client.get(url)
    resp.get_data()
    resp.close()
    return resp


def test_files_match_the_contract_in_shared_schema(app, client):
    from companion.core.schema import Schema

    schema = Schema()
    cid = _capture(client)
    body = {"kind": "full_page", "mime": "image/png", "data_base64": _b64(png_bytes(30, 90)), "part": 0}
    assert schema.first_error("capture_file_upload", body) is None
    answer = _post(client, cid, **body, meta={"parts": 1}).get_json()
    assert schema.first_error("capture_file", answer["file"]) is None
    for f in client.get(f"/api/v1/captures/{cid}").get_json()["files"]:
        assert schema.first_error("capture_file", f) is None, f


def test_old_captures_list_only_their_image(client):
    cid = _capture(client)
    files = client.get(f"/api/v1/captures/{cid}").get_json()["files"]
    assert [f["kind"] for f in files] == ["visible"]


def test_resend_is_200_other_bytes_409(client):
    cid = _capture(client)
    body = {"kind": "page_source", "mime": "text/html", "data_base64": _b64("<p>还差 0.52 元</p>".encode())}
    first = _post(client, cid, **body)
    again = _post(client, cid, **body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["file"] == first.get_json()["file"]
    other = _post(client, cid, **{**body, "data_base64": _b64("<p>还差 0.01 元</p>".encode())})
    assert other.status_code == 409 and "不能替换" in other.get_json()["message"]
    assert len(client.get(f"/api/v1/captures/{cid}").get_json()["files"]) == 2


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"kind": "movie", "mime": "video/webm", "data_base64": "AAAA"}, 400, "invalid_file"),
        ({"kind": "page_source", "mime": "text/html", "data_base64": "@@@"}, 400, "invalid_base64"),
        ({"kind": "page_source", "mime": "text/html", "data_base64": ""}, 400, "invalid_file"),
        ({"kind": "page_source", "mime": "text/html", "data_base64": "PHA+", "part": 1}, 400, "invalid_file"),
        ({"kind": "full_page", "mime": "image/png", "data_base64": "PHA+", "part": -1}, 400, "invalid_file"),
        (
            {"kind": "full_page", "mime": "image/png", "data_base64": "PHA+", "part": True},
            400,
            "invalid_file",
        ),
        ({"kind": "video_chunk", "mime": "video/webm", "data_base64": _b64(WEBM_HEAD)}, 400, "invalid_file"),
        (
            {"kind": "page_source", "mime": "text/html", "data_base64": "PHA+", "recording_id": "x"},
            400,
            "invalid_file",
        ),
        (
            {"kind": "page_source", "mime": "text/html", "data_base64": "PHA+", "extra": 1},
            400,
            "invalid_file",
        ),
        (
            {"kind": "page_source", "mime": "text/html", "data_base64": "PHA+", "meta": [1]},
            400,
            "invalid_file",
        ),
        (
            {"kind": "page_source", "mime": "application/pdf", "data_base64": "PHA+"},
            415,
            "unsupported_file_type",
        ),
        ({"kind": "full_page", "mime": "image/png", "data_base64": "PHA+"}, 415, "unsupported_image"),
        (
            {"kind": "page_source", "mime": "multipart/related", "data_base64": "PHA+"},
            415,
            "file_type_mismatch",
        ),
        (
            {"kind": "page_source", "mime": "text/html", "data_base64": _b64(b"\xff\xfe")},
            415,
            "file_type_mismatch",
        ),
        (
            {"kind": "full_page", "mime": "image/jpeg", "data_base64": _b64(png_bytes())},
            415,
            "image_type_mismatch",
        ),
        (
            {
                "kind": "video_chunk",
                "mime": "video/webm",
                "data_base64": "PHA+",
                "recording_id": str(uuid.uuid4()),
            },
            415,
            "file_type_mismatch",
        ),
        (
            {"kind": "page_source", "mime": "text/html;charset=utf-8", "data_base64": "PHA+"},
            415,
            "unsupported_file_type",
        ),
    ],
)
def test_bad_files_refused_in_chinese_nothing_stored(client, fields, status, code):
    cid = _capture(client)
    resp = _post(client, cid, **fields)
    assert (resp.status_code, resp.get_json()["error"]) == (status, code), resp.get_json()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in resp.get_json()["message"])
    assert len(client.get(f"/api/v1/captures/{cid}").get_json()["files"]) == 1


def test_too_large_is_413(client, monkeypatch):
    monkeypatch.setitem(capture_files.MAX_BYTES, "page_source", 10)
    cid = _capture(client)
    resp = _post(
        client, cid, kind="page_source", mime="text/html", data_base64=_b64(b"<p>" + b"x" * 20 + b"</p>")
    )
    assert resp.status_code == 413 and resp.get_json()["error"] == "file_too_large"


def test_a_file_request_may_be_larger_than_a_captures(client):
    # 31 MB of source is 41 MB of Base64: over the 32 MB every other request may weigh, so the route's
    # own limit lets it in and the page-source cap (30 MB) answers, in Chinese.
    cid = _capture(client)
    big = b"<p>" + b"a" * (31 << 20) + b"</p>"
    resp = _post(client, cid, kind="page_source", mime="text/html", data_base64=_b64(big))
    assert resp.status_code == 413 and resp.get_json()["error"] == "file_too_large", resp.get_json()
    assert "30 MB" in resp.get_json()["message"]


def test_unknown_capture_404_and_not_json_400(client):
    resp = _post(client, str(uuid.uuid4()), kind="page_source", mime="text/html", data_base64="PHA+")
    assert resp.status_code == 404 and resp.get_json()["error"] == "capture_not_found"
    cid = _capture(client)
    bad = client.post(f"/api/v1/captures/{cid}/files", data=b"[1", content_type="application/json")
    assert bad.status_code == 400
    assert client.get(f"/api/v1/captures/{cid}/files/999").status_code == 404
    assert client.get(f"/api/v1/captures/{cid}/files/{10**30}").status_code == 404  # past SQLite's integers


def test_token_or_dashboard_session_nothing_else(app, client):
    cid = _capture(client)
    file = _post(client, cid, kind="page_source", mime="text/html", data_base64="PHA+").get_json()["file"]
    anonymous = app.test_client()
    assert anonymous.get(file["url"]).status_code == 401
    assert anonymous.post(f"/api/v1/captures/{cid}/files", json={}).status_code == 401
    dashboard = session_client(app)
    assert _fetch(dashboard, file["url"]).data == b"<p>"
    # A session is for reading: a write still needs the token.
    assert dashboard.post(f"/api/v1/captures/{cid}/files", json={}).status_code == 401


def test_verify_recomputes_files_and_their_chain(app, client):
    cid = _capture(client)
    data = "<p>还差 0.52 元</p>".encode()
    _post(client, cid, kind="page_source", mime="text/html", data_base64=_b64(data))
    _post(client, cid, kind="full_page", mime="image/png", data_base64=_b64(png_bytes(40, 300, seed=9)))
    layout = DataDir(Path(app.config["DATA_DIR"]))
    assert verify_archive(layout).problems == []
    path = app.extensions["bargain_witness"].blobs.path_for(hashlib.sha256(data).hexdigest(), "text/html")
    path.chmod(0o600)
    path.write_bytes("<p>还差 0.01 元</p>".encode())
    problems = verify_archive(layout).problems
    assert any("网页源文件" in p and "被改动" in p for p in problems), problems
    path.unlink()
    assert any("网页源文件" in p and "缺失" in p for p in verify_archive(layout).problems)


def test_verify_catches_an_edited_file_record(app, client):
    import sqlite3

    cid = _capture(client)
    _post(client, cid, kind="page_source", mime="text/html", data_base64="PHA+")
    layout = DataDir(Path(app.config["DATA_DIR"]))
    app.extensions["bargain_witness_db"].close_all()
    conn = sqlite3.connect(layout.database)
    conn.execute("DROP TRIGGER capture_files_no_update")
    conn.execute("UPDATE capture_files SET meta_json = '{\"forged\": 1}'")
    conn.commit()
    conn.close()
    problems = verify_archive(layout).problems
    assert any("截图附件记录" in p and "内容与哈希不符" in p for p in problems), problems


def test_bundle_carries_files_lists_them_and_its_verify_catches_tampering(app, client, tmp_path):
    import json

    from click.testing import CliRunner

    from companion.cli import cli

    cid = _capture(client)
    campaign = client.get(f"/api/v1/captures/{cid}").get_json()["campaign_id"]
    source = "<html><body><p>还差 0.52 元</p></body></html>".encode()
    page = png_bytes(60, 500, seed=4)
    rec = str(uuid.uuid4())
    _post(client, cid, kind="page_source", mime="text/html", data_base64=_b64(source))
    _post(client, cid, kind="full_page", mime="image/png", data_base64=_b64(page), meta={"parts": 1})
    for part, data in enumerate((WEBM_HEAD, b"second chunk")):
        _post(
            client,
            cid,
            kind="video_chunk",
            mime="video/webm",
            data_base64=_b64(data),
            recording_id=rec,
            part=part,
        )
    path = export_bundle(client, campaign, tmp_path / "b.zip")
    files = read_bundle(path)
    manifest = json.loads(files["manifest.json"])
    rows = manifest["capture_files"]
    assert [r["kind"] for r in rows] == ["page_source", "full_page", "video_chunk", "video_chunk"]
    sums = files["SHA256SUMS"].decode()
    for row, data in zip(rows, (source, page, WEBM_HEAD, b"second chunk"), strict=True):
        assert files[row["file"]] == data and row["file"].startswith("files/")
        assert f"{hashlib.sha256(data).hexdigest()}  {row['file']}" in sums
    court = files["evidence_list.html"].decode()
    assert "网页源文件" in court and "整页截图（第 1 段）" in court and "录屏（2 个片段" in court
    assert hashlib.sha256(source).hexdigest() in court
    ok = CliRunner().invoke(cli, ["verify", str(path)])
    assert ok.exit_code == 0, ok.output
    bad = tmp_path / "bad.zip"

    def edit_source(files):
        files[rows[0]["file"]] = files[rows[0]["file"]].replace(b"0.52", b"9.99")

    rewrite(path, bad, edit_source)
    caught = CliRunner().invoke(cli, ["verify", str(bad)])
    assert caught.exit_code != 0
    assert f"文件已被改动：{rows[0]['file']}" in caught.output and "网页源文件" in caught.output
    # A chunk dropped from the manifest (and its file) breaks the side chain.
    dropped = tmp_path / "dropped.zip"
    short = {**manifest, "capture_files": [rows[0], rows[1], rows[3]]}
    short["files"] = [f for f in manifest["files"] if f["path"] != rows[2]["file"]]
    text = json.dumps(short, ensure_ascii=False, indent=2).encode()
    new_sums = "".join(f"{f['sha256']}  {f['path']}\n" for f in short["files"])
    new_sums += f"{hashlib.sha256(text).hexdigest()}  manifest.json\n"

    def drop_chunk(files):
        del files[rows[2]["file"]]
        files.update({"manifest.json": text, "SHA256SUMS": new_sums.encode()})

    rewrite(path, dropped, drop_chunk)
    gap = CliRunner().invoke(cli, ["verify", str(dropped)])
    assert gap.exit_code != 0 and "截图附件记录" in gap.output, gap.output


def test_dashboard_lists_files_and_shows_a_source_as_text_only(app, client):
    cid = _capture(client)
    hostile = '<html><body><script>alert("x")</script><p>还差 0.52 元</p></body></html>'.encode()
    _post(client, cid, kind="page_source", mime="text/html", data_base64=_b64(hostile))
    _post(
        client, cid, kind="page_source", mime="multipart/related", data_base64=_b64(MHTML)
    )  # 200: slot taken
    _post(client, cid, kind="full_page", mime="image/png", data_base64=_b64(png_bytes(60, 500, seed=5)))
    dashboard = session_client(app)
    page = dashboard.get(f"/captures/{cid}").get_data(as_text=True)
    assert "一并保存的文件" in page and "网页源文件" in page and "整页截图" in page
    assert hashlib.sha256(hostile).hexdigest() in page and 'class="fullpage-scroll"' in page
    file_id = client.get(f"/api/v1/captures/{cid}").get_json()["files"][2]["id"]
    view = dashboard.get(f"/captures/{cid}/files/{file_id}/source")
    text = view.get_data(as_text=True)
    assert view.status_code == 200 and "还差 0.52 元" in text
    assert "<script>alert" not in text and "&lt;script&gt;alert" in text
    assert "script-src 'self'" in view.headers["Content-Security-Policy"]
    assert dashboard.get(f"/captures/{cid}/files/999/source").status_code == 404


def test_an_mhtml_source_shows_its_decoded_html():
    from companion.campaigns.sources import source_text

    shown = source_text(MHTML, "multipart/related")
    assert shown.from_mhtml and "还差 0.52 元" in shown.text and "=E8" not in shown.text
    assert source_text(b"\xff<p>", "multipart/related").text.endswith("<p>")  # not MIME: shown raw


def test_odd_stored_file_rows_never_break_a_page_a_download_or_verify(app, client):
    """Rows changed behind the companion's back (an unknown type, text for meta, a chunk without its
    recording, a date that is not one): the capture page, its API record, the file URLs, the export
    and verify all answer; verify names what is wrong instead of crashing."""
    import sqlite3

    cid = _capture(client)
    _post(client, cid, kind="full_page", mime="image/png", data_base64=_b64(png_bytes(30, 90)))
    _post(client, cid, kind="page_source", mime="text/html", data_base64=_b64(b"<p>x</p>"))
    rid = str(uuid.uuid4())
    _post(client, cid, kind="video_chunk", mime="video/webm", data_base64=_b64(WEBM_HEAD), recording_id=rid)
    db = sqlite3.connect(app.config["DATABASE"])
    for (trigger,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'capture_files'"
    ):
        db.execute(f"DROP TRIGGER {trigger}")
    db.execute(
        "UPDATE capture_files SET meta_json = 'not json', size = -1, mime = 'weird/x' "
        "WHERE kind = 'full_page'"
    )
    db.execute(
        "UPDATE capture_files SET meta_json = '[1]', received_at = 'garbage' WHERE kind = 'page_source'"
    )
    db.execute(
        'UPDATE capture_files SET meta_json = \'{"duration_ms": "x"}\', recording_id = NULL '
        "WHERE kind = 'video_chunk'"
    )
    db.commit()
    db.close()

    assert client.get(f"/captures/{cid}").status_code == 200
    record = client.get(f"/api/v1/captures/{cid}")
    assert record.status_code == 200
    for f in record.get_json()["files"]:
        with client.get(f["url"]) as answer:
            assert answer.status_code in (200, 404), f
    campaign_id = record.get_json()["campaign_id"]
    assert client.get(f"/campaigns/{campaign_id}").status_code == 200
    with client.get(f"/api/v1/campaigns/{campaign_id}/export") as answer:
        assert answer.status_code == 200 and answer.data
    problems = verify_archive(DataDir(Path(app.config["DATA_DIR"]))).problems
    assert any("整页截图" in p and "缺失" in p for p in problems), problems
    assert any("记录被改动过" in p for p in problems), problems
