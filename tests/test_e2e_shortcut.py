"""The keyboard shortcut captures without opening anything (needs a real X display: Xvfb + xdotool,
because Playwright's synthetic key presses never reach chrome.commands)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers.browser import headed_extension_browser, static_server
from helpers.xdisplay import press_shortcut_until, xvfb_display

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (shutil.which("Xvfb") and shutil.which("xdotool")), reason="needs Xvfb and xdotool"
    ),
]


@pytest.fixture
def display():
    yield from xvfb_display()


def test_shortcut_captures_without_popup(playwright, companion, display, tmp_path):
    browser = headed_extension_browser(playwright, tmp_path / "profile", display)
    try:
        assert "连接成功" in browser.pair(companion.url, companion.token)
        with static_server(FIXTURES / "e2e") as base:
            page = browser.ctx.new_page()
            page.goto(f"{base}/bargain.html?goods_id=42")
            page.bring_to_front()
            campaigns = press_shortcut_until(
                display, page.title(), lambda: companion.api("/api/v1/campaigns")["campaigns"]
            )
        assert campaigns[0]["identity"].endswith("bargain.html?goods_id=42")
        assert campaigns[0]["capture_count"] >= 1
        assert not any(t["url"].endswith("/popup.html") for t in browser.targets())
    finally:
        browser.close()
