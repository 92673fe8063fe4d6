"""Firefox loads the same extension tree, and the page reader gives the same figures in Gecko.

Driven over WebDriver BiDi (no geckodriver needed): firefox-esr --remote-debugging-port.
"""

from __future__ import annotations

import asyncio
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import EXTENSION_DIR, READER_FILES
from helpers.browser import static_server
from helpers.firefox import FIREFOX, Bidi, firefox_session

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not FIREFOX and not os.environ.get("CI"), reason="needs firefox-esr (CI must have it)"
    ),
]
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def firefox(tmp_path):
    with firefox_session(tmp_path) as url:
        yield url


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
        reader = "\n".join(path.read_text(encoding="utf-8") for path in READER_FILES)
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


async def _pair(url: str, companion) -> dict:
    """Firefox's options page asks to pair, the dashboard (in another Firefox tab, through a one-time
    link) confirms the same code, then the extension's own client posts a capture; revoke; again."""
    import websockets
    from helpers import capture_payload
    from helpers.firefox import EXTENSION_UUID

    base = f"moz-extension://{EXTENSION_UUID}"
    async with websockets.connect(url, max_size=None) as ws:
        bidi = Bidi(ws)
        options = await bidi.start_with_extension()
        await bidi.navigate(options, f"{base}/options.html")
        await bidi.wait_until(options, "!document.getElementById('settings-fields').disabled")
        await bidi.evaluate(
            options,
            f"document.getElementById('url').value = {json.dumps(companion.url)}; "
            "document.getElementById('pair').click(); 'asked'",
        )
        code = await bidi.wait_until(options, "document.body.dataset.pairCode || ''")

        dashboard = await bidi.new_tab(companion.session_link("/settings"))
        await bidi.wait_until(
            dashboard, "location.pathname === '/settings' && document.readyState === 'complete'"
        )
        shown = await bidi.evaluate(
            dashboard, f"document.querySelector('li.pairing-request[data-code=\"{code}\"]')?.innerText || ''"
        )
        await bidi.evaluate(
            dashboard,
            f"document.querySelector('li.pairing-request[data-code=\"{code}\"] .confirm-pairing').click()",
        )
        paired = await bidi.wait_until(
            options, "document.body.dataset.result && document.getElementById('result').textContent"
        )

        post = (
            "(async () => { const m = await import('" + base + "/lib/companion.js');"
            " const s = await import('" + base + "/lib/settings.js');"
            " try { const r = await m.postCapture(await s.loadSettings(), PAYLOAD);"
            " return JSON.stringify({ok: true, status: r.status}); }"
            " catch (e) { return JSON.stringify({ok: false, message: e.message}); } })()"
        )
        first = await bidi.evaluate(
            options, post.replace("PAYLOAD", json.dumps(capture_payload(seed=1))), True
        )
        await bidi.navigate(dashboard, f"{companion.url}/settings")
        listed = await bidi.evaluate(
            dashboard,
            f"document.querySelector('tr.paired-browser[data-origin=\"{base}\"] .last-capture')?.innerText",
        )
        await bidi.evaluate(
            dashboard,
            f"document.querySelector('tr.paired-browser[data-origin=\"{base}\"] button.revoke').click()",
        )
        await bidi.wait_until(
            dashboard, "location.hash === '#browsers' && document.readyState === 'complete'"
        )
        second = await bidi.evaluate(
            options, post.replace("PAYLOAD", json.dumps(capture_payload(seed=2))), True
        )
        await bidi.send("session.end", {})
        return {
            "code": code,
            "shown": shown,
            "paired": paired,
            "first": json.loads(first),
            "listed": listed,
            "second": json.loads(second),
        }


def test_firefox_pairs_by_code_captures_and_is_told_when_revoked(firefox, companion):
    from helpers.firefox import EXTENSION_UUID

    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(asyncio.run, _pair(firefox, companion)).result()
    assert seen["code"] in seen["shown"] and "Firefox" in seen["shown"]
    assert "配对成功" in seen["paired"] and "连接成功" in seen["paired"], seen
    assert seen["first"] == {"ok": True, "status": 201}, seen
    assert seen["listed"] and seen["listed"] != "从未", seen
    assert not seen["second"]["ok"] and "配对已撤销" in seen["second"]["message"], seen
    # The pairing was bound to this install's own moz-extension origin.
    [row] = companion.api("/api/v1/campaigns")["campaigns"]
    assert row["capture_count"] == 1
    import sqlite3

    with sqlite3.connect(companion.data_dir / "bargain-witness.sqlite3") as conn:
        origins = conn.execute("SELECT origin, via, revoked_at IS NOT NULL FROM paired_browsers").fetchall()
    assert origins == [(f"moz-extension://{EXTENSION_UUID}", "code", 1)]
