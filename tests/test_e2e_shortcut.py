"""The keyboard shortcut captures without opening anything (needs a real X display: Xvfb + xdotool,
because Playwright's synthetic key presses never reach chrome.commands)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import wait_for
from helpers.browser import ExtensionBrowser, static_server

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


def xdo(display: str, *args: str) -> str:
    env = {**os.environ, "DISPLAY": display}
    return subprocess.run(
        ["xdotool", *args], check=True, env=env, capture_output=True, text=True, timeout=30
    ).stdout


def press_shortcut_until_captured(display: str, title: str, companion, attempts: int = 3):
    """Focus Chromium's window (there is no window manager to do it) and press Alt+Shift+Y.

    X delivers keys to the focused window only; under load the window may not be mapped yet when
    the first key goes out, so a press that provably produced nothing is repeated.
    """
    window = xdo(display, "search", "--sync", "--onlyvisible", "--name", title).split()[0]
    for attempt in range(attempts):
        xdo(display, "windowfocus", "--sync", window)
        xdo(display, "key", "--clearmodifiers", "alt+shift+y")
        try:
            return wait_for(
                lambda: companion.api("/api/v1/campaigns")["campaigns"], timeout=10, message="a capture"
            )
        except AssertionError:
            if attempt == attempts - 1:
                raise
    return []


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
            campaigns = press_shortcut_until_captured(display, page.title(), companion)
        assert campaigns[0]["identity"].endswith("bargain.html?goods_id=42")
        assert campaigns[0]["capture_count"] >= 1
        assert not any(t["url"].endswith("/popup.html") for t in browser.targets())
    finally:
        browser.close()
