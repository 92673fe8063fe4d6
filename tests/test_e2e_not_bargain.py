"""A page that is not a bargain page (docs/reader.md, "Not a bargain page"), end to end: Debian's
Chromium, the real extension, real toolbar clicks and the real keyboard shortcut, the companion as a
subprocess. The popup asks before archiving such a page and nothing is sent until the user says
「仍然存证」; the shortcut leaves it unarchived and says why on the button; a real bargain page is
never asked about."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import wait_for
from helpers.browser import (
    headed_extension_browser,
    mobile_extension_browser,
    static_server,
)
from helpers.xdisplay import press_shortcut_until, xvfb_display

PAGES = Path(__file__).parent / "fixtures" / "pages"
E2E = Path(__file__).parent / "fixtures" / "e2e"
NOT_BARGAIN = json.loads((PAGES / "not_bargain.json").read_text(encoding="utf-8"))
pytestmark = pytest.mark.browser


def outbox_count(browser) -> int:
    """What the extension has queued (lib/outbox.js's IndexedDB store), read in the service worker:
    asking through an extension page would move the focus and close the popup."""
    return browser.sw.evaluate(
        """async () => {
             if (!(await indexedDB.databases()).some(d => d.name === "bargain-witness")) return 0;
             const db = await new Promise((ok, no) => {
               const r = indexedDB.open("bargain-witness");
               r.onsuccess = () => ok(r.result);
               r.onerror = () => no(r.error);
             });
             try {
               if (!db.objectStoreNames.contains("outbox")) return 0;
               return await new Promise((ok, no) => {
                 const c = db.transaction("outbox").objectStore("outbox").count();
                 c.onsuccess = () => ok(c.result);
                 c.onerror = () => no(c.error);
               });
             } finally {
               db.close();
             }
           }"""
    )


def tab_badge(browser, page) -> dict:
    return browser.sw.evaluate(
        """url => chrome.tabs.query({}).then(ts => ts.find(t => t.url === url)).then(t => Promise.all([
             chrome.action.getBadgeText({tabId: t.id}), chrome.action.getTitle({tabId: t.id})]))
           .then(([text, title]) => ({text, title}))""",
        page.url,
    )


@pytest.fixture
def browser(playwright, tmp_path):
    b = mobile_extension_browser(playwright, tmp_path / "profile")
    yield b
    b.close()


@pytest.fixture(scope="module")
def pages():
    with static_server(PAGES) as base:
        yield base


def test_popup_asks_and_sends_nothing_until_the_user_confirms(browser, companion, pages):
    assert "连接成功" in browser.pair(companion.url, companion.token)
    page = browser.ctx.new_page()
    page.goto(f"{pages}/mobile_shop_page.html?mall_id=42")

    popup = browser.click_toolbar_button(page)
    assert popup["state"] == "ask", popup
    assert "这个页面看起来不是砍价页面" in popup["text"]
    assert "店铺" in popup["text"] and "「旗舰店」" in popup["text"]  # the reasons, in Chinese
    assert "仍然存证" in popup["text"] and "取消" in popup["text"]
    assert "已存证" not in popup["text"]
    # The service worker answered the popup without sending or queueing anything.
    assert companion.api("/api/v1/campaigns")["campaigns"] == []
    assert outbox_count(browser) == 0

    browser.popup_eval("document.getElementById('ask-confirm').click(); 'clicked'", page)
    state = wait_for(
        lambda: (
            browser.popup_eval("document.body.dataset.state || ''", page) in ("ok", "queued", "error")
            and browser.popup_eval("document.body.dataset.state", page)
        ),
        message="the popup to show the confirmed capture",
    )
    text = browser.popup_eval("document.body.innerText", page)
    assert state == "ok", text
    assert "已存证" in text and "按你的确认存证" in text

    # Archived normally, as a screenshot without bargain figures (a coupon's 还差¥59.10 is not one).
    [campaign] = companion.api("/api/v1/campaigns")["campaigns"]
    assert campaign["capture_count"] == 1 and campaign["identity"].endswith(
        "mobile_shop_page.html?mall_id=42"
    )
    detail = companion.api(f"/api/v1/campaigns/{campaign['id']}")
    [capture] = detail["captures"]
    assert companion.api(f"/api/v1/captures/{capture['id']}")["facts"] == {}
    [reading] = detail["readings"]
    assert reading.get("remaining_amount") is None and reading.get("countdown_seconds") is None


def test_cancel_archives_nothing_and_closes_the_popup(browser, companion, pages):
    assert "连接成功" in browser.pair(companion.url, companion.token)
    page = browser.ctx.new_page()
    page.goto(f"{pages}/mobile_order_list.html")
    popup = browser.click_toolbar_button(page)
    assert popup["state"] == "ask", popup
    assert "订单列表" in popup["text"]

    browser.popup_eval("document.getElementById('ask-cancel').click(); 'clicked'", page)
    wait_for(
        lambda: not any(t["url"].endswith("/popup.html") for t in browser.targets()),
        message="the popup to close",
    )
    assert companion.api("/api/v1/campaigns")["campaigns"] == []
    assert outbox_count(browser) == 0


def test_a_bargain_page_is_never_asked_about(browser, companion, pages):
    """Every bargain fixture (and the e2e pages) is archived on the first click, no question."""
    assert "连接成功" in browser.pair(companion.url, companion.token)
    names = sorted(p.name for p in PAGES.glob("*.html") if p.name not in NOT_BARGAIN)
    page = browser.ctx.new_page()
    with static_server(E2E) as e2e:
        urls = [f"{pages}/{name}" for name in names] + [f"{e2e}/bargain.html", f"{e2e}/stall.html"]
        for url in urls:
            page.goto(url)
            popup = browser.click_toolbar_button(page)
            assert popup["state"] == "ok", (url, popup)
            assert "已存证" in popup["text"] and "不是砍价页面" not in popup["text"], url
    campaigns = companion.api("/api/v1/campaigns")["campaigns"]
    assert len(campaigns) == len(urls)


# ------------------------------------------------------------------ the keyboard shortcut


@pytest.fixture
def display():
    if not (shutil.which("Xvfb") and shutil.which("xdotool")):
        pytest.skip("needs Xvfb and xdotool")
    yield from xvfb_display()


def test_shortcut_leaves_a_page_that_is_not_a_bargain_unarchived_and_says_why(
    playwright, companion, display, tmp_path, pages
):
    browser = headed_extension_browser(playwright, tmp_path / "profile", display)
    try:
        assert "连接成功" in browser.pair(companion.url, companion.token)
        page = browser.ctx.new_page()
        page.goto(f"{pages}/desktop_product_page.html?goods_id=9")
        page.bring_to_front()
        badge = press_shortcut_until(
            display, page.title(), lambda: (b := tab_badge(browser, page))["text"] == "未存" and b
        )
        assert "这个页面看起来不是砍价页面" in badge["title"] and "商品页面" in badge["title"]
        assert "仍然存证" in badge["title"]  # how to archive it anyway
        assert not any(t["url"].endswith("/popup.html") for t in browser.targets())
        assert companion.api("/api/v1/campaigns")["campaigns"] == []
        assert outbox_count(browser) == 0
    finally:
        browser.close()
