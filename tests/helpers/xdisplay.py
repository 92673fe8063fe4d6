"""A private Xvfb display and real key presses with xdotool: ``page.keyboard.press`` never fires
``chrome.commands``, so the extension's shortcut is tested the way a user presses it."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

from helpers import wait_for


def xvfb_display() -> Iterator[str]:
    """Start Xvfb; -displayfd tells us its number once it is ready (no guessing). Yields ':N'."""
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=[write_fd],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as fh:
        number = fh.readline().strip()
    try:
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(10)


def xdo(display: str, *args: str) -> str:
    env = {**os.environ, "DISPLAY": display}
    return subprocess.run(
        ["xdotool", *args], check=True, env=env, capture_output=True, text=True, timeout=30
    ).stdout


def press_shortcut_until(display: str, title: str, done, attempts: int = 3):
    """Focus Chromium's window (there is no window manager to do it) and press Alt+Shift+Y until
    ``done()`` is truthy. X delivers keys to the focused window only; under load the window may not
    be mapped yet when the first key goes out, so a press that provably produced nothing is repeated."""
    window = xdo(display, "search", "--sync", "--onlyvisible", "--name", title).split()[0]
    for attempt in range(attempts):
        xdo(display, "windowfocus", "--sync", window)
        xdo(display, "key", "--clearmodifiers", "alt+shift+y")
        try:
            return wait_for(done, timeout=10, message="the shortcut's outcome")
        except AssertionError:
            if attempt == attempts - 1:
                raise
    return None
