"""The capture path end to end: Debian's Chromium, the real extension, a real toolbar click, and
the companion started as a subprocess the way a user starts it."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from helpers import wait_for
from helpers.browser import EXTENSION_DIR, mobile_extension_browser, static_server
from helpers.companion_proc import start_companion, stop_companion
from PIL import Image

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = pytest.mark.browser


@pytest.fixture
def browser(playwright, tmp_path):
    b = mobile_extension_browser(playwright, tmp_path / "profile")
    yield b
    b.close()


@pytest.fixture(scope="module")
def pages():
    with static_server(FIXTURES / "e2e") as base:
        yield base


def test_toolbar_click_archives_screenshot_and_figures(browser, companion, pages):
    assert "连接成功" in browser.pair(companion.url, companion.token)
    page = browser.ctx.new_page()
    page.goto(f"{pages}/bargain.html?goods_id=777&refer_share_id=x1")

    popup = browser.click_toolbar_button(page)
    assert popup["state"] == "ok", popup
    assert "已存证" in popup["text"]
    assert "¥98.76" in popup["text"] and "¥0.52" in popup["text"] and "99.4%" in popup["text"]

    [campaign] = companion.api("/api/v1/campaigns")["campaigns"]
    assert campaign["identity"].endswith("/bargain.html?goods_id=777")
    detail = companion.api(f"/api/v1/campaigns/{campaign['id']}")
    [capture] = detail["captures"]
    [reading] = detail["readings"]
    assert reading["cut_amount"] == 98.76
    assert reading["remaining_amount"] == 0.52
    assert reading["cut_percent"] == 99.4
    assert reading["helper_count"] == 3
    assert reading["countdown_seconds"] in range(86340, 86353)  # the page's own clock ticks
    assert [h["name"] for h in reading["helpers"]] == ["小明", "阿花", "老王"]
    assert "每位好友每天可帮砍1次" in reading["rules_text"]
    assert capture["client"]["name"] == "bargain-witness-extension"
    # The capture environment (#10): the browser's User-Agent and when this attempt was sent.
    record = companion.api(f"/api/v1/captures/{capture['id']}")
    assert record["browser"] and record["os"] and record["client_sent_at"]
    assert record["client_sent_at"] >= record["taken_at"][:19]
    assert capture["page_url"].endswith("goods_id=777&refer_share_id=x1")

    # The original PNG is on disk under its hash, a real screenshot of the mobile viewport.
    stored = next(companion.data_dir.joinpath("blobs").rglob(f"{capture['sha256']}.png"))
    img = Image.open(io.BytesIO(stored.read_bytes()))
    assert img.format == "PNG" and img.size == (390, 844)
    assert capture["width"] == 390


def test_wrong_token_is_explained_and_nothing_is_lost(browser, companion, pages):
    assert "令牌不正确" in browser.pair(companion.url, "wrong-token")
    page = browser.ctx.new_page()
    page.goto(f"{pages}/bargain.html?goods_id=1")
    popup = browser.click_toolbar_button(page)
    assert popup["state"] == "queued"
    assert "令牌不正确" in popup["text"] and "暂存" in popup["text"]
    assert companion.api("/api/v1/campaigns")["campaigns"] == []

    # Fixing the token on the options page delivers the queued capture, once.
    assert "补传了 1 张" in browser.pair(companion.url, companion.token)
    [campaign] = companion.api("/api/v1/campaigns")["campaigns"]
    assert campaign["capture_count"] == 1


def test_companion_down_then_up_delivers_queue_exactly_once(browser, tmp_path, pages):
    comp = start_companion(tmp_path / "data")
    port = int(comp.url.rsplit(":", 1)[1])
    assert "连接成功" in browser.pair(comp.url, comp.token)
    stop_companion(comp)

    page = browser.ctx.new_page()
    page.goto(f"{pages}/bargain.html?goods_id=2")
    for _ in range(2):
        popup = browser.click_toolbar_button(page)
        assert popup["state"] == "queued"
        assert "无法连接砍价存证助手" in popup["text"] and "scripts/start" in popup["text"]

    comp = start_companion(tmp_path / "data", port=port)
    try:
        popup = browser.click_toolbar_button(page)  # the next capture flushes the queue too
        assert popup["state"] == "ok", popup
        campaign = wait_for(lambda: comp.api("/api/v1/campaigns")["campaigns"], message="campaign")[0]
        detail = comp.api(f"/api/v1/campaigns/{campaign['id']}")
        ids = [c["id"] for c in detail["captures"]]
        assert len(ids) == 3 == len(set(ids))
        # Queued captures keep the time they were taken, not the time they arrived.
        assert all(
            c["taken_at"] < c["received_at"] or c["taken_at"][:19] != c["received_at"][:19]
            for c in detail["captures"][:2]
        )
    finally:
        stop_companion(comp)


def test_unconfigured_extension_says_how_to_pair(browser, pages):
    page = browser.ctx.new_page()
    page.goto(f"{pages}/bargain.html?goods_id=3")
    popup = browser.click_toolbar_button(page)
    assert popup["state"] == "queued"
    assert "尚未配对" in popup["text"]


def test_a_click_before_the_worker_is_ready_still_captures(playwright, tmp_path, pages):
    """A click in the first moments after install, while the service worker is still loading, is not
    lost: the manifest's popup opens and captures itself (the worker takes the popup away only once
    its listeners exist). The worker's start is slowed by 3 s so the click surely comes first; with
    no manifest popup, Chromium dropped that click and no popup opened (docs/performance.md)."""
    slow = tmp_path / "extension"
    shutil.copytree(EXTENSION_DIR, slow)
    sw = slow / "sw.js"
    code = sw.read_text(encoding="utf-8")
    first_statement = code.index("\nconst ")
    busy = "\n{ const t0 = Date.now(); while (Date.now() - t0 < 3000) { /* a slow start */ } }"
    sw.write_text(code[:first_statement] + busy + code[first_statement:], encoding="utf-8")
    b = mobile_extension_browser(playwright, tmp_path / "profile", extension_dir=slow)
    try:
        page = b.ctx.new_page()
        page.goto(f"{pages}/bargain.html?goods_id=4")
        popup = b.click_toolbar_button(page)
        assert popup["state"] == "queued" and "尚未配对" in popup["text"], popup
    finally:
        b.close()


def test_options_page_rejects_non_local_url(browser):
    assert "本机" in browser.pair("https://evil.example", "x")


def test_popup_shows_stall_after_a_few_clicks(browser, companion, pages):
    """Progress stuck at 99.9 % while friends keep helping: the popup names the stall (#3)."""
    assert "连接成功" in browser.pair(companion.url, companion.token)
    page = browser.ctx.new_page()
    page.goto(f"{pages}/stall.html?activity_id=stuck1")
    popup = browser.click_toolbar_button(page)
    assert popup["state"] == "ok" and "发现的异常" not in popup["text"]
    for _ in range(3):
        page.evaluate("addHelper(); addHelper()")
        popup = browser.click_toolbar_button(page)
        assert popup["state"] == "ok", popup
    assert "发现的异常" in popup["text"]
    assert "新增 6 位好友助力" in popup["text"] and "99.9%" in popup["text"]
    assert "【严重】" in popup["text"]  # 6 assists with no visible progress is critical
    # One frozen period is one incident in the popup, however many pairs of captures it spans (#9).
    entries = browser.popup_eval("document.querySelectorAll('#finding-list li').length", page)
    assert str(entries) == "1", popup["text"]
    assert "本次截图新增或延续" in popup["text"]

    [campaign] = companion.api("/api/v1/campaigns")["campaigns"]
    findings = companion.api(f"/api/v1/campaigns/{campaign['id']}/findings")["findings"]
    stall = next(f for f in findings if f["type"] == "stall")
    captures = companion.api(f"/api/v1/campaigns/{campaign['id']}")["captures"]
    assert stall["before_capture_id"] == captures[0]["id"]
    assert stall["after_capture_id"] == captures[-1]["id"]

    badge = browser.sw.evaluate(
        "url => chrome.tabs.query({}).then(ts => ts.find(t => t.url === url))"
        ".then(t => chrome.action.getBadgeText({tabId: t.id}))",
        page.url,
    )
    assert badge == "!"


def test_demo_page_capture_matches_what_the_page_shows(browser, companion):
    """The README's newcomer flow: the companion's own demo page, a few invites, one click."""
    assert "连接成功" in browser.pair(companion.url, companion.token)
    page = browser.ctx.new_page()
    page.goto(f"{companion.url}/demo/#seed=7&mode=normal")
    for _ in range(4):
        page.click("#invite-btn")
    page.wait_for_selector("#helper-list > li:nth-child(4)")
    shown = {
        "cut": page.inner_text("#cut-amount"),
        "left": page.inner_text("#remain-amount"),
        "percent": page.inner_text("#cut-percent"),
        "count": page.inner_text("#helper-count"),
    }
    popup = browser.click_toolbar_button(page)
    assert popup["state"] == "ok", popup

    [campaign] = companion.api("/api/v1/campaigns")["campaigns"]
    assert "activity_id=demo" in campaign["identity"]
    # Named by the product on the page, not by the generic title (#12).
    assert campaign["title"] == page.inner_text(".product-name") and campaign["name_source"] == "product"
    [reading] = companion.api(f"/api/v1/campaigns/{campaign['id']}")["readings"]
    assert f"{reading['cut_amount']:.2f}" in shown["cut"]
    assert f"{reading['remaining_amount']:.2f}" in shown["left"]
    assert f"{reading['cut_percent']}%" in shown["percent"]
    assert str(reading["helper_count"]) in shown["count"] and reading["helper_count"] == 4
    assert round(reading["cut_amount"] + reading["remaining_amount"], 2) == 99.00
    assert len(reading["helpers"]) == 4 and all(h["amount"] > 0 for h in reading["helpers"])
    assert reading["countdown_seconds"] > 86000
    assert "活动规则" not in reading["rules_text"][:0] and "24小时" in reading["rules_text"]
    assert "异常模式" not in reading["rules_text"]  # the demo's own control panel is not a rule


def test_unreadable_page_still_archives_the_screenshot_and_says_why_in_chinese(browser, companion):
    assert "连接成功" in browser.pair(companion.url, companion.token)
    page = browser.ctx.new_page()
    page.goto("chrome://version")
    popup = browser.click_toolbar_button(page)
    assert popup["state"] == "ok" and "已存证" in popup["text"]
    assert "浏览器不允许读取此页面的文字" in popup["text"]
    assert not any(word in popup["text"] for word in ("Cannot", "chrome://", "manifest"))
    assert popup["text"].count("仅保存了截图") == 1
    [campaign] = companion.api("/api/v1/campaigns")["campaigns"]
    assert campaign["capture_count"] == 1


def test_watch_switch_captures_periodically_and_stops_when_the_page_changes(browser, companion, pages):
    """The popup's 定时存证 switch (docs/api.md, "Watch"): captures keep coming without clicks; when the page
    navigates the browser takes the capture grant back and the watch stops, saying why."""
    assert "连接成功" in browser.pair(companion.url, companion.token)
    page = browser.ctx.new_page()
    page.goto(f"{pages}/stall.html?activity_id=watch1")
    assert browser.click_toolbar_button(page)["state"] == "ok"
    wait_for(
        lambda: browser.popup_eval("String(!document.getElementById('watch').hidden)", page) == "true",
        message="the watch switch",
    )
    browser.popup_eval(
        "document.getElementById('watch-interval').value = '1';"
        "document.getElementById('watch-toggle').click(); 'clicked'",
        page,
    )
    wait_for(
        lambda: browser.popup_eval("document.body.dataset.watch || ''", page) == "on", message="watch on"
    )
    watch = browser.storage("watch")
    assert watch["intervalMinutes"] == 1 and watch["url"] == page.url
    assert "定时存证中：每 1 分钟一次" in browser.popup_eval(
        "document.getElementById('watch-status').textContent", page
    )

    # Unpacked extensions may use short alarms: restart the watch at ~1 s through the real message.
    control = browser.ctx.new_page()
    control.goto(browser.ext_url("options.html"))
    control.evaluate(
        "id => chrome.runtime.sendMessage({type: 'watch-start', target: 'background',"
        " data: {tabId: id, intervalMinutes: 0.02}})",
        watch["tabId"],
    )
    control.close()
    page.bring_to_front()

    def captures():
        return companion.api("/api/v1/campaigns")["campaigns"][0]["capture_count"]

    wait_for(lambda: captures() >= 4, timeout=40, message="automatic captures")
    wait_for(lambda: browser.storage("watch")["captures"] >= 3, message="the watch's own count")

    page.goto(f"{pages}/bargain.html?goods_id=elsewhere")  # another bargain: must never be captured
    stopped = wait_for(
        lambda: (browser.storage("watch") or {}).get("stoppedReason"), timeout=20, message="stop"
    )
    assert "已离开开始定时存证的砍价页面" in stopped and "再次点击扩展按钮" in stopped
    identities = [c["identity"] for c in companion.api("/api/v1/campaigns")["campaigns"]]
    assert len(identities) == 1 and identities[0].endswith(
        "stall.html?activity_id=watch1"
    )  # not the new page
