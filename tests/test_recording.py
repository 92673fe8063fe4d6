"""Session recordings on the companion (issue #15, docs/recording.md): the finish call and its
answers, the derived copy the job remuxes (a duration where the chunks have none), the capture
page's player and chunk list, the two video files, and a recording that was never finished."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

import pytest
from helpers import capture_payload
from helpers.bundles import read_bundle
from helpers.media import decode, live_webm, split

from companion.core.config import DataDir
from companion.evidence.verify import verify_archive

MIME = "video/webm;codecs=vp8"


@pytest.fixture
def video():
    return live_webm(seconds=3.0, fps=10)


def _capture(client) -> str:
    body = capture_payload()
    assert client.post("/api/v1/captures", json=body).status_code == 201
    return body["capture_id"]


def _send_chunks(client, cid: str, rid: str, chunks: list[bytes]) -> None:
    for part, data in enumerate(chunks):
        fields = {
            "kind": "video_chunk",
            "mime": MIME,
            "data_base64": base64.b64encode(data).decode("ascii"),
            "part": part,
            "recording_id": rid,
            "meta": {"started_at": "2026-11-20T14:03:00+08:00", "duration_ms": 1000},
        }
        answer = client.post(f"/api/v1/captures/{cid}/files", json=fields)
        assert answer.status_code == 201, answer.get_json()


def _finish(client, cid: str, rid: str, **body):
    return client.post(
        f"/api/v1/captures/{cid}/recordings/{rid}/finish", json=body or {"chunks": 3, "duration_ms": 3000}
    )


def test_finish_queues_a_derived_copy_with_a_duration(app, client, video):
    cid, rid = _capture(client), str(uuid.uuid4())
    _send_chunks(client, cid, rid, split(video, 3))
    assert decode(video)["header_s"] == 0  # like MediaRecorder's: no duration in the file

    first = _finish(client, cid, rid)
    assert first.status_code == 201
    rec = first.get_json()["recording"]
    assert rec["finished"] and rec["chunks_expected"] == 3 and rec["chunks_received"] == 3
    assert rec["missing_parts"] == [] and rec["derived"] is None
    assert (
        app.extensions["bargain_witness"].schema.first_error("recording_finished", first.get_json()) is None
    )

    assert app.extensions["bargain_witness"].jobs.run_due(app) >= 1
    again = _finish(client, cid, rid, chunks=9, duration_ms=1)  # a retry answers the first call
    assert again.status_code == 200
    rec = again.get_json()["recording"]
    assert rec["chunks_expected"] == 3 and rec["derived"]["duration_ms"] >= 2800
    derived = client.get(rec["derived"]["url"])
    assert derived.status_code == 200 and derived.headers["Content-Security-Policy"] == "sandbox"
    facts = decode(derived.data)
    derived.close()
    print(f"derived copy: {facts}")
    assert facts["frames"] == 30 and 2.8 <= facts["header_s"] <= 3.2
    # Byte ranges, so the player can seek in it.
    ranged = client.get(rec["derived"]["url"], headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.data) == 100
    ranged.close()
    # The originals concatenated are the recorder's bytes exactly.
    original = client.get(rec["original_url"])
    assert original.data == video and original.headers["Content-Type"] == "video/webm"
    # The derived copy is not evidence: the archive verifies with it and without it.
    layout = DataDir(Path(app.config["DATA_DIR"]))
    assert verify_archive(layout).problems == []


def test_capture_page_plays_and_lists_the_chunks(app, client, video):
    cid, rid = _capture(client), str(uuid.uuid4())
    chunks = split(video, 3)
    _send_chunks(client, cid, rid, chunks)
    page = client.get(f"/captures/{cid}").get_data(as_text=True)
    # Not finished (the browser crashed, say): shown with what arrived, playing the originals.
    assert "没有正常结束" in page and f"/recordings/{rid}/original.webm" in page
    assert "原始分段的字节就是证据" in page and "派生副本" in page
    files = client.get(f"/api/v1/captures/{cid}").get_json()["files"]
    for f in (f for f in files if f["kind"] == "video_chunk"):
        assert f["sha256"] in page
        assert f'id="file-{f["id"]}"' not in page  # chunks are not rows of the files table...
    assert "录屏 1（3 段录屏片段）" in page and 'href="#recordings"' in page  # ...but one row per recording
    assert _finish(client, cid, rid).status_code == 201
    app.extensions["bargain_witness"].jobs.run_due(app)
    page = client.get(f"/captures/{cid}").get_data(as_text=True)
    assert "没有正常结束" not in page
    assert f'src="/captures/{cid}/recordings/{rid}/derived.webm"' in page and 'data-source="derived"' in page

    # The derived copy deleted: the page plays the originals again and has it made anew.
    path = DataDir(Path(app.config["DATA_DIR"])).derived_recordings / f"{rid}.webm"
    path.unlink()
    page = client.get(f"/captures/{cid}").get_data(as_text=True)
    assert 'data-source="original"' in page
    assert app.extensions["bargain_witness"].jobs.run_due(app) == 1 and path.exists()


def test_missing_chunk_is_said(app, client, video):
    cid, rid = _capture(client), str(uuid.uuid4())
    chunks = split(video, 3)
    _send_chunks(client, cid, rid, chunks[:2])
    rec = _finish(client, cid, rid).get_json()["recording"]
    assert rec["missing_parts"] == [2] and rec["chunks_received"] == 2
    page = client.get(f"/captures/{cid}").get_data(as_text=True)
    assert "缺少第 3 段" in page


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/api/v1/captures/{cid}/recordings/not-a-uuid/finish", {"chunks": 1, "duration_ms": 1}, 400, None),
        ("/api/v1/captures/nope/recordings/{rid}/finish", {"chunks": 1, "duration_ms": 1}, 404, None),
        ("/api/v1/captures/{cid}/recordings/{rid}/finish", {"chunks": -1, "duration_ms": 1}, 422, None),
        ("/api/v1/captures/{cid}/recordings/{rid}/finish", {"chunks": 1}, 422, None),
        ("/api/v1/captures/{cid}/recordings/{rid}/finish", [1], 400, None),
    ],
)
def test_bad_finish_is_refused_in_chinese(client, path, body, status, code):
    cid, rid = _capture(client), str(uuid.uuid4())
    answer = client.post(path.format(cid=cid, rid=rid), json=body)
    assert answer.status_code == status
    message = answer.get_json()["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)


def test_video_files_need_a_session_and_a_real_recording(app, client):
    cid = _capture(client)
    assert client.get(f"/captures/{cid}/recordings/{uuid.uuid4()}/original.webm").status_code == 404
    assert client.get(f"/captures/{cid}/recordings/{uuid.uuid4()}/derived.webm").status_code == 404
    assert client.get(f"/captures/{cid}/recordings/x/derived.webm").status_code == 400
    anonymous = app.test_client()
    assert anonymous.get(f"/captures/{cid}/recordings/{uuid.uuid4()}/original.webm").status_code in (401, 403)


def test_bundle_adds_the_derived_copy_apart_from_the_evidence(app, client, video, tmp_path):
    import json

    from click.testing import CliRunner

    from companion.cli import cli

    cid, rid = _capture(client), str(uuid.uuid4())
    chunks = split(video, 3)
    _send_chunks(client, cid, rid, chunks)
    assert _finish(client, cid, rid).status_code == 201
    app.extensions["bargain_witness"].jobs.run_due(app)
    campaign = client.get(f"/api/v1/captures/{cid}").get_json()["campaign_id"]
    path = tmp_path / "b.zip"
    with client.get(f"/api/v1/campaigns/{campaign}/export") as resp:
        path.write_bytes(resp.data)
    files = read_bundle(path)
    copy = files[f"derived/recording-{cid}-{rid}.webm"]
    assert 2.8 <= decode(copy)["header_s"] <= 3.2
    assert (
        "派生副本" in files["derived/派生副本说明.txt"].decode()
        and "不是证据" in files["derived/派生副本说明.txt"].decode()
    )
    manifest = json.loads(files["manifest.json"])
    # The chunks are the evidence rows; the copy is only a listed file, in no chain.
    assert [r["kind"] for r in manifest["capture_files"]] == ["video_chunk"] * 3
    assert not any(r["file"].startswith("derived/") for r in manifest["capture_files"])
    assert b"".join(files[r["file"]] for r in manifest["capture_files"]) == video
    ok = CliRunner().invoke(cli, ["verify", str(path)])
    assert ok.exit_code == 0, ok.output


def test_undecodable_chunks_keep_playing_the_originals_and_are_not_retried(app, client):
    cid, rid = _capture(client), str(uuid.uuid4())
    junk = [b"\x1a\x45\xdf\xa3" + b"\x00" * 60, b"not video at all"]  # a WebM header, then nothing
    jobs = app.extensions["bargain_witness"].jobs
    jobs.run_due(app)  # the capture's own jobs (thumbnail)
    _send_chunks(client, cid, rid, junk)
    _finish(client, cid, rid, chunks=2, duration_ms=4000)
    assert jobs.run_due(app) == 1
    page = client.get(f"/captures/{cid}").get_data(as_text=True)
    assert "录像无法转成可拖动的副本" in page and 'data-source="original"' in page
    assert jobs.run_due(app) == 0  # the same chunks again would fail again: not queued anew
    assert client.get(f"/captures/{cid}/recordings/{rid}/original.webm").data == b"".join(junk)


@pytest.mark.parametrize(
    "meta",
    [
        {},
        {"duration_ms": "x", "started_at": "garbage"},
        {"duration_ms": 1e308, "started_at": "9999-99-99T99:99:99Z"},
        {"duration_ms": -5, "started_at": 12},
        {"duration_ms": True, "started_at": None},
    ],
)
def test_a_chunk_with_odd_meta_never_breaks_the_capture_page(app, client, meta):
    """A chunk's meta is the client's word (optional in the contract): whatever it says, the page
    shows the chunk, and a finish announcing a million parts lists the missing ones in runs."""
    cid, rid = _capture(client), str(uuid.uuid4())
    chunk = {"kind": "video_chunk", "mime": MIME, "part": 2, "recording_id": rid, "meta": meta}
    chunk["data_base64"] = base64.b64encode(b"\x1aE\xdf\xa3" + b"odd" * 500).decode("ascii")
    assert client.post(f"/api/v1/captures/{cid}/files", json=chunk).status_code == 201
    assert _finish(client, cid, rid, chunks=1_000_000, duration_ms=1000).status_code == 201
    answer = client.get(f"/captures/{cid}")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "录像 1" in page
    assert "缺少第 1–2、4–1000000 段" in page and len(page) < 200_000  # two runs, not 999,999 numbers
