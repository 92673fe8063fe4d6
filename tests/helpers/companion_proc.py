"""The companion as a user runs it: ``bargain-witness serve`` in a subprocess on a free port."""

from __future__ import annotations

import json
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
    output: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    def log(self) -> str:
        return "".join(self.output)

    def api(self, path: str):
        """GET an API path with the token; the decoded JSON."""
        req = urllib.request.Request(self.url + path, headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.load(resp)

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
    data_dir: Path, port: int = 0, timeout: float = 30.0, serve_bin: list[str] | None = None, cwd: Path = ROOT
) -> Companion:
    """Start the companion the way the README does; ready when its whole start-up banner is printed
    and its status endpoint answers (polled with a deadline).

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
    )
    comp = Companion(proc=proc, data_dir=data_dir)
    banner_done = threading.Event()

    def pump() -> None:
        for line in proc.stdout:
            comp.output.append(line)
            m = re.search(r"已启动：(http://127\.0\.0\.1:\d+)/", line)
            if m:
                comp.url = m.group(1)
            m = re.search(r"Token:\s+(\S+)", line)
            if m:
                comp.token = m.group(1)
            if BANNER_END in line:
                banner_done.set()
        banner_done.set()  # the process ended: stop waiting

    comp.reader = threading.Thread(target=pump, daemon=True)
    comp.reader.start()
    try:
        if not banner_done.wait(timeout) or proc.poll() is not None or not comp.url:
            raise RuntimeError("no start-up banner")
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
