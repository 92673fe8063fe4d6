"""The full page of a capture (#15) end to end: Debian's Chromium with the real extension, a real
toolbar click, the popup's 可见区域/整页 choice, and the stitched image fetched back from the
companion and checked by its pixels: the page's height in device pixels, the sticky header and the
fixed bottom bar exactly once, every helper of the 助力记录 at its place, the user's scroll position
and the page's styles as they were."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest
from helpers import wait_for
from helpers.browser import (
    ExtensionBrowser,
    headed_extension_browser,
    mobile_extension_browser,
    static_server,
)
from helpers.companion_proc import start_companion, stop_companion
from PIL import Image

FIXTURES = Path(__file__).parent / "fixtures" / "fullpage"
SHOTS = Path("/tmp/shots-fullpage")
HEADER = (255, 0, 170)
BAR = (20, 120, 20)
pytestmark = pytest.mark.browser


def helper_colour(i: int) -> tuple[int, int, int]:
    """The swatch colour of helper ``i`` (tests/fixtures/fullpage/helpers.js)."""
    return ((37 * i) % 200 + 30, (91 * i) % 200 + 30, (53 * i + 100) % 200 + 30)


@pytest.fixture(scope="module")
def pages():
    with static_server(FIXTURES) as base:
        yield base


@pytest.fixture
def browser(playwright, tmp_path):
    b = mobile_extension_browser(playwright, tmp_path / "profile")
    yield b
    b.close()


def fetch(companion, url: str) -> bytes:
    req = urllib.request.Request(companion.url + url, headers={"Authorization": f"Bearer {companion.token}"})
    with urllib.request.urlopen(req, timeout=20) as resp:
        return resp.read()


FULL_PAGE_LINE = (
    "JSON.stringify([...document.querySelectorAll('#extras li')]"
    ".map(li => ({state: li.className, text: li.textContent}))"
    ".find(line => /整页/.test(line.text)) || {})"
)
# The newest capture's full-page line as the service worker recorded it (lib/extras.js).
STORED_LINE = (
    "chrome.storage.session.get('extras').then(r => {"
    " const e = Object.values(r.extras || {}).sort((a, b) => b.at - a.at)[0];"
    " return (e && e.lines.full_page) || {}; })"
)


def full_page_click(browser, page) -> tuple[dict, list[str]]:
    """A toolbar click with 整页 chosen; waits for the popup's full-page line (lib/extras.js) to
    settle. Returns the popup's final state and every full-page line it showed on the way."""
    popup = browser.click_toolbar_button(page)
    assert popup["state"] in ("ok", "queued"), popup
    seen: list[str] = []

    def settled():
        line = json.loads(browser.popup_eval(FULL_PAGE_LINE, page) or "{}")
        if line.get("text") and (not seen or seen[-1] != line["text"]):
            seen.append(line["text"])
        return line.get("state") if line.get("state") in ("saved", "queued", "failed") else None

    state = wait_for(settled, 90, interval=0.02, message="the full page to be saved")
    return {"state": state, "text": browser.popup_eval("document.body.innerText", page)}, seen


def stored_parts(companion, capture_id: str) -> tuple[list[dict], list[Image.Image]]:
    """The capture's full_page files from the companion, each checked against its SHA-256."""
    files = companion.api(f"/api/v1/captures/{capture_id}")["files"]
    assert files[0]["kind"] == "visible"
    parts = sorted((f for f in files if f["kind"] == "full_page"), key=lambda f: f["part"])
    images = []
    for f in parts:
        data = fetch(companion, f["url"])
        assert hashlib.sha256(data).hexdigest() == f["sha256"] and len(data) == f["size"]
        images.append(Image.open(io.BytesIO(data)).convert("RGB"))
    return parts, images


def stitched(images: list[Image.Image]) -> Image.Image:
    whole = Image.new("RGB", (images[0].width, sum(i.height for i in images)))
    y = 0
    for im in images:
        whole.paste(im, (0, y))
        y += im.height
    return whole


def rows_of(image: Image.Image, colour, x: int = 3) -> list[int]:
    px = image.load()
    return [y for y in range(image.height) if close(px[x, y], colour)]


def close(a, b, tolerance: int = 3) -> bool:
    return all(abs(p - q) <= tolerance for p, q in zip(a[:3], b, strict=True))


