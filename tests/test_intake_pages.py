"""The drop page in real Chromium against the real companion: a phone screenshot picked on the page
is archived, the running companion's worker reads its figures with OCR, and the campaign's reading
shows them marked as read from pixels; a file without a time asks for one."""

from __future__ import annotations

import pytest
from helpers import CHROMIUM, phone_shots, wait_for

pytestmark = pytest.mark.browser


def test_drop_page_import_is_read_by_the_worker(playwright, companion, tmp_path):
    shot = tmp_path / "Screenshot_20261120-140312.png"
    shot.write_bytes(phone_shots.variant(phone_shots.stat_boxes(1), "png")[0])
    untimed = tmp_path / "photo.png"
    untimed.write_bytes(phone_shots.variant(phone_shots.inline(1), "png")[0])
    browser = playwright.chromium.launch(executable_path=CHROMIUM)
    try:
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = companion.login(context, "/import")
        page.fill("#campaign", "充电宝")
        page.set_input_files("#files", [str(shot), str(untimed)])
        page.wait_for_selector("li.ok:has-text('Screenshot_20261120-140312.png')")
        asked = page.wait_for_selector("li.ask:has-text('photo.png')")
        asked.query_selector("input[type=datetime-local]").fill("2026-11-20T14:10:00")
        asked.query_selector("button").click()
        page.wait_for_selector("li.ok:has-text('photo.png')")
        assert "你填写的时间" in page.inner_text("#results") and "文件名" in page.inner_text("#results")
    finally:
        browser.close()

    (campaign,) = companion.api("/api/v1/campaigns")["campaigns"]
    assert campaign["title"] == "充电宝" and campaign["capture_count"] == 2

    def read_from_pixels():
        readings = companion.api(f"/api/v1/campaigns/{campaign['id']}")["readings"]
        return len(readings) == 2 and all(r.get("origin") == "pixels" for r in readings) and readings

    readings = wait_for(read_from_pixels, timeout=180, interval=1, message="the worker's OCR of both imports")
    first, second = readings  # time order: 14:03:12 (file name), 14:10 (asked)
    assert (first["cut_amount"], first["remaining_amount"], first["helper_count"]) == (98.76, 1.24, 5)
    assert (second["cut_amount"], second["cut_percent"], second["remaining_percent"]) == (48.2, 99.95, 0.05)
