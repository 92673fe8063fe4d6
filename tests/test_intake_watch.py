"""Screen watch under Xvfb: a real Chromium window shows a bargain whose progress changes; the
watcher grabs the region with mss and stores a frame only when its pixels changed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading

import pytest
from click.testing import CliRunner
from helpers import CHROMIUM, wait_for
from helpers.xdisplay import xvfb_display

from companion.cli import cli
from companion.core.db import connect
from companion.core.timeutil import now_local
from companion.intake.importer import store_file
from companion.intake.times import FoundTime
from companion.intake.watch import Region, Watcher, mss_grabber

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which("Xvfb"), reason="needs Xvfb"),
]
PAGE = """<!doctype html><meta charset="utf-8"><title>砍价</title>
<body style="margin:0;background:#fff;font:40px 'Noto Sans CJK SC',sans-serif;caret-color:transparent">
<div style="padding:40px">已砍 <b id="cut">¥98.76</b><br>还差 <b id="left">¥1.24</b></div></body>"""
REGION = Region(0, 0, 600, 400)


@pytest.fixture
def display(monkeypatch):
    for value in xvfb_display():
        monkeypatch.setenv("DISPLAY", value)
        yield value


@pytest.fixture
def bargain_window(playwright, display):
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=False,
        args=["--kiosk", "--window-position=0,0", "--window-size=1280,800", "--disable-gpu"],
        env={**os.environ, "DISPLAY": display},
    )
    page = browser.new_page(viewport=None)
    page.set_content(PAGE)
    yield page
    browser.close()


def steady(grab):
    """Wait until the window has painted: two grabs in a row equal and not blank."""
    last = {"frame": None}

    def settled():
        frame = grab()
        same = last["frame"] == frame and len(set(frame.rgb[::997])) > 1
        last["frame"] = frame
        return same

    wait_for(settled, timeout=30, interval=0.2, message="Chromium's window painted")


def test_only_changed_frames_are_stored(app, bargain_window):
    db = connect(app.config["DATABASE"])
    grab, close = mss_grabber(REGION)
    steady(grab)

    def store(png: bytes) -> None:
        store_file(
            app, db, png, "screen.png", FoundTime(now_local(), "clock"), campaign="投屏", source="screen"
        )

    watcher = Watcher(grab, store)
    try:
        assert watcher.tick() is True  # the first frame is always kept
        assert watcher.tick() is False and watcher.tick() is False
        bargain_window.evaluate(  # one task: both figures change in one paint
            "document.getElementById('cut').textContent = '¥98.77';"
            "document.getElementById('left').textContent = '¥1.23'"
        )
        wait_for(watcher.tick, timeout=20, interval=0.1, message="the changed progress stored")
        for _ in range(3):
            assert watcher.tick() is False
        bargain_window.evaluate("document.getElementById('left').textContent = '¥1.22'")
        wait_for(watcher.tick, timeout=20, interval=0.1, message="the second change stored")
    finally:
        close()
    rows = db.execute("SELECT source, sha256 FROM captures ORDER BY seq").fetchall()
    db.close()
    print(f"watch: {watcher.stats.frames} frames grabbed, {watcher.stats.stored} stored")
    assert watcher.stats.stored == 3 == len(rows)
    assert {r[0] for r in rows} == {"screen"} and len({r[1] for r in rows}) == 3
    assert watcher.stats.frames >= 8  # 1 + 2 + at least 1 while waiting + 3 + at least 1


def test_watch_command_stores_one_frame_of_a_still_screen(bargain_window, tmp_path):
    grab, close = mss_grabber(REGION)
    steady(grab)
    close()
    result = CliRunner().invoke(
        cli,
        [
            "watch",
            "--region",
            "0,0,600,400",
            "--every",
            "0.2s",
            "--frames",
            "4",
            "--campaign",
            "投屏",
            "--data-dir",
            str(tmp_path / "data"),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "检查了 4 帧，保存了 1 帧" in result.output
    bad = CliRunner().invoke(cli, ["watch", "--region", "0,0,-5,10", "--data-dir", str(tmp_path / "data")])
    assert bad.exit_code == 2 and "宽和高必须大于 0" in bad.output


def test_ctrl_c_stops_the_watch_command_cleanly(display, tmp_path):
    """The real command in its own process: a live status line, then Ctrl-C (SIGINT) ends it with
    a summary and exit code 0, and every stored frame has its row (nothing half written)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "companion",
            "watch",
            "--region",
            "0,0,200,100",
            "--every",
            "0.2s",
            "--data-dir",
            str(tmp_path / "data"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env={**os.environ, "DISPLAY": display},
    )
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.extend(iter(lambda: proc.stderr.read(1), "")), daemon=True)
    reader.start()
    try:
        wait_for(lambda: "已检查 3 帧" in "".join(err), timeout=60, message="the live status line")
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        out = proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        reader.join(10)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == 0, out + "".join(err)
    assert "已停止" in out and "保存了 1 帧" in out  # Xvfb's empty screen never changes
    db = connect(tmp_path / "data" / "bargain-witness.sqlite3")
    assert db.execute("SELECT COUNT(*) FROM captures WHERE source = 'screen'").fetchone()[0] == 1
    db.close()