def swatches(page, scroller: str = "") -> list[tuple[int, int]]:
    """(x, y) of each helper swatch's centre in page coordinates (CSS px)."""
    return page.evaluate(
        """sel => {
          const box = sel ? document.querySelector(sel) : null;
          const origin = box ? box.getBoundingClientRect().top - box.scrollTop : -scrollY;
          return [...document.querySelectorAll('.swatch')].map(s => {
            const r = s.getBoundingClientRect();
            return [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2 - origin)];
          });
        }""",
        scroller,
    )


def check_helpers(image: Image.Image, centres, offset: int, scale: int) -> None:
    px = image.load()
    for i, (x, y) in enumerate(centres, start=1):
        got = px[x * scale, (y + offset) * scale]
        assert close(got, helper_colour(i)), (i, got, helper_colour(i))


def latest_capture(companion) -> str:
    [campaign] = companion.api("/api/v1/campaigns")["campaigns"]
    return companion.api(f"/api/v1/campaigns/{campaign['id']}")["captures"][-1]["id"]


def test_long_page_full_capture_has_header_once_and_every_helper(browser, companion, pages):
    assert "连接成功" in browser.pair(companion.url, companion.token)
    page = browser.ctx.new_page()
    page.goto(f"{pages}/long.html?goods_id=15")

    # The first click takes the visible area (the default); the user then picks 整页 in the popup.
    popup = browser.click_toolbar_button(page)
    assert popup["state"] == "ok" and "整页截图" not in popup["text"]
    browser.popup_eval("document.querySelector('input[value=full_page]').click(), 'ok'", page)
    assert wait_for(lambda: browser.storage("captureMode") == "full_page", message="the choice saved")
    assert "下次截图起会同时截取整页" in browser.popup_eval("document.body.innerText", page)
    first = latest_capture(companion)
    assert "full_page" not in [f["kind"] for f in companion.api(f"/api/v1/captures/{first}")["files"]]

    page.evaluate("window.scrollTo(0, 700)")
    height = page.evaluate("document.documentElement.scrollHeight")
    centres = swatches(page)
    popup, lines = full_page_click(browser, page)
    SHOTS.mkdir(exist_ok=True)
    browser.popup_screenshot(SHOTS / "popup-fullpage-saved.png", page)
    assert popup["state"] == "saved", popup
    assert "整页截图：已保存" in popup["text"] and "已存证" in popup["text"]
    assert any(line.startswith("正在截取整页（第 ") and "/4 屏）" in line for line in lines), lines

    capture_id = latest_capture(companion)
    assert capture_id != first
    parts, images = stored_parts(companion, capture_id)
    assert len(parts) == 1 and parts[0]["mime"] == "image/png"
    meta = parts[0]["meta"]
    assert meta["parts"] == 1 and meta["scroll_container"] == "document" and meta["device_pixel_ratio"] == 1
    image = images[0]
    image.save(SHOTS / "long-stitched.png")
    print(f"stitched {image.size}, page height {height}, {meta['screens']} screens")
    assert image.size == (390, height)
    # The sticky header once, at the top; the fixed bottom bar once, at the very bottom.
    assert rows_of(image, HEADER) == list(range(60))
    assert rows_of(image, BAR) == list(range(height - 50, height))
    check_helpers(image, centres, 0, 1)

    # The visible capture is unchanged (the viewport, as the click saw it) and was stored before
    # the full page even started: the click's POST is not delayed by it.
    record = companion.api(f"/api/v1/captures/{capture_id}")
    files = record["files"]
    started = datetime.fromisoformat(meta["started_at"].replace("Z", "+00:00"))
    assert datetime.fromisoformat(record["received_at"].replace("Z", "+00:00")) <= started
    visible = Image.open(io.BytesIO(fetch(companion, files[0]["url"])))
    assert visible.size == (390, 844)
    # The user's place and the page's own styles are back as they were.
    assert page.evaluate("scrollY") == 700
    assert page.evaluate("[hdr.getAttribute('style'), bar.getAttribute('style')]") == [None, None]


