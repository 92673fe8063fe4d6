"""Communications as evidence (#16): each kind told by its bytes, its own time read from the file,
kept byte for byte, hashed and chained; verify catches a changed recording or record."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from helpers import capture_payload, png_bytes, session_client
from helpers import comm_samples as samples
from helpers.bundles import export_bundle, read_bundle, rewrite

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
    (_root(app) / "stray.mp3").write_bytes(samples.mp3())
    problems = verify_archive(DataDir(_root(app).parent)).problems
    assert any("没有任何沟通记录指向的文件：communications/stray.mp3" in p for p in problems), problems


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
    path = export_bundle(client, campaign, tmp_path / "b.zip")
    files = read_bundle(path)
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

    def flip_last_byte(files):
        data = files[comms[0]["file"]]
        files[comms[0]["file"]] = data[:-1] + bytes([data[-1] ^ 0xFF])

    rewrite(path, bad, flip_last_byte)
    caught = CliRunner().invoke(cli, ["verify", str(bad)])
    assert caught.exit_code != 0
    assert f"文件已被改动：{comms[0]['file']}" in caught.output and "原件被改动" in caught.output


def test_added_on_the_dashboard_on_the_case_timeline_and_played_with_a_session(app):
    campaign = _campaign(app)
    client = session_client(app)
    wav = samples.wav()
    form = {
        "file": (io.BytesIO(wav), "recording.wav"),
        "occurred_at": "2026-11-20T16:30:00",
        "phone_number": "95017",
        "agent_id": "A1234",
        "note": "客服说活动无法完成",
    }
    added = client.post(
        f"/campaigns/{campaign}/communications", data=form, content_type="multipart/form-data"
    )
    assert added.status_code == 303 and added.headers["Location"].endswith("#case")
    mail = {"file": (io.BytesIO(samples.eml()), "reply.eml"), "note": "平台的书面答复"}
    assert client.post(f"/campaigns/{campaign}/communications", data=mail).status_code == 303
    chat = {"file": (io.BytesIO(png_bytes(seed=9)), "Screenshot_20261121-083000.png")}
    assert client.post(f"/campaigns/{campaign}/communications", data=chat).status_code == 303
    rows = of_campaign(_db(app), campaign)
    kinds = [(r["kind"], r["time_source"]) for r in rows]
    assert kinds == [("call", "user"), ("email", "email_date"), ("chat", "file_name")]
    assert rows[0]["phone_number"] == "95017" and rows[0]["agent_id"] == "A1234"

    page = client.get(f"/campaigns/{campaign}").get_data(as_text=True)
    case = page[page.index('id="case"') : page.index('id="timeline"')]
    audio = f"/campaigns/{campaign}/communications/1"
    assert f'<audio controls preload="none" src="{audio}"' in case
    assert "通话录音" in case and "工号 A1234" in case and "客服说活动无法完成" in case
    assert "电子邮件" in case and "截图 1 张" in case
    # time order: the capture (2026-11-20 14:03), the e-mail (14:03:12), the call (16:30)
    assert (
        case.index("截图 1 张") < case.index("电子邮件") < case.index("通话录音") < case.index("客服聊天截图")
    )
    with client.get(f"/campaigns/{campaign}/communications/3") as shot:
        assert shot.mimetype == "image/png" and shot.data == png_bytes(seed=9)
    with client.get(audio) as played:
        assert played.status_code == 200 and played.data == wav and played.mimetype == "audio/wav"
    with client.get(f"/campaigns/{campaign}/communications/2") as eml:
        assert eml.status_code == 200 and "attachment" in eml.headers["Content-Disposition"]
    assert app.test_client().get(audio).status_code in (302, 401, 403)  # no session, no recording
    assert client.get(f"/campaigns/{campaign}/communications/9").status_code == 404
    assert client.get(f"/campaigns/{campaign}/communications/{10**20}").status_code == 404

    refused = client.post(
        f"/campaigns/{campaign}/communications", data={"file": (io.BytesIO(b"not audio"), "x.mp3")}
    )
    assert refused.status_code == 415 and "通话录音" in refused.get_data(as_text=True)
    no_time = client.post(
        f"/campaigns/{campaign}/communications", data={"file": (io.BytesIO(samples.amr()), "a.amr")}
    )
    assert no_time.status_code == 422 and "发生时间" in no_time.get_data(as_text=True)
    # A plain HTML form: every refusal is the error page (it was raw JSON text), and a time outside
    # 2000–2100 is refused, not kept for ever in the chain.
    for data, status in (
        ({"file": (io.BytesIO(b"not audio"), "x.mp3")}, 415),
        ({"file": (io.BytesIO(samples.amr()), "a.amr")}, 422),
        ({}, 400),
        ({"file": (io.BytesIO(samples.wav()), "r.wav"), "occurred_at": "0001-01-01T00:00"}, 400),
        ({"file": (io.BytesIO(samples.wav()), "r.wav"), "occurred_at": "yesterday"}, 400),
    ):
        resp = client.post(f"/campaigns/{campaign}/communications", data=data)
        assert resp.status_code == status and resp.mimetype == "text/html", (data, resp.get_data()[:200])
    assert len(of_campaign(_db(app), campaign)) == 3


def test_case_timeline_has_filings_and_incidents_and_summarises_captures_by_day(app):
    from companion.campaigns.page_queries import case_timeline

    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
    answers = [
        client.post(
            "/api/v1/captures",
            json=capture_payload(taken_at=datetime(2026, 11, 20 + i // 3, 10 + i, 0, tzinfo=CST), seed=i),
        ).get_json()
        for i in range(6)
    ]
    campaign = answers[0]["campaign_id"]
    db = _db(app)
    db["filings"].insert(
        {"campaign_id": campaign, "channel": "12315", "sent_on": "2026-11-21", "answered_on": "2026-11-23"}
    )
    entries = case_timeline(db, campaign, [{"started_at": "2026-11-20T11:30:00.000+08:00", "types": []}])
    kinds = [(e["kind"], str(e["at"])[:10]) for e in entries]
    assert kinds == [
        ("captures", "2026-11-20"),
        ("incident", "2026-11-20"),
        ("filed", "2026-11-21"),  # a day without a time comes first on its day
        ("captures", "2026-11-21"),
        ("answered", "2026-11-23"),
    ]
    assert [e["count"] for e in entries if e["kind"] == "captures"] == [3, 3]
    assert entries[0]["first_id"] == answers[0]["capture_id"]


def test_an_email_dated_outside_2000_to_2100_has_no_time():
    """A far Date header is no time (the user is asked for one), as every time the archive keeps."""
    from companion.intake.comm_files import email_date

    far = b"From: a@b.c\r\nDate: Tue, 20 Nov 1900 10:00:00 +0800\r\nSubject: x\r\n\r\nbody\r\n"
    near = far.replace(b"1900", b"2026")
    assert email_date(far) is None
    assert email_date(near) is not None and email_date(near).at.year == 2026
