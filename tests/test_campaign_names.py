"""Campaign names, renaming and archiving (issue #12; docs/api.md "Campaign names")."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import zipfile
from pathlib import Path

from helpers import capture_payload

from companion.core.config import DataDir
from companion.evidence.verify import verify_archive
from companion.evidence.verify_bundle import verify_bundle

URL = "https://mobile.yangkeduo.com/bargain.html?goods_id=777&refer_share_id=a"
SAME_SITE = {"Sec-Fetch-Site": "same-origin"}


def _post(client, seed=0, **facts):
    body = capture_payload(url=URL, seed=seed, facts={"cut_amount": 1.0 + seed, **facts})
    resp = client.post("/api/v1/captures", json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["campaign_id"]


def _campaign(client, cid):
    return client.get(f"/api/v1/campaigns/{cid}").get_json()


def test_a_campaign_is_named_by_the_product_not_the_generic_title(client):
    cid = _post(client)
    assert _campaign(client, cid)["title"] == "砍价免费拿" and _campaign(client, cid)["name_source"] == "page"
    _post(client, seed=1, product_name="  加厚保温杯   500ml ")
    c = _campaign(client, cid)
    assert (c["title"], c["name_source"]) == ("加厚保温杯 500ml", "product")
    page = client.get(f"/campaigns/{cid}").get_data(as_text=True)
    assert "<h1>加厚保温杯 500ml" in page and "取自页面上的商品名" in page


def test_rename_is_kept_against_later_captures_and_recorded(client):
    cid = _post(client, product_name="保温杯")
    resp = client.put(f"/api/v1/campaigns/{cid}/name", json={"name": "给妈妈的杯子"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["campaign"]["title"] == "给妈妈的杯子" and body["event"]["kind"] == "rename"
    _post(client, seed=2, product_name="保温杯")
    c = _campaign(client, cid)
    assert c["title"] == "给妈妈的杯子" and [e["kind"] for e in c["events"]] == ["rename"]
    assert c["events"][0]["capture_head"] != "0" * 64  # pinned after the campaign's first record


def test_bad_names_and_bodies_are_clear_4xx(client):
    cid = _post(client)
    for body, status in (
        ({"name": "   "}, 422),
        ({"name": "长" * 201}, 422),
        ({"name": 5}, 422),
        ({}, 422),
        ([], 400),
    ):
        resp = client.put(f"/api/v1/campaigns/{cid}/name", json=body)
        assert resp.status_code == status, body
        assert resp.get_json()["message"] and not resp.get_json()["message"].isascii()
    assert client.put("/api/v1/campaigns/nope/name", json={"name": "x"}).status_code == 404
    assert client.put(f"/api/v1/campaigns/{cid}/archived", json={"archived": "yes"}).status_code == 422
    resp = client.post(f"/campaigns/{cid}/name", data={"name": " "}, headers=SAME_SITE)
    assert resp.status_code == 422 and "活动名称不能为空" in resp.get_data(as_text=True)


def test_archived_campaigns_leave_the_lists_and_keep_their_evidence(client):
    cid = _post(client)
    other = client.post("/api/v1/captures", json=capture_payload(url="https://example.com/kj?act_id=2"))
    assert other.status_code == 201
    resp = client.put(f"/api/v1/campaigns/{cid}/archived", json={"archived": True})
    assert resp.get_json()["event"]["kind"] == "archive"
    assert (
        client.put(f"/api/v1/campaigns/{cid}/archived", json={"archived": True}).get_json()["event"] is None
    )
    listed = [c["id"] for c in client.get("/api/v1/campaigns").get_json()["campaigns"]]
    assert cid not in listed and len(listed) == 1
    archived = client.get("/api/v1/campaigns?archived=1").get_json()["campaigns"]
    assert [c["id"] for c in archived] == [cid] and archived[0]["capture_count"] == 1
    index = client.get("/").get_data(as_text=True)
    assert f"/campaigns/{cid}" not in index and "查看已归档的活动（1 个）" in index
    assert f"/campaigns/{cid}" in client.get("/?archived=1").get_data(as_text=True)
    assert "已归档" in client.get(f"/campaigns/{cid}").get_data(as_text=True)
    client.put(f"/api/v1/campaigns/{other.get_json()['campaign_id']}/archived", json={"archived": True})
    assert "所有活动都已归档" in client.get("/").get_data(as_text=True)
    # the form brings it back
    resp = client.post(f"/campaigns/{cid}/archive", data={"archived": "0"}, headers=SAME_SITE)
    assert resp.status_code == 303
    assert cid in [c["id"] for c in client.get("/api/v1/campaigns").get_json()["campaigns"]]
    kinds = [e["kind"] for e in _campaign(client, cid)["events"]]
    assert kinds == ["archive", "unarchive"]


def test_forms_refuse_other_sites(client):
    cid = _post(client)
    resp = client.post(f"/campaigns/{cid}/name", data={"name": "x"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert resp.status_code == 403 and _campaign(client, cid)["title"] == "砍价免费拿"


def test_verify_covers_renames_and_archivings(app, client):
    cid = _post(client)
    client.post(f"/campaigns/{cid}/name", data={"name": "第一个名字"}, headers=SAME_SITE)
    client.post(f"/campaigns/{cid}/archive", data={"archived": "1"}, headers=SAME_SITE)
    layout = DataDir(Path(app.config["DATA_DIR"]))
    assert verify_archive(layout, tsa_roots=[]).problems == []
    db = sqlite3.connect(layout.database)
    try:
        db.execute("DROP TRIGGER campaign_events_no_update")
        db.execute("UPDATE campaign_events SET name = '别的名字' WHERE event_seq = 1")
        db.commit()
    finally:
        db.close()
    problems = verify_archive(layout, tsa_roots=[]).problems
    assert any("第 1 条更名/归档记录" in p and "被改动" in p for p in problems), problems
    db = sqlite3.connect(layout.database)
    try:
        db.execute("DROP TRIGGER campaign_events_no_delete")
        db.execute("DELETE FROM campaign_events WHERE event_seq = 1")
        db.commit()
    finally:
        db.close()
    problems = verify_archive(layout, tsa_roots=[]).problems
    assert any("缺失或被调换" in p for p in problems), problems


def test_events_are_append_only(app, client):
    cid = _post(client)
    client.put(f"/api/v1/campaigns/{cid}/name", json={"name": "甲"})
    db = sqlite3.connect(DataDir(Path(app.config["DATA_DIR"])).database)
    try:
        for sql in ("UPDATE campaign_events SET name = '乙'", "DELETE FROM campaign_events"):
            try:
                db.execute(sql)
            except sqlite3.DatabaseError as exc:
                assert "append-only" in str(exc)
            else:
                raise AssertionError(f"{sql} was allowed")
    finally:
        db.close()


def _bundle(client, cid) -> dict[str, bytes]:
    with client.get(f"/api/v1/campaigns/{cid}/export") as resp:
        assert resp.status_code == 200
        data = resp.data
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n.split("/", 1)[1]: z.read(n) for n in z.namelist() if not n.endswith("/")}


def _write(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(f"bundle/{name}", data)
    return path


def test_the_bundle_carries_the_events_and_its_verify_checks_them(client, tmp_path):
    cid = _post(client)
    client.put(f"/api/v1/campaigns/{cid}/name", json={"name": "真名"})
    files = _bundle(client, cid)
    manifest = json.loads(files["manifest.json"])
    assert [e["name"] for e in manifest["campaign_events"]] == ["真名"]
    assert manifest["campaign"]["title"] == "真名"
    assert verify_bundle(_write(tmp_path / "ok.zip", files), tsa_roots=[]).problems == []
    # A forger renames in the manifest and recomputes every file hash: the event chain says so.
    manifest["campaign_events"][0]["name"] = "假名"
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode("utf-8")
    files["SHA256SUMS"] = "".join(
        f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in files.items() if n != "SHA256SUMS"
    ).encode("utf-8")
    problems = verify_bundle(_write(tmp_path / "forged.zip", files), tsa_roots=[]).problems
    assert any("更名/归档记录" in p and "被改动" in p for p in problems), problems
    manifest["campaign_events"] = ["x"]
    files["manifest.json"] = json.dumps(manifest).encode("utf-8")
    problems = verify_bundle(_write(tmp_path / "odd.zip", files), tsa_roots=[]).problems
    assert any("格式不正确" in p for p in problems), problems
