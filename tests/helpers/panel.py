"""The form filler's panel, driven as a user drives it and read where only the extension can read it.

The panel lives in a closed shadow root (docs/formfill.md): the page, and so Playwright's locators,
get nothing from ``host.shadowRoot``. The content script keeps the root in its own isolated world
(``BargainWitnessFormFill.shadowRoot``); these helpers read it there over CDP, and click its
buttons with real mouse events at their on-screen position (trusted clicks, as a user's are).
"""

from __future__ import annotations

import json

from helpers import wait_for

EXTENSION_NAME = "砍价存证 Bargain Witness"
ROOT_JS = "globalThis.BargainWitnessFormFill.shadowRoot"


class IsolatedWorld:
    """Run code in the extension's content-script world of a page (as the content script would)."""

    def __init__(self, browser, page) -> None:
        self.page = page
        self.contexts: list[dict] = []
        self.cdp = browser.ctx.new_cdp_session(page)
        self.cdp.on("Runtime.executionContextCreated", lambda e: self.contexts.append(e["context"]))
        self.cdp.on("Runtime.executionContextsCleared", lambda e: self.contexts.clear())
        self.cdp.send("Runtime.enable")

    def _context(self) -> dict:
        ctx = None
        for _ in range(200):  # CDP events arrive while Playwright pumps its loop
            ctx = next((c for c in reversed(self.contexts) if c["name"] == EXTENSION_NAME), None)
            if ctx:
                break
            self.page.wait_for_timeout(25)
        assert ctx, "the extension's content-script world never appeared"
        return ctx

    def evaluate(self, expression: str):
        """The JSON value of ``expression`` (awaited) in the content script's world."""
        result = self.cdp.send(
            "Runtime.evaluate",
            {
                "expression": expression,
                "contextId": self._context()["id"],
                "awaitPromise": True,
                "returnByValue": True,
            },
        )
        if "exceptionDetails" in result:
            raise AssertionError(result["exceptionDetails"])
        return result["result"].get("value")

    def send(self, message: dict) -> dict:
        return self.evaluate(
            f"chrome.runtime.sendMessage({json.dumps(message)})"
            ".then(r => ({answer: r === undefined ? null : r}), e => ({error: String(e && e.message)}))"
        )


class Panel:
    """The filler's panel on one page: its state, text, geometry, and real clicks on its buttons."""

    def __init__(self, browser, page) -> None:
        self.page = page
        self.world = IsolatedWorld(browser, page)

    def js(self, body: str):
        """``body`` runs with ``root`` (the closed shadow root) and ``host`` in scope."""
        return self.world.evaluate(
            f"(() => {{ const root = {ROOT_JS}; const host = root && root.host; {body} }})()"
        )

    def state(self) -> str:
        return self.js("return host ? (host.dataset.state || 'closed') : 'absent';")

    def text(self, selector: str = ".bw-ff-panel") -> str:
        return self.js(f"const n = root.querySelector({json.dumps(selector)}); return n ? n.innerText : '';")

    def count(self, selector: str) -> int:
        return self.js(f"return root.querySelectorAll({json.dumps(selector)}).length;")

    def attr(self, selector: str, name: str):
        return self.js(
            f"const n = root.querySelector({json.dumps(selector)}); "
            f"return n ? n.getAttribute({json.dumps(name)}) : null;"
        )

    def rect(self, selector: str = ".bw-ff-panel") -> dict | None:
        return self.js(
            f"const n = root.querySelector({json.dumps(selector)}); if (!n) return null; "
            "const r = n.getBoundingClientRect(); "
            "return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, "
            "width: r.width, height: r.height};"
        )

    def click(self, selector: str, text: str = "") -> None:
        """A real mouse click on the first visible ``selector`` (containing ``text``) in the panel."""
        where = wait_for(
            lambda: self.js(
                f"const n = [...root.querySelectorAll({json.dumps(selector)})]"
                f".find(e => e.getClientRects().length && e.innerText.includes({json.dumps(text)}));"
                "if (!n) return null; n.scrollIntoView({block: 'nearest'});"
                "const r = n.getBoundingClientRect();"
                "return {x: r.left + r.width / 2, y: r.top + r.height / 2};"
            ),
            message=f"{selector} {text!r} in the panel",
        )
        self.page.mouse.click(where["x"], where["y"])

    def open(self) -> None:
        self.click(".bw-ff-open")

    def wait_state(self, *states: str, timeout: float = 20.0) -> str:
        return wait_for(
            lambda: (s := self.state()) in states and s,
            timeout,
            message=f"the panel to reach {states} (now {self.state()!r})",
        )
