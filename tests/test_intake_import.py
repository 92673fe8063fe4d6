"""Import of phone screenshots: the capture time from EXIF (with its offset) or from each file-name
pattern, recorded with its source; originals byte for byte; the command line and the drop page."""

from __future__ import annotations

import base64
import io
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from helpers import capture_payload
from PIL import Image

from companion.cli import cli
from companion.core.db import connect
from companion.intake.times import capture_time, time_from_exif, time_from_name

CST = timezone(timedelta(hours=8))


def png(color=(250, 250, 250)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (90, 160), color).save(out, "PNG")
    return out.getvalue()


def jpeg_with_exif(when: str, offset: str | None, kind: str = "JPEG") -> bytes:
    image = Image.new("RGB", (90, 160), (200, 30, 30))
    exif = Image.Exif()
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = when
    if offset:
        sub[0x9011] = offset
    out = io.BytesIO()
    if kind == "MPO":
        image.save(out, "MPO", exif=exif.tobytes(), save_all=True, append_images=[image.copy()])
    else:
        image.save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Screenshot_20261120-140312.png", datetime(2026, 11, 20, 14, 3, 12, tzinfo=CST)),
        (
            "Screenshot_20261120-140312_com.xunmeng.pinduoduo.jpg",
            datetime(2026, 11, 20, 14, 3, 12, tzinfo=CST),
        ),
        (
            "Screenshot_2026-11-20-14-03-12-345_com.tencent.mm.jpg",
            datetime(2026, 11, 20, 14, 3, 12, tzinfo=CST),
        ),
        ("IMG_20261120_140312.jpg", datetime(2026, 11, 20, 14, 3, 12, tzinfo=CST)),
        ("微信图片_20261120140312.jpg", datetime(2026, 11, 20, 14, 3, 12, tzinfo=CST)),
        ("mmexport1795154592000.jpg", datetime(2026, 11, 20, 14, 3, 12, tzinfo=CST)),
    ],
)
def test_time_from_each_file_name_pattern(name, expected):
    found = time_from_name(name, CST)
    assert found is not None and found.source == "file_name"
    assert found.at == expected and found.at.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    "name", ["photo.png", "Screenshot_20261340-990000.png", "IMG_1234.jpg", "微信图片.jpg"]
)
def test_names_without_a_time_give_none(name):
    assert time_from_name(name, CST) is None


def test_exif_time_with_its_offset_wins_over_the_file_name():
    data = jpeg_with_exif("2026:11:20 14:03:12", "+08:00")
    found = capture_time(data, "IMG_20250101_000000.jpg")
    assert found.source == "exif"
    assert found.at == datetime(2026, 11, 20, 14, 3, 12, tzinfo=CST) and found.at.utcoffset() == timedelta(
        hours=8
    )
    mpo = time_from_exif(jpeg_with_exif("2026:11:20 06:03:12", "-05:00", kind="MPO"))
    assert mpo.at == datetime(2026, 11, 20, 6, 3, 12, tzinfo=timezone(timedelta(hours=-5)))
    assert time_from_exif(png()) is None


def _import(tmp_path, *args, input=None):
    return CliRunner().invoke(
        cli, ["import", *args, "--data-dir", str(tmp_path / "data")], input=input, catch_exceptions=False
    )


def test_cli_import_keeps_originals_and_records_the_time_source(tmp_path):
    files = {
        "Screenshot_20261120-140312.png": png((250, 250, 250)),
        "exif.jpg": jpeg_with_exif("2026:11:20 14:05:00", "+08:00"),
        "微信图片_20261120141000.jpg": jpeg_with_exif("", None),
    }
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    result = _import(tmp_path, *paths, "--campaign", "充电宝砍价")
    assert result.exit_code == 0, result.output
    assert (
        result.output.count("✓") == 3 and "来自文件名" in result.output and "来自照片 EXIF" in result.output
    )
    db = connect(tmp_path / "data" / "bargain-witness.sqlite3")
    rows = db.execute(
        "SELECT k.source, k.taken_at, k.sha256, t.time_source, t.file_name, c.title FROM captures k "
        "JOIN capture_times t ON t.capture_id = k.id JOIN campaigns c ON c.id = k.campaign_id ORDER BY k.seq"
    ).fetchall()
    assert [r[0] for r in rows] == ["import"] * 3
    assert {r[5] for r in rows} == {"充电宝砍价"}
    assert [r[3] for r in rows] == ["file_name", "exif", "file_name"]
    assert rows[1][1].startswith("2026-11-20T14:05:00") and rows[1][1].endswith("+08:00")
    for (_, _, sha, _, name, _), data in zip(rows, files.values(), strict=True):
        stored = next((tmp_path / "data" / "blobs").rglob(f"{sha}.*"))
        assert stored.read_bytes() == data and name in files
    jobs = db.execute("SELECT COUNT(*) FROM jobs WHERE kind = 'ocr'").fetchone()[0]
    assert jobs == 3  # each waits for the worker to read its figures

    again = _import(tmp_path, paths[0], "--campaign", "充电宝砍价")
    assert "之前已导入" in again.output
    assert db.execute("SELECT COUNT(*) FROM captures").fetchone()[0] == 3
    db.close()


