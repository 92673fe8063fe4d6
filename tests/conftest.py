"""Fixtures: a Flask test client for API tests, and the companion as a user runs it (a subprocess)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from companion.app import create_app

ROOT = Path(__file__).resolve().parent.parent
EXTENSION_DIR = ROOT / "extension"
CHROMIUM = os.environ.get("BW_CHROMIUM", "/usr/bin/chromium")
# The console script the README tells users to run, from the same environment as the tests.
_SCRIPT = Path(sys.executable).with_name("bargain-witness")
SERVE_BIN = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "companion"]


@pytest.fixture
def app(tmp_path):
    return create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data")})


@pytest.fixture
def client(app):
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
    return c


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


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


def start_companion(data_dir: Path, port: int = 0, timeout: float = 20.0) -> Companion:
    """Start the companion the way the README does and wait (with a deadline) for its URL line."""
    proc = subprocess.Popen(
        [*SERVE_BIN, "serve", "--port", str(port), "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
    )
    comp = Companion(proc=proc, data_dir=data_dir)
    ready = threading.Event()

    def pump() -> None:
        for line in proc.stdout:
            comp.output.append(line)
            m = re.search(r"已启动：(http://127\.0\.0\.1:\d+)/", line)
            if m:
                comp.url = m.group(1)
            m = re.search(r"Token:\s+(\S+)", line)
            if m:
                comp.token = m.group(1)
                ready.set()
        ready.set()

    comp.reader = threading.Thread(target=pump, daemon=True)
    comp.reader.start()
    if not ready.wait(timeout) or not comp.token or proc.poll() is not None:
        proc.kill()
        stop_companion(comp)
        raise RuntimeError(f"companion did not start:\n{comp.log()}")
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


@pytest.fixture
def companion(tmp_path):
    comp = start_companion(tmp_path / "data")
    yield comp
    stop_companion(comp)


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.05, message: str = "condition"):
    """Poll with a deadline (never sleep-and-hope): returns the first truthy value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        threading.Event().wait(interval)
