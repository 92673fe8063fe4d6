"""Pairing end to end in Debian's Chromium (#11): the options page asks and shows a code, the
dashboard shows the same code, the user confirms there, the extension captures; the popup's
dashboard link opens a session; revoking in the settings page makes the extension say
「配对已撤销」. Screenshots go to test-artifacts/ (and $BW_SHOTS when set)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import ROOT, wait_for
from helpers.browser import ExtensionBrowser, static_server

FIXTURES = Path(__file__).parent / "fixtures"
SHOTS = Path(os.environ.get("BW_SHOTS") or ROOT / "test-artifacts")
pytestmark = pytest.mark.browser


@pytest.fixture
def browser(playwright, tmp_path):
    b = ExtensionBrowser(playwright, tmp_path / "profile", viewport={"width": 1366, "height": 768})
    yield b
    b.close()


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1366, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{width}x{height}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (name, width)
    page.set_viewport_size({"width": 1366, "height": 768})


def test_pairing_by_code_capture_dashboard_link_and_revoke(browser, companion):
    options, code = browser.request_pairing(companion.url)
    assert code and len(code) == 6 and code in options.inner_text("#pair-box")
    _shot(options, "pairing-options-code")

    # The dashboard (a session opened the way `serve`'s link does) shows the same code.
    dashboard = companion.login(browser.ctx, "/settings")
    request = dashboard.locator(f'li.pairing-request[data-code="{code}"]')
    assert request.count() == 1 and browser.ext_id in request.inner_text()
    _shot(dashboard, "pairing-dashboard-pending")
    request.locator("button.confirm-pairing").click()
    dashboard.wait_for_url(f"{companion.url}/settings#browsers")
    assert "配对成功" in browser.pairing_result(options) and "连接成功" in options.inner_text("#result")
    token = browser.storage("companion")["token"]
    assert token and token != companion.token  # its own token, not the legacy one

    with static_server(FIXTURES / "e2e") as pages:
        page = browser.ctx.new_page()
        page.goto(f"{pages}/bargain.html?goods_id=4242")
        popup = browser.click_toolbar_button(page)
        assert popup["state"] == "ok", popup

        # The popup's dashboard link opens the campaign with a fresh session (one-time link).
        before = set(browser.ctx.pages)
        browser.popup_eval("document.getElementById('dashboard-link').click(), 'clicked'", page)

        def dashboard_tab():
            page.wait_for_timeout(50)  # lets Playwright take in the new tab's events
            return next((p for p in browser.ctx.pages if p not in before and "/campaigns/" in p.url), None)

        opened = wait_for(dashboard_tab, timeout=15, message="the dashboard tab the popup opens")
        opened.wait_for_load_state()
        assert opened.locator("h1").count() == 1 and "一次性链接" not in opened.content()

        dashboard.goto(f"{companion.url}/settings")
        row = dashboard.locator(f'tr.paired-browser[data-origin="chrome-extension://{browser.ext_id}"]')
        assert row.count() == 1 and row.locator(".last-capture").inner_text() != "从未"
        _shot(dashboard, "pairing-dashboard-browsers")

        # Revoke: the next capture is refused and the popup says why, in Chinese.
        row.locator("button.revoke").click()
        dashboard.wait_for_url(f"{companion.url}/settings#browsers")
        assert dashboard.locator("tr.paired-browser").count() == 0
        page.bring_to_front()
        refused = browser.click_toolbar_button(page)
        assert refused["state"] != "ok" and "配对已撤销" in refused["text"], refused

    # The options page checks the connection as soon as it opens (#12): it says so too.
    again = browser.ctx.new_page()
    again.goto(browser.ext_url("options.html"))
    again.wait_for_selector("body[data-connection]", state="attached")
    assert "配对已撤销" in again.inner_text("#connection")
    _shot(again, "pairing-options-revoked")


def test_a_page_without_session_explains_how_to_open_the_dashboard(playwright, companion):
    from helpers import launch_chromium

    chromium = launch_chromium(playwright)
    try:
        page = chromium.new_page(viewport={"width": 1366, "height": 768})
        page.goto(companion.url + "/")
        assert "请从你的链接打开控制台" in page.inner_text("h1")
        _shot(page, "session-needed")
        used = companion.dashboard_link  # the one `serve` printed
        page.goto(used)
        page.wait_for_url(companion.url + "/")
        assert page.inner_text("h1") == "我的砍价"
        other = chromium.new_page()
        other.goto(used)  # the same link again (a new page is a new context: no cookie): refused
        assert "已经用过或已过期" in other.content()
    finally:
        chromium.close()
