"""Communications as evidence (#16): each kind told by its bytes, its own time read from the file,
kept byte for byte, hashed and chained; verify catches a changed recording or record."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import sqlite3
import zipfile
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from helpers import capture_payload, png_bytes
from helpers import comm_samples as samples

from companion.cli import cli
from companion.core.config import DataDir
from companion.core.db import connect
from companion.core.errors import DomainError
from companion.evidence.communications import of_campaign, path_of
from companion.evidence.verify import verify_archive
from companion.intake.comm_files import detect, file_time
from companion.intake.comms import add_file

CST = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("data", "kind", "mime"),
    [
        (samples.m4a(None), "call", "audio/mp4"),
        (samples.mp3(), "call", "audio/mpeg"),
        (samples.amr(), "call", "audio/amr"),
        (samples.aac(), "call", "audio/aac"),
        (samples.wav(), "call", "audio/wav"),
        (samples.eml(), "email", "message/rfc822"),
        (png_bytes(), "chat", "image/png"),
        (png_bytes(fmt="JPEG"), "chat", "image/jpeg"),
    ],
)
def test_kind_from_the_bytes_not_the_name(data, kind, mime):
    found = detect(data)
    assert (found.kind, found.mime) == (kind, mime)


@pytest.mark.parametrize("data", [b"hello world", b"%PDF-1.7\n", b"PK\x03\x04" + b"\x00" * 30])
def test_other_files_are_refused_in_chinese(app, data):
    campaign = _campaign(app)
    with pytest.raises(DomainError) as err:
        add_file(_db(app), _root(app), campaign, data, "x.m4a", note="")
    assert err.value.status == 415 and "通话录音" in err.value.message


def test_times_from_the_file_itself():
    created = datetime(2026, 11, 20, 6, 3, 12, tzinfo=timezone.utc)
    m4a = file_time("call", "audio/mp4", samples.m4a(created), "rec.m4a")
    assert m4a.source == "mp4_mvhd" and m4a.at == created
    mail = file_time("email", "message/rfc822", samples.eml(), "a.eml")
    assert mail.source == "email_date" and mail.at == datetime(2026, 11, 20, 14, 3, 12, tzinfo=CST)
    named = file_time("call", "audio/wav", samples.wav(), "10086_20261120140312.wav")
    assert named.source == "file_name" and named.at.replace(tzinfo=None) == datetime(2026, 11, 20, 14, 3, 12)
    assert file_time("call", "audio/wav", samples.wav(), "recording.wav") is None
    assert file_time("call", "audio/mp4", samples.m4a(None), "rec.m4a") is None  # mvhd 0: not a time


def test_every_kind_through_the_command_line_hashed_chained_and_verified(app, tmp_path):
    campaign = _campaign(app)
    files = {
        "通话_20261120140312.m4a": samples.m4a(datetime(2026, 11, 20, 6, 3, 12, tzinfo=timezone.utc)),
        "call.mp3": samples.mp3(),
        "call.amr": samples.amr(),
        "call.aac": samples.aac(),
        "call.wav": samples.wav(),
        "reply.eml": samples.eml(),
    }
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    (tmp_path / "chat.png").write_bytes(png_bytes(seed=7))
    data_dir = app.config["DATA_DIR"]
    args = ["--campaign", campaign, "--time", "2026-11-21 09:00:00", "--data-dir", data_dir]
    calls = CliRunner().invoke(
        cli,
        ["import", *paths, *args, "--number", "95017", "--agent", "A1234", "--note", "客服承认进度无法完成"],
    )
    assert calls.exit_code == 0, calls.output
    assert "通话录音" in calls.output and "电子邮件" in calls.output
    chat = CliRunner().invoke(cli, ["import", str(tmp_path / "chat.png"), "--chat", *args])
    assert chat.exit_code == 0, chat.output
    rows = of_campaign(_db(app), campaign)
    assert [r["comm_seq"] for r in rows] == list(range(1, 8))
    assert {r["kind"] for r in rows} == {"call", "email", "chat"}
    by_name = {r["file_name"]: r for r in rows}
    assert by_name["通话_20261120140312.m4a"]["time_source"] == "mp4_mvhd"
    assert by_name["reply.eml"]["time_source"] == "email_date"
    assert by_name["call.amr"]["time_source"] == "user"
    assert by_name["call.mp3"]["phone_number"] == "95017" and by_name["call.mp3"]["agent_id"] == "A1234"
    assert by_name["reply.eml"]["phone_number"] == ""  # the number is a call's only
    for name, data in files.items():
        row = by_name[name]
        assert row["sha256"] == hashlib.sha256(data).hexdigest()
        assert path_of(_root(app), row).read_bytes() == data  # byte for byte
    for prev, row in itertools.pairwise(rows):
        assert row["prev_hash"] == prev["record_hash"]
    report = verify_archive(DataDir(_root(app).parent))
    assert report.problems == []
    again = CliRunner().invoke(cli, ["import", paths[0], *args])
    assert "之前已添加" in again.output and len(of_campaign(_db(app), campaign)) == 7


def test_a_tampered_recording_is_caught_by_verify(app):
    campaign = _campaign(app)
    row = add_file(_db(app), _root(app), campaign, samples.wav(), "rec.wav", given=_given())
    path = path_of(_root(app), row)
    os.chmod(path, 0o600)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    problems = verify_archive(DataDir(_root(app).parent)).problems
    assert any("第 1 条沟通记录：原件被改动" in p for p in problems), problems
    path.unlink()
    problems = verify_archive(DataDir(_root(app).parent)).problems
    assert any("原件缺失" in p for p in problems), problems


def test_a_changed_or_removed_record_is_caught_and_the_table_is_append_only(app):
    campaign = _campaign(app)
    for seed in range(3):
        add_file(_db(app), _root(app), campaign, samples.wav(0.1 + seed / 10), f"{seed}.wav", given=_given())
    conn = sqlite3.connect(app.config["DATABASE"])
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE communications SET note = 'x'")
    conn.execute("DROP TRIGGER communications_no_update")
    conn.execute("DROP TRIGGER communications_no_delete")
    conn.execute("UPDATE communications SET occurred_at = '2026-11-01T00:00:00.000+08:00' WHERE comm_seq = 1")
    conn.execute("DELETE FROM communications WHERE comm_seq = 2")
    conn.commit()
    conn.close()
    problems = verify_archive(DataDir(_root(app).parent)).problems
    assert any("第 1 条沟通记录：内容与哈希不符" in p for p in problems), problems
    assert any("第 3 条沟通记录：序号应为 2" in p for p in problems), problems


def test_limits_and_a_missing_time_are_clear(app):
    campaign = _campaign(app)
    with pytest.raises(DomainError) as err:
        add_file(_db(app), _root(app), campaign, samples.wav(), "rec.wav")
    assert err.value.status == 422 and "发生时间" in err.value.message
    big = samples.eml() + b"x" * (26 << 20)
    with pytest.raises(DomainError) as err:
        add_file(_db(app), _root(app), campaign, big, "a.eml")
    assert err.value.status == 413 and "电子邮件" in err.value.message
    result = CliRunner().invoke(
        cli, ["import", "--data-dir", app.config["DATA_DIR"], _write(app, samples.mp3())]
    )
    assert result.exit_code == 1 and "--campaign" in result.output


def _write(app, data: bytes) -> str:
    path = _root(app).parent / "call.mp3"
    path.write_bytes(data)
    return str(path)


def _given():
    from companion.intake.times import FoundTime

    return FoundTime(datetime(2026, 11, 21, 9, 0, tzinfo=CST), "user")


def _db(app):
    return connect(app.config["DATABASE"])


def _root(app):
    return DataDir(__import__("pathlib").Path(app.config["DATA_DIR"])).communications


def _campaign(app) -> str:
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
    answer = client.post("/api/v1/captures", json=capture_payload())
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["campaign_id"]


def test_in_the_bundle_listed_and_a_tampered_recording_in_it_is_caught(app, tmp_path):
    campaign = _campaign(app)
    wav = samples.wav()
    add_file(
        _db(app), _root(app), campaign, wav, "rec.wav", given=_given(), phone_number="95017", note="客服答复"
    )
    add_file(_db(app), _root(app), campaign, samples.eml(), "reply.eml")
    add_file(_db(app), _root(app), campaign, png_bytes(seed=3), "Screenshot_20261120-150000.png")
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
    path = tmp_path / "b.zip"
    with client.get(f"/api/v1/campaigns/{campaign}/export") as resp:
        assert resp.status_code == 200
        path.write_bytes(resp.data)
    files = _unzip(path)
    manifest = json.loads(files["manifest.json"])
    comms = manifest["communications"]
    assert [c["kind"] for c in comms] == ["call", "email", "chat"]
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    sums = files["SHA256SUMS"].decode()
    for c in comms:
        assert files[c["file"]] == path_of(_root(app), c).read_bytes()
        assert listed[c["file"]] == c["sha256"] and f"{c['sha256']}  {c['file']}" in sums
    assert files[comms[0]["file"]] == wav
    court = files["evidence_list.html"].decode()
    for words in (
        "通话录音",
        "电子邮件",
        "客服聊天截图",
        "证明：客服答复",
        "拨打号码 95017",
        "邮件的 Date 信头",
    ):
        assert words in court, words
    assert "2026-11-20 14:03:12" in court  # the e-mail's own time, as the record has it
    ok = CliRunner().invoke(cli, ["verify", str(path)])
    assert ok.exit_code == 0, ok.output
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(bad, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name.endswith(comms[0]["file"]):
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
            zout.writestr(name, data)
    caught = CliRunner().invoke(cli, ["verify", str(bad)])
    assert caught.exit_code != 0
    assert f"文件已被改动：{comms[0]['file']}" in caught.output and "原件被改动" in caught.output


def _unzip(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        top = zf.namelist()[0].split("/")[0] + "/"
        return {n.removeprefix(top): zf.read(n) for n in zf.namelist()}
