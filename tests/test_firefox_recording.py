"""Firefox has no tab capture (issue #15, docs/recording.md): the real popup, opened in Firefox for
a bargain page, says so in Chinese instead of offering a recording button that cannot work."""

from __future__ import annotations

import asyncio
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers.browser import static_server
from helpers.firefox import EXTENSION_UUID, FIREFOX, Bidi, firefox_session

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not FIREFOX and not os.environ.get("CI"), reason="needs firefox-esr (CI must have it)"
    ),
]
FIXTURES = Path(__file__).parent / "fixtures"
SENTENCE = "Firefox 不支持录制标签页，请在 Chrome 或 Edge 中录屏。"


async def _popup_record_section(url: str, page_url: str) -> dict:
    import websockets

    base = f"moz-extension://{EXTENSION_UUID}"
    async with websockets.connect(url, max_size=None) as ws:
        bidi = Bidi(ws)
        page = await bidi.start_with_extension()
        await bidi.navigate(page, page_url)
        options = await bidi.new_tab(f"{base}/options.html")
        tab_id = await bidi.evaluate(
            options,
            "browser.tabs.query({}).then((tabs) => tabs.find((t) => t.url.includes('bargain.html')).id)",
            True,
        )
        # The popup as a page aimed at the bargain tab (popup.html?tabId=N), as the Chromium tests do.
        popup = await bidi.new_tab(f"{base}/popup.html?tabId={tab_id}")
        await bidi.wait_until(popup, "document.body.dataset.recording || ''")
        shown = await bidi.evaluate(
            popup,
            "JSON.stringify({state: document.body.dataset.recording, "
            "section: !document.getElementById('record').hidden, "
            "text: document.getElementById('record-status').textContent, "
            "buttons: document.querySelectorAll('#record button').length})",
        )
        await bidi.send("session.end", {})
        return json.loads(shown)


@pytest.fixture
def firefox(tmp_path):
    with firefox_session(tmp_path) as url:
        yield url


def test_firefox_popup_says_recording_needs_chrome_or_edge(firefox):
    with static_server(FIXTURES / "e2e") as base, ThreadPoolExecutor(1) as pool:
        run = _popup_record_section(firefox, f"{base}/bargain.html?goods_id=8")
        shown = pool.submit(asyncio.run, run).result()
    assert shown == {"state": "unsupported", "section": True, "text": SENTENCE, "buttons": 0}