def test_page_that_scrolls_in_an_inner_box(browser, companion, pages):
    assert "连接成功" in browser.pair(companion.url, companion.token)
    browser.sw.evaluate("chrome.storage.local.set({captureMode: 'full_page'})")
    page = browser.ctx.new_page()
    page.goto(f"{pages}/inner.html?goods_id=16")
    page.evaluate("document.getElementById('main').scrollTop = 300")
    inner = page.evaluate("document.getElementById('main').scrollHeight")
    centres = swatches(page, "#main")
    popup, _ = full_page_click(browser, page)
    assert popup["state"] == "saved", popup

    parts, images = stored_parts(companion, latest_capture(companion))
    image = images[0]
    image.save(SHOTS / "inner-stitched.png")
    assert parts[0]["meta"]["scroll_container"] == "div#main"
    # The header above the box, the box's whole content, the bar below it: each once.
    assert image.size == (390, 80 + inner + 56)
    assert rows_of(image, HEADER, x=300) == list(range(80))
    assert rows_of(image, BAR, x=3) == list(range(80 + inner, 80 + inner + 56))
    check_helpers(image, centres, 80, 1)
    assert page.evaluate("[document.getElementById('main').scrollTop, scrollY]") == [300, 0]


def test_device_scale_two_and_a_page_too_tall_for_one_part(playwright, tmp_path, companion, pages):
    """At a device pixel ratio of 2 the stitched page is in device pixels; 400 helpers make it
    ~35,000 rows, so it is sent as three parts of at most 16,384 rows that join without a seam."""
    browser = ExtensionBrowser(
        playwright,
        tmp_path / "profile",
        extra_args=("--force-device-scale-factor=2",),
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    try:
        assert "连接成功" in browser.pair(companion.url, companion.token)
        browser.sw.evaluate("chrome.storage.local.set({captureMode: 'full_page'})")
        page = browser.ctx.new_page()
        page.goto(f"{pages}/long.html?goods_id=17&helpers=400")
        height = page.evaluate("document.documentElement.scrollHeight")
        centres = swatches(page)
        popup, lines = full_page_click(browser, page)
        assert popup["state"] == "saved", popup
        assert "整页截图：已保存（3 段）" in popup["text"]
        assert len(lines) > 10  # one progress line a screen

        parts, images = stored_parts(companion, latest_capture(companion))
        print("parts", [im.size for im in images], "page height", height, json.dumps(parts[0]["meta"]))
        assert [p["part"] for p in parts] == [0, 1, 2]
        assert all(im.width == 780 and im.height <= 16384 for im in images)
        assert all(p["meta"]["parts"] == 3 and p["meta"]["device_pixel_ratio"] == 2 for p in parts)
        image = stitched(images)
        assert image.height == 2 * height
        assert rows_of(image, HEADER) == list(range(120))
        assert rows_of(image, BAR) == list(range(2 * height - 100, 2 * height))
        check_helpers(image, centres, 0, 2)
    finally:
        browser.close()


def test_a_list_that_loads_more_while_scrolled_is_taken_whole(browser, companion, pages):
    """Lazy loading: two more batches of 20 helpers arrive as the capture nears the bottom; the page
    is measured again at each step, so the image ends with helper 70 and says the page grew."""
    assert "连接成功" in browser.pair(companion.url, companion.token)
    browser.sw.evaluate("chrome.storage.local.set({captureMode: 'full_page'})")
    page = browser.ctx.new_page()
    page.goto(f"{pages}/long.html?goods_id=22&lazy=2")
    before = page.evaluate("document.documentElement.scrollHeight")
    popup, _ = full_page_click(browser, page)
    assert popup["state"] == "saved", popup
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height == before + 2 * 20 * 40
    parts, images = stored_parts(companion, latest_capture(companion))
    assert parts[0]["meta"]["page_grew"] is True and parts[0]["meta"]["truncated"] is False
    assert images[0].size == (390, height)
    centres = swatches(page)
    assert len(centres) == 70
    check_helpers(images[0], centres, 0, 1)
    assert rows_of(images[0], HEADER) == list(range(60))
    assert rows_of(images[0], BAR) == list(range(height - 50, height))


def test_a_page_the_browser_keeps_scripts_from_says_why_in_chinese(browser, companion):
    assert "连接成功" in browser.pair(companion.url, companion.token)
    browser.sw.evaluate("chrome.storage.local.set({captureMode: 'full_page'})")
    page = browser.ctx.new_page()
    page.goto("chrome://version")
    popup, _ = full_page_click(browser, page)
    assert popup["state"] == "failed", popup
    assert "已存证" in popup["text"]
    assert "整页截图：未保存。浏览器不允许在这个页面上运行扩展的脚本" in popup["text"]
    assert "Cannot" not in popup["text"] and "chrome://" not in popup["text"]


def full_page_status(browser) -> dict:
    return browser.sw.evaluate(STORED_LINE)


def test_companion_down_full_page_waits_and_follows_its_capture(browser, tmp_path, pages):
    comp = start_companion(tmp_path / "data")
    port = int(comp.url.rsplit(":", 1)[1])
    assert "连接成功" in browser.pair(comp.url, comp.token)
    stop_companion(comp)
    browser.sw.evaluate("chrome.storage.local.set({captureMode: 'full_page'})")
    page = browser.ctx.new_page()
    page.goto(f"{pages}/long.html?goods_id=18")
    height = page.evaluate("document.documentElement.scrollHeight")
    popup, _ = full_page_click(browser, page)
    assert popup["state"] == "queued", popup
    assert "整页截图：已暂存在扩展中" in popup["text"] and "自动补传" in popup["text"]

    comp = start_companion(tmp_path / "data", port=port)
    try:
        assert "补传了 1 张" in browser.pair(comp.url, comp.token)  # saving the settings flushes the queue
        wait_for(lambda: comp.api("/api/v1/campaigns")["campaigns"], message="the queued capture")
        capture_id = latest_capture(comp)
        wait_for(
            lambda: "full_page" in [f["kind"] for f in comp.api(f"/api/v1/captures/{capture_id}")["files"]],
            30,
            message="the queued full page",
        )
        _, images = stored_parts(comp, capture_id)
        assert images[0].size == (390, height)
    finally:
        stop_companion(comp)


def test_switching_tabs_mid_capture_stops_it_and_puts_the_page_back(browser, companion, pages):
    assert "连接成功" in browser.pair(companion.url, companion.token)
    browser.sw.evaluate("chrome.storage.local.set({captureMode: 'full_page'})")
    page = browser.ctx.new_page()
    page.goto(f"{pages}/long.html?goods_id=19&helpers=200")
    page.evaluate("window.scrollTo(0, 400)")
    popup = browser.click_toolbar_button(page)
    assert popup["state"] == "ok", popup
    wait_for(
        lambda: re.search(r"第 ([2-9]|\d\d)/", full_page_status(browser).get("text", "")),
        30,
        message="screen 2",
    )
    other = browser.ctx.new_page()
    other.goto(f"{pages}/inner.html")
    other.bring_to_front()
    status = wait_for(
        lambda: (s := full_page_status(browser)).get("state") not in (None, "saving") and s,
        30,
        message="the full page to stop",
    )
    assert status["state"] == "failed", status
    assert "整页截图：未保存。" in status["text"]
    assert "切换了标签页" in status["text"] and "可见区域截图已保存" in status["text"]
    assert page.evaluate("scrollY") == 400
    assert page.evaluate("[hdr.getAttribute('style'), bar.getAttribute('style')]") == [None, None]
    files = companion.api(f"/api/v1/captures/{latest_capture(companion)}")["files"]
    assert "full_page" not in [f["kind"] for f in files]


@pytest.fixture
def display():
    from helpers.xdisplay import xvfb_display

    yield from xvfb_display()


@pytest.mark.skipif(not (shutil.which("Xvfb") and shutil.which("xdotool")), reason="needs Xvfb and xdotool")
def test_shortcut_uses_the_last_choice(playwright, companion, tmp_path, pages, display):
    from helpers.xdisplay import press_shortcut_until

    browser = headed_extension_browser(playwright, tmp_path / "profile", display)
    try:
        assert "连接成功" in browser.pair(companion.url, companion.token)
        browser.sw.evaluate("chrome.storage.local.set({captureMode: 'full_page'})")
        page = browser.ctx.new_page()
        page.goto(f"{pages}/long.html?goods_id=20")
        page.bring_to_front()
        height = page.evaluate("document.documentElement.scrollHeight")
        press_shortcut_until(display, page.title(), lambda: companion.api("/api/v1/campaigns")["campaigns"])
        capture_id = latest_capture(companion)
        wait_for(
            lambda: (
                "full_page" in [f["kind"] for f in companion.api(f"/api/v1/captures/{capture_id}")["files"]]
            ),
            30,
            message="the full page of the shortcut's capture",
        )
        _, images = stored_parts(companion, capture_id)
        assert images[0].size == (800, height)
        assert rows_of(images[0], HEADER) == list(range(60))
    finally:
        browser.close()
