"""Evidence bundle and verify: anyone can check it, and every alteration is named."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import post_series, session_client
from helpers.bundles import read_bundle, rewrite

from companion.cli import cli

STALL = [
    {
        "cut_amount": 98.9,
        "remaining_amount": 0.1,
        "helper_count": 10 + 2 * i,
        "rules_text": "1. 活动时间为24小时。",
    }
    for i in range(4)
]


@pytest.fixture
def bundle(client, tmp_path):
    answers = post_series(client, STALL)
    with client.get(f"/api/v1/campaigns/{answers[0]['campaign_id']}/export") as resp:
        assert resp.status_code == 200 and resp.mimetype == "application/zip"
        assert "attachment" in resp.headers["Content-Disposition"]
        path = tmp_path / "bundle.zip"
        path.write_bytes(resp.data)
    return path, answers


def verify(*args):
    return CliRunner().invoke(cli, ["verify", *map(str, args)], catch_exceptions=False)


def test_bundle_contents(app, bundle):
    path, answers = bundle
    files = read_bundle(path)
    names = set(files)
    manifest = json.loads(files["manifest.json"])
    images = sorted(n for n in names if n.startswith("images/"))
    assert len(images) == 4
    blobs = Path(app.config["DATA_DIR"], "blobs")
    for rec in manifest["captures"]:  # originals byte for byte
        stored = next(blobs.rglob(f"{rec['sha256']}.png")).read_bytes()
        assert files[rec["file"]] == stored
        assert rec["received_at"] and rec["taken_at"] and len(rec["record_hash"]) == 64
    report = files["report.md"].decode()
    assert "新增 6 位好友助力" in report and "【严重】" in report
    assert "上海寻梦信息技术有限公司" in files["complaints/12315.txt"].decode()
    rows = list(csv.DictReader(io.StringIO(files["timeline.csv"].decode("utf-8-sig"))))
    assert [r["helper_count"] for r in rows] == ["10", "12", "14", "16"]
    assert {a["capture_id"] for a in answers} == {r["id"] for r in manifest["captures"]}
    assert {
        "manifest.json",
        "SHA256SUMS",
        "findings.json",
        "VERIFY.txt",
        "timeline.csv",
        "report.html",
        "evidence_list.html",  # the court papers (#16, tests/test_court.py)
        "complaint_draft.html",
    } <= names


def test_anyone_can_verify_with_one_standard_command(bundle, tmp_path):
    path, _ = bundle
    out = tmp_path / "unzipped"
    shutil.unpack_archive(path, out)
    (folder,) = out.iterdir()  # its own folder
    result = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    files = [p for p in folder.rglob("*") if p.is_file() and p.name != "SHA256SUMS"]
    assert result.stdout.count(": OK") == len(files) == 18  # every file (six drafts, two court papers)


def test_verify_intact_bundle(bundle):
    result = verify(bundle[0])
    assert result.exit_code == 0 and "全部完好" in result.output


def test_verify_names_an_altered_image(bundle, tmp_path):
    path, _ = bundle
    bad = tmp_path / "bad.zip"

    def flip(files):
        name = sorted(n for n in files if n.startswith("images/"))[1]
        files[name] = files[name][:-1] + bytes([files[name][-1] ^ 1])

    rewrite(path, bad, flip)
    result = verify(bad)
    assert result.exit_code == 1 and "文件已被改动：images/" in result.output


def test_verify_names_an_altered_record_even_with_recomputed_file_hashes(bundle, tmp_path):
    """An attacker edits a capture's facts and recomputes SHA256SUMS and the manifest's file list:
    the record's chain hash still gives it away."""
    path, answers = bundle
    bad = tmp_path / "bad.zip"

    def forge(files):
        manifest = json.loads(files["manifest.json"])
        record = manifest["captures"][2]
        record["facts"]["helper_count"] = 99
        record["facts_json"] = json.dumps(record["facts"], ensure_ascii=False, sort_keys=True)
        body = json.dumps(manifest, ensure_ascii=False).encode()
        files["manifest.json"] = body
        files["SHA256SUMS"] = "".join(
            f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in files.items() if n != "SHA256SUMS"
        ).encode()

    rewrite(path, bad, forge)
    result = verify(bad)
    assert result.exit_code == 1
    assert f"链式哈希不符（记录内容被改动）：{answers[2]['capture_id']}" in result.output


def test_verify_archive_names_altered_file_and_rows(app, client):
    answers = post_series(client, STALL)
    data_dir = Path(app.config["DATA_DIR"])
    assert verify("--data-dir", data_dir).exit_code == 0

    blob = next((data_dir / "blobs").rglob(f"{answers[1]['sha256']}.png"))
    blob.chmod(0o600)
    blob.write_bytes(blob.read_bytes() + b"x")
    conn = sqlite3.connect(data_dir / "bargain-witness.sqlite3")
    with conn:  # someone who can write the database file can drop the triggers too
        conn.execute("DROP TRIGGER captures_no_update")
        conn.execute("DROP TRIGGER captures_no_delete")
        conn.execute("UPDATE captures SET facts_json = '{}' WHERE id = ?", [answers[2]["capture_id"]])
        conn.execute("DELETE FROM readings WHERE capture_id = ?", [answers[3]["capture_id"]])
        conn.execute("DELETE FROM capture_answers WHERE capture_id = ?", [answers[3]["capture_id"]])
        conn.execute("DELETE FROM captures WHERE id = ?", [answers[0]["capture_id"]])
    conn.close()
    result = verify("--data-dir", data_dir)
    assert result.exit_code == 1
    assert f"截图原件被改动：{blob.name}" in result.output
    assert f"存证记录被改动：{answers[2]['capture_id']}" in result.output
    assert "哈希链断开" in result.output  # the deleted first record


def test_dashboard_download_needs_a_session_and_api_needs_token(app, client):
    cid = post_series(client, STALL[:1])[0]["campaign_id"]
    plain = app.test_client()
    refused = plain.get(f"/campaigns/{cid}/export")
    assert refused.status_code == 401 and not zipfile.is_zipfile(io.BytesIO(refused.data))
    with_session = session_client(app)
    with with_session.get(f"/campaigns/{cid}/export") as resp:
        assert resp.status_code == 200 and zipfile.is_zipfile(io.BytesIO(resp.data))
    assert plain.get(f"/api/v1/campaigns/{cid}/export").status_code == 401
    assert client.get("/api/v1/campaigns/nope/export").get_json()["error"] == "campaign_not_found"


def test_verify_refuses_garbage(tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    result = verify(junk)
    assert result.exit_code == 1 and "无法打开证据包" in result.output
