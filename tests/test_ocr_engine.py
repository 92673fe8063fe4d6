"""OCR with the real engine on phone-like screenshots (tests/helpers/phone_shots.py): several
layouts at 1x and 3x, re-encoded at JPEG quality 30 and at half size; exact figures or reported
missing, never a wrong one. Then the whole path: an imported screenshot's reading is filled from
the pixels by the job, detection re-runs, and a browser capture's figures are cross-checked.

One engine for the session (conftest ``ocr_engine``): loading it takes seconds and ~0.6 GB."""

from __future__ import annotations

import base64
import io
import time
import uuid

import pytest
from helpers import phone_shots

from companion.app import create_app
from companion.core.db import connect
from companion.core.services import services_of
from companion.intake.importer import store_file
from companion.intake.times import FoundTime
from companion.ocr.engine import load_image
from companion.ocr.layout import read_boxes

CASES = [
    ("stat_boxes", 1, "png"),
    ("stat_boxes", 3, "png"),
    ("inline", 3, "jpeg30"),
    ("inline", 3, "half"),
    ("right_values", 1, "jpeg30"),
    ("right_values", 3, "half"),
]
TIMES: list[float] = []


@pytest.mark.parametrize(("layout", "scale", "kind"), CASES)
def test_figures_exact_or_missing_never_wrong(ocr_engine, layout, scale, kind):
    draw, expected = phone_shots.LAYOUTS[layout]
    data, _ = phone_shots.variant(draw(scale), kind)
    pixels = ocr_engine.read(data)
    TIMES.append(pixels.seconds)
    reading = read_boxes(pixels.boxes)
    got = {k: v for k, v in reading.facts.items() if k in expected}
    wrong = {k: (v, expected[k]) for k, v in got.items() if v != expected[k]}
    assert not wrong, f"wrong figures (read, shown): {wrong}"
    unexplained = set(expected) - set(got) - set(reading.missing)
    assert not unexplained, f"figures neither read nor reported missing: {unexplained}"
    extra = set(reading.facts) - set(expected) - {"raw", "helpers", "unit"}
    assert not extra, f"figures the picture does not show: {extra}"
    for helper in reading.facts.get("helpers", []):
        assert helper in phone_shots.HELPERS[layout]
    print(
        f"{layout} {scale}x {kind}: {pixels.width}x{pixels.height} {pixels.seconds:.2f}s read {sorted(got)}"
        f" missing {reading.missing}"
    )
    if (layout, scale, kind) in (("stat_boxes", 3, "png"), ("stat_boxes", 1, "png")):
        assert got == expected  # the clean renders are read completely


def test_tall_screenshot_is_read_in_strips(ocr_engine):
    data, _ = phone_shots.variant(phone_shots.tall(3), "png")
    pixels = ocr_engine.read(data)
    reading = read_boxes(pixels.boxes)
    assert pixels.height == 4800
    assert reading.facts["cut_amount"] == 77.7 and reading.facts["remaining_amount"] == 2.3


def _payload(data: bytes, facts: dict) -> dict:
    return {
        "capture_id": str(uuid.uuid4()),
        "taken_at": "2026-11-20T14:03:12.000+08:00",
        "source": "extension",
        "page": {"url": "https://mobile.yangkeduo.com/bargain.html?bargain_id=77", "title": "砍价"},
        "image": {"mime": "image/png", "data_base64": base64.b64encode(data).decode()},
        "facts": facts,
    }