def test_cli_import_asks_for_a_time_or_refuses_clearly(tmp_path):
    (tmp_path / "photo.png").write_bytes(png())
    refused = _import(tmp_path, str(tmp_path / "photo.png"))
    assert refused.exit_code == 1 and "请用 --time 指定" in refused.output
    given = _import(tmp_path, str(tmp_path / "photo.png"), "--time", "2026-11-20 14:03")
    assert given.exit_code == 0 and "来自你输入的时间" in given.output
    (tmp_path / "notes.png").write_text("not an image")
    bad = _import(tmp_path, str(tmp_path / "notes.png"), "--time", "2026-11-20 14:03")
    assert bad.exit_code == 1 and "只能导入 PNG 或 JPEG" in bad.output


def test_drop_page_imports_and_asks_for_a_missing_time(client):
    page = client.get("/import")
    assert page.status_code == 200 and "把截图拖到这里" in page.get_data(as_text=True)
    body = {"name": "photo.png", "data_base64": base64.b64encode(png()).decode(), "campaign": "我的砍价"}
    asked = client.post("/import/file", json=body)
    assert asked.status_code == 422 and asked.get_json()["error"] == "time_unknown"
    done = client.post("/import/file", json={**body, "taken_at": "2026-11-20T14:03:12+08:00"})
    assert done.status_code == 201 and done.get_json()["time_source"] == "user"
    named = client.post("/import/file", json={**body, "name": "IMG_20261120_140312.png"})
    assert named.status_code == 200  # same bytes: the first import's answer
    bad = client.post("/import/file", json={**body, "data_base64": "%%%"})
    assert bad.status_code == 400 and bad.get_json()["message"]
    cross = client.post("/import/file", json=body, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403


def test_the_drop_page_gets_json_for_a_file_too_large_and_names_checked_as_a_rename(app, client):
    """The page's script reads JSON (it asks for it): a 413 as the error page made it say it could
    not reach the companion. A campaign name of control characters or blanks can't make a nameless
    campaign."""
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    big = {"name": "big.png", "data_base64": "A" * (80 * 1024)}
    too_big = client.post("/import/file", json=big, headers={"Accept": "application/json"})
    assert too_big.status_code == 413 and too_big.get_json()["message"]
    app.config["MAX_CONTENT_LENGTH"] = 32 * 1024 * 1024
    body = {
        "name": "photo.png",
        "data_base64": base64.b64encode(png()).decode(),
        "taken_at": "2026-11-20T14:03:12+08:00",
    }
    nul = client.post("/import/file", json={**body, "campaign": "\x00"})
    assert nul.status_code == 422 and nul.get_json()["error"] == "empty_name"
    blank = client.post("/import/file", json={**body, "campaign": "  \u3000 "})
    assert blank.status_code == 201
    titles = [c["title"] for c in client.get("/api/v1/campaigns").get_json()["campaigns"]]
    assert all(t.strip() for t in titles), titles
    # An existing campaign picked on the page (its title as stored: two spaces, a U+202E) is that
    # campaign, not a new one; the page's list gives the title exactly, not as shown.
    payload = capture_payload(seed=11)
    payload["page"]["title"] = "拼多多  砍价\u202e免费拿"
    made = client.post("/api/v1/captures", json=payload).get_json()["campaign_id"]
    page = client.get("/import").get_data(as_text=True)
    assert 'value="拼多多  砍价\u202e免费拿"' in page
    before = len(client.get("/api/v1/campaigns").get_json()["campaigns"])
    again = client.post(
        "/import/file",
        json={
            **body,
            "name": "b.png",
            "data_base64": base64.b64encode(png((10, 200, 30))).decode(),
            "campaign": "拼多多  砍价\u202e免费拿",
        },
    )
    assert again.status_code == 201 and again.get_json()["campaign_id"] == made
    assert len(client.get("/api/v1/campaigns").get_json()["campaigns"]) == before


def test_screen_picture_is_only_for_the_dashboard_itself(client, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    assert client.get("/watch/screen.png", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert client.get("/watch/screen.png").status_code == 403  # no fetch metadata, no own Referer
    # No display to grab (a session without DISPLAY, no screen-recording permission): a 409 the
    # page shows, never a 5xx.
    from mss.exception import ScreenShotError

    def no_display():
        raise ScreenShotError("Cannot connect to display")

    monkeypatch.setattr("companion.intake.watch.full_screen_png", no_display)
    none = client.get("/watch/screen.png", headers={"Sec-Fetch-Site": "same-origin"})
    assert none.status_code == 409 and none.get_json()["error"] == "no_screen"
    assert "无法截取屏幕" in none.get_json()["message"]
    page = client.get("/watch")
    assert page.status_code == 200 and " watch --region X,Y" in page.get_data(as_text=True)
