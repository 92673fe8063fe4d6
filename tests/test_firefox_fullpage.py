"""The full page in Firefox (#15): firefox-esr shown on a private Xvfb display, driven over WebDriver
BiDi, the capture started by the real keyboard shortcut (BiDi cannot click the toolbar; a command
grants activeTab like a click). With only activeTab Firefox offers no `tabs.captureTab` (its schema
asks for <all_urls>), so the page is scrolled and stitched as in Chromium, with captureVisibleTab;
the stitched image is fetched back from the companion and checked by its pixels."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import shutil
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers.browser import static_server
from helpers.firefox import EXTENSION_UUID, FIREFOX, Bidi, firefox_session
from PIL import Image

FIXTURES = Path(__file__).parent / "fixtures" / "fullpage"
HEADER = (255, 0, 170)
BAR = (20, 120, 20)
# The newest capture's full-page line as the extension recorded it (lib/extras.js).
STATUS = (
    "chrome.storage.session.get('extras').then(r => {"
    " const e = Object.values(r.extras || {}).sort((a, b) => b.at - a.at)[0];"
    " return JSON.stringify((e && e.lines.full_page) || {}); })"
)
AFTER = "JSON.stringify([scrollY, hdr.getAttribute('style'), bar.getAttribute('style')])"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (FIREFOX and shutil.which("Xvfb") and shutil.which("xdotool")),
        reason="needs firefox-esr, Xvfb and xdotool",
    ),
]


@pytest.fixture
def display():
    from helpers.xdisplay import xvfb_display

    yield from xvfb_display()


async def _shortcut_capture(url: str, page_url: str, companion, display: str) -> dict:
    import websockets
    from helpers.xdisplay import xdo

    base = f"moz-extension://{EXTENSION_UUID}"
    async with websockets.connect(url, max_size=None) as ws:
        bidi = Bidi(ws)
        page = await bidi.start_with_extension()
        ext = await bidi.new_tab(f"{base}/options.html")
        settings = {"companion": {"url": companion.url, "token": companion.token}, "captureMode": "full_page"}
        await bidi.evaluate(ext, f"chrome.storage.local.set({json.dumps(settings)}).then(() => 'set')", True)
        await bidi.navigate(page, page_url)
        await bidi.send("browsingContext.activate", {"context": page})
        await bidi.evaluate(page, "window.scrollTo(0, 500), 'ok'")
        measured = json.loads(
            await bidi.evaluate(page, "JSON.stringify([innerWidth, document.documentElement.scrollHeight])")
        )
        title = await bidi.evaluate(page, "document.title")
        window = xdo(display, "search", "--sync", "--onlyvisible", "--name", title).split()[0]
        status: dict = {}
        for _ in range(3):  # a key sent before the window is mapped is lost: press again
            xdo(display, "windowfocus", "--sync", window)
            xdo(display, "key", "--clearmodifiers", "alt+shift+y")
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                status = json.loads(await bidi.evaluate(ext, STATUS, True))
                if status.get("state") not in (None, "saving"):
                    break
                await asyncio.sleep(0.2)
            if status:
                break
        after = json.loads(await bidi.evaluate(page, AFTER))
        await bidi.send("session.end", {})
        return {"status": status, "width": measured[0], "height": measured[1], "after": after}


def test_firefox_full_page_by_shortcut(companion, display, tmp_path):
    with (
        static_server(FIXTURES) as base,
        firefox_session(tmp_path, display=display) as url,
        ThreadPoolExecutor(1) as pool,
    ):
        run = _shortcut_capture(url, f"{base}/long.html?goods_id=21", companion, display)
        seen = pool.submit(asyncio.run, run).result()
    assert seen["status"].get("state") == "saved", (seen, companion.api("/api/v1/campaigns"))
    assert seen["after"] == [500, None, None]  # scroll position and styles put back
    [campaign] = companion.api("/api/v1/campaigns")["campaigns"]
    capture_id = companion.api(f"/api/v1/campaigns/{campaign['id']}")["captures"][-1]["id"]
    [full] = [f for f in companion.api(f"/api/v1/captures/{capture_id}")["files"] if f["kind"] == "full_page"]
    req = urllib.request.Request(
        companion.url + full["url"], headers={"Authorization": f"Bearer {companion.token}"}
    )
    with urllib.request.urlopen(req, timeout=20) as resp:
        data = resp.read()
    assert hashlib.sha256(data).hexdigest() == full["sha256"]
    image = Image.open(io.BytesIO(data)).convert("RGB")
    print(f"Firefox stitched {image.size} from {full['meta']['screens']} screens")
    assert image.size == (seen["width"], seen["height"])
    px = image.load()
    header = [y for y in range(image.height) if px[3, y] == HEADER]
    bar = [y for y in range(image.height) if px[3, y] == BAR]
    assert header == list(range(60))
    assert bar == list(range(image.height - 50, image.height))