def test_import_then_ocr_fills_the_reading_and_crosscheck_flags_a_browser_capture(tmp_path, ocr_engine):
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data")})  # cross-check on: the default
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
    svc = services_of(app)
    svc.ocr.engine = ocr_engine
    db = connect(app.config["DATABASE"])
    png, _ = phone_shots.variant(phone_shots.stat_boxes(1), "png")
    found = FoundTime(phone_shots_time(), "file_name")
    stored = store_file(app, db, png, "Screenshot_20261120-140312.png", found, campaign="充电宝")
    capture_id, campaign_id = stored.result.body["capture_id"], stored.result.body["campaign_id"]
    before = client.get(f"/api/v1/campaigns/{campaign_id}").get_json()
    assert "cut_amount" not in before["readings"][0]

    started = time.perf_counter()
    assert svc.jobs.run_due(app) >= 1
    print(f"import -> OCR job done in {time.perf_counter() - started:.2f}s")
    detail = client.get(f"/api/v1/campaigns/{campaign_id}").get_json()
    reading = detail["readings"][0]
    assert reading["origin"] == "pixels"
    assert reading["cut_amount"] == 98.76 and reading["remaining_amount"] == 1.24
    assert reading["deadline"]  # derived from the countdown the pixels showed
    one = client.get(f"/api/v1/captures/{capture_id}").get_json()
    assert one["time_source"] == "file_name" and one["ocr"]["state"] == "done"
    page = client.get(f"/captures/{capture_id}").get_data(as_text=True)
    assert "从图片识别（OCR）" in page and "文件名" in page

    # A browser capture whose page text says 还差 1.34 while its picture shows ¥1.24.
    answer = client.post(
        "/api/v1/captures", json=_payload(png, {"cut_amount": 98.76, "remaining_amount": 1.34})
    )
    assert answer.status_code == 201
    browser_id = answer.get_json()["capture_id"]
    svc.jobs.run_due(app)
    checked = client.get(f"/api/v1/captures/{browser_id}").get_json()["ocr"]
    assert checked["disagreements"] == [{"field": "remaining_amount", "page_text": 1.34, "pixels": 1.24}]
    campaign_page = client.get(f"/campaigns/{answer.get_json()['campaign_id']}").get_data(as_text=True)
    assert "图片与页面文字不一致" in campaign_page
    # The contract: any client's capture with source screen (or import) and no facts is read too.
    inline_png, _ = phone_shots.variant(phone_shots.inline(1), "png")
    screen = {
        **_payload(inline_png, {}),
        "source": "screen",
        "page": {"url": "screen://phone", "title": "投屏"},
    }
    del screen["facts"]
    posted = client.post("/api/v1/captures", json=screen).get_json()
    svc.jobs.run_due(app)
    (screen_reading,) = client.get(f"/api/v1/campaigns/{posted['campaign_id']}").get_json()["readings"]
    assert screen_reading["origin"] == "pixels" and screen_reading["cut_percent"] == 99.95

    # Imported without a campaign: named by date, then after the product OCR read.
    other, _ = phone_shots.variant(phone_shots.right_values(1), "png")
    dated = store_file(app, db, other, "IMG_20261121_090000.png", found).result.body["campaign_id"]
    assert client.get(f"/api/v1/campaigns/{dated}").get_json()["title"].startswith("手机截图 ")
    svc.jobs.run_due(app)
    assert client.get(f"/api/v1/campaigns/{dated}").get_json()["title"] == "小米 充电宝 10000mAh 快充版"
    assert client.get(f"/api/v1/campaigns/{campaign_id}").get_json()["title"] == "充电宝"  # the user's name
    db.close()
    if TIMES:
        print(f"OCR seconds per image: median {sorted(TIMES)[len(TIMES) // 2]:.2f}, max {max(TIMES):.2f}")


def phone_shots_time():
    from datetime import datetime, timedelta, timezone

    return datetime(2026, 11, 20, 14, 3, 12, tzinfo=timezone(timedelta(hours=8)))


def test_an_mpo_is_read_from_its_first_frame():
    first = phone_shots.inline(1)
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[first.rotate(90, expand=True)])
    loaded = load_image(out.getvalue())
    assert loaded.size == first.size  # the second frame is rotated: 800×360
    assert abs(loaded.getpixel((5, 5))[0] - first.getpixel((5, 5))[0]) <= 4  # JPEG-coded red banner
