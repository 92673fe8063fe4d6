"""The keyboard shortcut captures without opening anything (needs a real X display: Xvfb + xdotool,
because Playwright's synthetic key presses never reach chrome.commands)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from browser import ExtensionBrowser, static_server
from conftest import wait_for
from test_e2e_capture import api

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (shutil.which("Xvfb") and shutil.which("xdotool")), reason="needs Xvfb and xdotool"
    ),
]


@pytest.fixture
def display(tmp_path):
    """A private Xvfb display; -displayfd tells us its number once it is ready (no guessing)."""
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=[write_fd],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as fh:
        number = fh.readline().strip()
    yield f":{number}"
    proc.terminate()
    proc.wait(10)


def test_shortcut_captures_without_popup(playwright, companion, display, tmp_path):
    browser = ExtensionBrowser(
        playwright,
        tmp_path / "profile",
        headless=False,
        env={**os.environ, "DISPLAY": display},
        viewport={"width": 800, "height": 600},
    )
    try:
        assert "连接成功" in browser.pair(companion.url, companion.token)
        with static_server(FIXTURES / "e2e") as base:
            page = browser.ctx.new_page()
            page.goto(f"{base}/bargain.html?goods_id=42")
            page.bring_to_front()
            page.click("body")  # focus the page so the window receives the key
            subprocess.run(
                ["xdotool", "key", "--clearmodifiers", "alt+shift+y"],
                check=True,
                env={**os.environ, "DISPLAY": display},
            )
            campaigns = wait_for(
                lambda: api(companion, "/api/v1/campaigns")["campaigns"], message="a capture"
            )
        assert campaigns[0]["identity"].endswith("bargain.html?goods_id=42")
        assert campaigns[0]["capture_count"] == 1
        assert not any(t["url"].endswith("/popup.html") for t in browser.targets())
    finally:
        browser.close()
