"""Debian's Chromium with the real extension loaded, driven the way a user drives it.

The toolbar click is real (CDP Extensions.triggerAction grants activeTab and opens the real
popup); the popup is not a Playwright page, so it is read through a CDP session attached to it.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from helpers import CHROMIUM, EXTENSION_DIR, wait_for

QUIET_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # The complaint sites resolve to this machine, so the manifest's real content-script matches
    # (*.12315.cn, tousu.sina.com.cn) apply to fixture pages served by static_server; every other
    # name stays unresolvable (closed network).
    "--host-resolver-rules=MAP www.12315.cn 127.0.0.1 , MAP tousu.sina.com.cn 127.0.0.1 , "
    "MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]


@contextmanager
def static_server(directory: Path) -> Iterator[str]:
    """Serve fixture pages on 127.0.0.1 (a free port); yields the base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(directory))
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_port}"
    finally:
        srv.shutdown()
        srv.server_close()


def self_signed_certificate(folder: Path, names: tuple[str, ...]) -> tuple[Path, Path]:
    """A throwaway certificate for ``names`` (made with ``cryptography``: no openssl binary needed on
    any platform); Chromium accepts it with ``ignore_https_errors``. Returns (cert, key) PEM files."""
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@contextmanager
def https_static_server(directory: Path, cert_folder: Path) -> Iterator[int]:
    """Serve fixture pages over https on 127.0.0.1 (a free port; the complaint sites' names map
    there, QUIET_ARGS); yields the port. The form filler runs over https only (docs/formfill.md)."""
    import ssl

    cert, key = self_signed_certificate(cert_folder, ("www.12315.cn", "tousu.sina.com.cn"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    class TlsServer(http.server.ThreadingHTTPServer):
        def get_request(self):
            sock, addr = super().get_request()
            return context.wrap_socket(sock, server_side=True), addr

    srv = TlsServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield srv.server_port
    finally:
        srv.shutdown()
        srv.server_close()


class ExtensionBrowser:
    def __init__(
        self,
        playwright,
        user_data_dir: Path,
        headless: bool = True,
        extension_dir: Path = EXTENSION_DIR,
        extra_args: tuple[str, ...] = (),
        **context_options,
    ) -> None:
        ext = str(extension_dir)
        self.ctx = playwright.chromium.launch_persistent_context(
            str(user_data_dir),
            executable_path=CHROMIUM,
            headless=headless,
            args=[
                f"--disable-extensions-except={ext}",
                f"--load-extension={ext}",
                "--enable-unsafe-extension-debugging",
                *QUIET_ARGS,
                *extra_args,
            ],
            **context_options,
        )
        self.sw = (
            self.ctx.service_workers[0]
            if self.ctx.service_workers
            else self.ctx.wait_for_event("serviceworker")
        )
        self.ext_id = self.sw.url.split("/")[2]
        self.cdp = self.ctx.browser.new_browser_cdp_session()
        self._replies: dict[int, dict] = {}
        self._next_id = 0
        self.cdp.on("Target.receivedMessageFromTarget", self._on_message)

    def close(self) -> None:
        self.ctx.close()

    def _on_message(self, event) -> None:
        msg = json.loads(event["message"])
        if "id" in msg:
            self._replies[msg["id"]] = msg

    def ext_url(self, path: str) -> str:
        return f"chrome-extension://{self.ext_id}/{path}"

    def pair(self, url: str, token: str) -> str:
        """Fill the options page like a user and return the message it shows."""
        page = self.ctx.new_page()
        page.goto(self.ext_url("options.html"))
        page.fill("#url", url)
        page.fill("#token", token)
        page.click("#save")
        page.wait_for_selector("body[data-result]", state="attached")
        text = page.inner_text("#result")
        page.close()
        return text

    def request_pairing(self, url: str):
        """Ask to pair on the options page like a user; returns (the options page, the code it shows)."""
        page = self.ctx.new_page()
        page.goto(self.ext_url("options.html"))
        page.wait_for_selector("#settings-fields:not([disabled])")
        page.fill("#url", url)
        page.click("#pair")
        page.wait_for_selector("body[data-pair-code]", state="attached")
        return page, page.get_attribute("body", "data-pair-code")

    @staticmethod
    def pairing_result(options_page) -> str:
        """What the options page says once the pairing ended (confirmed, denied or expired)."""
        options_page.wait_for_selector("body[data-result]", state="attached", timeout=30_000)
        return options_page.inner_text("#result")

    def targets(self) -> list[dict]:
        return self.cdp.send("Target.getTargets", {"filter": [{}]})["targetInfos"]

    def click_toolbar_button(self, page, timeout: float = 15.0) -> dict:
        """A real toolbar click on ``page``'s tab; returns the popup's final state and text."""
        page.bring_to_front()
        tab = next(t for t in self.targets() if t["type"] == "tab" and t["url"] == page.url)
        before = {t["targetId"] for t in self.targets() if t["url"].endswith("/popup.html")}
        self.cdp.send("Extensions.triggerAction", {"id": self.ext_id, "targetId": tab["targetId"]})
        popup = wait_for(
            lambda: next(
                (
                    t
                    for t in self.targets()
                    if t["url"].endswith("/popup.html") and t["targetId"] not in before
                ),
                None,
            ),
            timeout,
            message="the popup to open",
        )
        session = self.cdp.send("Target.attachToTarget", {"targetId": popup["targetId"], "flatten": False})
        self.popup_session = session["sessionId"]
        expr = (
            "document.body && document.body.dataset.state ? "
            "JSON.stringify({state: document.body.dataset.state, text: document.body.innerText}) : ''"
        )
        result = wait_for(
            lambda: self._evaluate(session["sessionId"], expr, page),
            timeout,
            message="the popup to show a result",
        )
        return json.loads(result)

    def popup_eval(self, expression: str, page) -> str:
        """Evaluate in the popup opened by the last toolbar click (a string result)."""
        return self._evaluate(self.popup_session, expression, page)

    def popup_screenshot(self, path: Path, page) -> None:
        """Save the whole popup opened by the last toolbar click (PNG), beyond a headless popup's
        small window."""
        import base64

        size = json.loads(
            self._evaluate(
                self.popup_session,
                "JSON.stringify([document.documentElement.scrollWidth, "
                "document.documentElement.scrollHeight])",
                page,
            )
        )
        clip = {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1}
        params = {"format": "png", "captureBeyondViewport": True, "clip": clip}
        reply = self._call(self.popup_session, "Page.captureScreenshot", params, page)
        Path(path).write_bytes(base64.b64decode(reply.get("data", "")))

    def _evaluate(self, session_id: str, expression: str, page) -> str:
        reply = self._call(
            session_id, "Runtime.evaluate", {"expression": expression, "returnByValue": True}, page
        )
        return reply.get("result", {}).get("value") or ""

    def _call(self, session_id: str, method: str, params: dict, page) -> dict:
        self._next_id += 1
        msg_id = self._next_id
        self.cdp.send(
            "Target.sendMessageToTarget",
            {
                "sessionId": session_id,
                "message": json.dumps({"id": msg_id, "method": method, "params": params}),
            },
        )
        # Pump Playwright's event loop (it delivers CDP events) until the reply arrives.
        for _ in range(80):
            if msg_id in self._replies:
                break
            page.wait_for_timeout(25)
        return self._replies.pop(msg_id, {}).get("result", {})

    def storage(self, key: str):
        return self.sw.evaluate("k => chrome.storage.local.get(k).then(r => r[k])", key)


def mobile_extension_browser(
    playwright, user_data_dir: Path, extension_dir: Path = EXTENSION_DIR
) -> ExtensionBrowser:
    """The extension in Chromium at a phone's size (390x844, touch): how the e2e tests see pages."""
    return ExtensionBrowser(
        playwright,
        user_data_dir,
        extension_dir=extension_dir,
        viewport={"width": 390, "height": 844},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
    )


def indexeddb_keys_js(store: str) -> str:
    """A function for ``sw.evaluate``: the keys in one store of the extension's IndexedDB (what the
    offline queue holds: ``outbox`` for captures, ``attachments`` for their files)."""
    return f"""() => new Promise((resolve, reject) => {{
  const req = indexedDB.open("bargain-witness");
  req.onsuccess = () => {{
    const keys = req.result.transaction("{store}").objectStore("{store}").getAllKeys();
    keys.onsuccess = () => {{ resolve(keys.result); req.result.close(); }};
    keys.onerror = () => reject(keys.error);
  }};
  req.onerror = () => reject(req.error);
}})"""


def headed_extension_browser(playwright, user_data_dir: Path, display: str) -> ExtensionBrowser:
    """The extension in a headed Chromium on an Xvfb display: keyboard shortcuts need a real window
    (tests/helpers/xdisplay.py presses them)."""
    return ExtensionBrowser(
        playwright,
        user_data_dir,
        headless=False,
        env={**os.environ, "DISPLAY": display},
        viewport={"width": 800, "height": 600},
    )
