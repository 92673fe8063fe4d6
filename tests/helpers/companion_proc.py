"""The companion as a user runs it: ``bargain-witness serve`` in a subprocess on a free port.

Dashboard pages and evidence files need a session since #11 (docs/security.md). The one way for a
test to open them, whatever it drives:

- Playwright: ``comp.login(context)`` once per browser context, then ``page.goto(comp.url + "/...")``
  as before (the session cookie is in the context). ``comp.login(context, "/settings")`` returns the
  page it opened, already on that path.
- urllib: ``opener = comp.session_opener()`` then ``opener.open(comp.url + "/...")``.
- The Flask test client (``client`` fixture) carries the token, which opens pages too; to test a
  real session use ``helpers.login_test_client(client)``.

The API is unchanged for tests: ``comp.token`` is the token file's token (``serve`` no longer prints
it) and ``comp.api(path)`` sends it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from helpers import ROOT, wait_for

# The console script the README tells users to run, from the same environment as the tests.
_SCRIPT = Path(sys.executable).with_name("bargain-witness")
SERVE_BIN = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "companion"]
BANNER_END = "按 Ctrl+C 停止"


@dataclass
class Companion:
    """A running ``bargain-witness serve`` subprocess and what it printed."""

    proc: subprocess.Popen
    data_dir: Path
    url: str = ""
    token: str = ""
    dashboard_link: str = ""  # the one-time link ``serve`` printed (unused until a test opens it)
    output: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    def console(self) -> str:
        """What the user's terminal showed."""
        return "".join(self.output)

    def log(self) -> str:
        """The terminal and the companion's log file (``companion.log`` in the data dir, #12)."""
        path = self.data_dir / "companion.log"
        return self.console() + (path.read_text(encoding="utf-8", errors="replace") if path.exists() else "")

    def api(self, path: str):
        """GET an API path with the token; the decoded JSON."""
        req = urllib.request.Request(self.url + path, headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.load(resp)

    def post(self, path: str, body: dict, timeout: float = 15) -> dict:
        """POST a JSON body to an API path with the token; the decoded JSON answer."""
        req = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.load(resp)

    def session_link(self, next_path: str = "/") -> str:
        """A fresh one-time dashboard link, asked for with the token as the popup does."""
        req = urllib.request.Request(
            self.url + "/api/v1/session-link",
            data=json.dumps({"next": next_path}).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.load(resp)["url"]

    def login(self, context, next_path: str = "/"):
        """Open a dashboard session in a Playwright browser context (through a real one-time link);
        returns the page it used, on ``next_path``."""
        page = context.new_page()
        page.goto(self.session_link(next_path))
        page.wait_for_url(self.url + next_path)
        return page

    def session_opener(self) -> urllib.request.OpenerDirector:
        """A urllib opener holding a dashboard session cookie."""
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with opener.open(self.session_link(), timeout=10) as resp:
            resp.read()
        return opener

    def status(self) -> dict | None:
        """The status endpoint's answer, or None while the companion does not answer yet."""
        req = urllib.request.Request(
            f"{self.url}/api/v1/status", headers={"Authorization": f"Bearer {self.token}"}
        )
        try:
            with urllib.request.urlopen(req, timeout=2) as resp:
                return json.loads(resp.read())
        except (OSError, urllib.error.URLError, ValueError):
            return None


def _quiet_ocr(data_dir: Path) -> None:
    config_path = data_dir / "config.json"
    try:
        config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.exists() else {}
    except (OSError, ValueError):
        return  # a test of a broken config.json: leave it as the test wrote it
    if isinstance(config, dict) and "ocr" not in config:
        config["ocr"] = {"cross_check": False}
        data_dir.mkdir(parents=True, exist_ok=True)
        config_path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")


def start_companion(
    data_dir: Path,
    port: int = 0,
    timeout: float = 30.0,
    serve_bin: list[str] | None = None,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
) -> Companion:
    """Start the companion the way the README does; ready when its whole start-up banner is printed
    and its status endpoint answers (polled with a deadline). ``env`` adds environment variables.

    The browser tests' captures are not cross-checked by OCR (``"ocr": {"cross_check": false}``
    merged into config.json unless the test set it): one engine per companion would cost each
    test seconds of CPU and ~0.6 GB; tests/test_ocr_engine.py covers the cross-check."""
    _quiet_ocr(Path(data_dir))
    proc = subprocess.Popen(
        [*(serve_bin or SERVE_BIN), "serve", "--port", str(port), "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env={**os.environ, **env} if env else None,
    )
    comp = Companion(proc=proc, data_dir=data_dir)
    banner_done = threading.Event()

    def pump() -> None:
        for line in proc.stdout:
            comp.output.append(line)
            m = re.search(r"已启动：(http://127\.0\.0\.1:\d+)/", line)
            if m:
                comp.url = m.group(1)
            m = re.search(r"控制台：\s*(http://\S+/login/\S+)", line)
            if m:
                comp.dashboard_link = m.group(1)
            if BANNER_END in line:
                banner_done.set()
        banner_done.set()  # the process ended: stop waiting

    comp.reader = threading.Thread(target=pump, daemon=True)
    comp.reader.start()
    try:
        if not banner_done.wait(timeout) or proc.poll() is not None or not comp.url:
            raise RuntimeError("no start-up banner")
        comp.token = (data_dir / "token").read_text(encoding="ascii").strip()
        wait_for(comp.status, timeout=timeout, message="the companion's status endpoint")
    except (RuntimeError, AssertionError) as exc:
        proc.kill()
        stop_companion(comp)
        raise RuntimeError(f"companion did not start ({exc}):\n{comp.log()}") from None
    return comp


def stop_companion(comp: Companion) -> None:
    comp.proc.terminate()
    try:
        comp.proc.wait(10)
    except subprocess.TimeoutExpired:
        comp.proc.kill()
        comp.proc.wait(10)
    if comp.reader:
        comp.reader.join(10)
    comp.proc.stdout.close()
