"""Firefox loads the same extension tree, and the page reader gives the same figures in Gecko.

Driven over WebDriver BiDi (no geckodriver needed): firefox-esr --remote-debugging-port.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import EXTENSION_DIR, wait_for
from helpers.browser import static_server

FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not FIREFOX and not os.environ.get("CI"), reason="needs firefox-esr (CI must have it)"
    ),
]
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def firefox(tmp_path):
    """Headless Firefox on a free port; yields the BiDi WebSocket URL it announces in its log.

    Its stderr goes to a file (polled with a deadline): Firefox's child processes inherit the
    descriptor, so a pipe could outlive the parent and a reader thread would race the teardown.
    """
    log_path = tmp_path / "firefox.log"
    profile = tmp_path / "profile"
    profile.mkdir()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [FIREFOX, "--headless", "--no-remote", "--profile", str(profile), "--remote-debugging-port=0"],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )

    def announced():
        m = re.search(r"WebDriver BiDi listening on (ws://\S+)", log_path.read_text(errors="replace"))
        return m.group(1) if m else (proc.poll() is not None and "exited")

    try:
        url = wait_for(announced, timeout=60, interval=0.1, message="Firefox's WebDriver BiDi address")
        if url == "exited":
            pytest.fail(f"Firefox exited early:\n{log_path.read_text(errors='replace')[-2000:]}")
        yield url.rstrip("/") + "/session"
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


class Bidi:
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0

    async def send(self, method: str, params: dict) -> dict:
        self.next_id += 1
        msg_id = self.next_id
        await self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            reply = json.loads(await asyncio.wait_for(self.ws.recv(), 30))
            if reply.get("id") == msg_id:
                if reply.get("type") == "error":
                    raise AssertionError(f"{method}: {reply.get('error')}: {reply.get('message')}")
                return reply["result"]


async def _run(url: str, page_url: str) -> tuple[dict, dict]:
    import websockets

    async with websockets.connect(url, max_size=None) as ws:
        bidi = Bidi(ws)
        await bidi.send("session.new", {"capabilities": {}})
        installed = await bidi.send(
            "webExtension.install", {"extensionData": {"type": "path", "path": str(EXTENSION_DIR)}}
        )
        tree = await bidi.send("browsingContext.getTree", {})
        context = tree["contexts"][0]["context"]
        await bidi.send("browsingContext.navigate", {"context": context, "url": page_url, "wait": "complete"})
        reader = (EXTENSION_DIR / "content/reader.js").read_text(encoding="utf-8")
        await bidi.send(
            "script.evaluate", {"expression": reader, "target": {"context": context}, "awaitPromise": False}
        )
        result = await bidi.send(
            "script.evaluate",
            {
                "expression": "JSON.stringify(BargainWitnessReader.readFacts(document))",
                "target": {"context": context},
                "awaitPromise": False,
            },
        )
        await bidi.send("session.end", {})
        return installed, json.loads(result["result"]["value"])


def test_firefox_installs_extension_and_reads_the_page(firefox):
    # Its own thread and event loop: Playwright's sync driver may already run a loop in this one.
    with static_server(FIXTURES / "e2e") as base, ThreadPoolExecutor(1) as pool:
        run = _run(firefox, f"{base}/bargain.html?goods_id=5")
        installed, facts = pool.submit(asyncio.run, run).result()
    manifest = json.loads((EXTENSION_DIR / "manifest.json").read_text(encoding="utf-8"))
    assert installed["extension"] == manifest["browser_specific_settings"]["gecko"]["id"]
    assert facts["cut_amount"] == 98.76 and facts["remaining_amount"] == 0.52
    assert facts["cut_percent"] == 99.4 and facts["helper_count"] == 3
    assert [h["name"] for h in facts["helpers"]] == ["小明", "阿花", "老王"]
