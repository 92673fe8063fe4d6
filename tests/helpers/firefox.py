"""Firefox (firefox-esr) driven over WebDriver BiDi, no geckodriver: start it headless on a free
port (``firefox_session``), then talk to it with ``Bidi`` from an asyncio loop of its own thread
(Playwright's sync driver may already run a loop in the test's thread).

``EXTENSION_UUID`` is pinned through the profile (``extensions.webextensions.uuids``), so a test
knows the extension's per-install origin ``moz-extension://<uuid>`` before Firefox starts.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from helpers import EXTENSION_DIR, wait_for

FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox")
EXTENSION_UUID = "5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"


def gecko_id() -> str:
    manifest = json.loads((EXTENSION_DIR / "manifest.json").read_text(encoding="utf-8"))
    return manifest["browser_specific_settings"]["gecko"]["id"]


@contextmanager
def firefox_session(tmp_path: Path, display: str | None = None) -> Iterator[str]:
    """Headless Firefox on a free port (or shown on the X ``display``, for real key presses); yields
    the BiDi WebSocket URL it announces in its log.

    Its stderr goes to a file (polled with a deadline): Firefox's child processes inherit the
    descriptor, so a pipe could outlive the parent and a reader thread would race the teardown.
    """
    log_path = tmp_path / "firefox.log"
    profile = tmp_path / "profile"
    profile.mkdir()
    uuids = json.dumps({gecko_id(): EXTENSION_UUID})
    (profile / "user.js").write_text(f'user_pref("extensions.webextensions.uuids", {json.dumps(uuids)});\n')
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [
                FIREFOX,
                *([] if display else ["--headless"]),
                "--no-remote",
                "--profile",
                str(profile),
                "--remote-debugging-port=0",
                # Firefox 153+ lets WebDriver navigate to moz-extension:// pages only with this.
                "--remote-allow-system-access",
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
            env={**os.environ, "DISPLAY": display} if display else None,
        )

    def announced():
        m = re.search(r"WebDriver BiDi listening on (ws://\S+)", log_path.read_text(errors="replace"))
        return m.group(1) if m else (proc.poll() is not None and "exited")

    try:
        url = wait_for(announced, timeout=60, interval=0.1, message="Firefox's WebDriver BiDi address")
        if url == "exited":
            raise AssertionError(f"Firefox exited early:\n{log_path.read_text(errors='replace')[-2000:]}")
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

    async def evaluate(self, context: str, expression: str, await_promise: bool = False):
        """A JavaScript expression's value in a browsing context (primitives, as BiDi gives them)."""
        result = await self.send(
            "script.evaluate",
            {"expression": expression, "target": {"context": context}, "awaitPromise": await_promise},
        )
        if result.get("type") == "exception":
            raise AssertionError(f"{expression[:80]}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    async def wait_until(self, context: str, expression: str, timeout: float = 20.0):
        """Poll an expression with a deadline until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = await self.evaluate(context, expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {expression[:100]}")
            await asyncio.sleep(0.1)

    async def start_with_extension(self) -> str:
        """A new session with the extension (the source folder) installed; the first tab's context."""
        await self.send("session.new", {"capabilities": {}})
        await self.send(
            "webExtension.install", {"extensionData": {"type": "path", "path": str(EXTENSION_DIR)}}
        )
        return (await self.send("browsingContext.getTree", {}))["contexts"][0]["context"]

    async def new_tab(self, url: str) -> str:
        context = (await self.send("browsingContext.create", {"type": "tab"}))["context"]
        await self.navigate(context, url)
        return context

    async def navigate(self, context: str, url: str) -> None:
        await self.send("browsingContext.navigate", {"context": context, "url": url, "wait": "complete"})
