"""Everything tests share, in one place: tests import from here, never from conftest or each other.

This module: paths, the one way to find Chromium, polling with a deadline, capture payloads and real
images. ``helpers.companion_proc`` runs the companion as a user does; ``helpers.browser`` drives
Chromium with the extension; ``helpers.firefox`` drives Firefox over WebDriver BiDi;
``helpers.scenarios`` are the detector's campaign scenarios.

Dashboard pages need a session since #11. Open one with ``Companion.login(context)`` (Playwright),
``Companion.session_opener()`` (urllib), ``session_client(app)`` or ``login_test_client(client)``
(Flask test client; the ``client`` fixture's token header also opens pages). See ``helpers.companion_proc``.
"""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

CST = timezone(timedelta(hours=8))
ROOT = Path(__file__).resolve().parent.parent.parent
EXTENSION_DIR = ROOT / "extension"


def _reader_files() -> list[Path]:
    """The page-text reader's scripts in injection order, as lib/capture.js lists them (READER_FILES)."""
    capture_js = (EXTENSION_DIR / "lib" / "capture.js").read_text(encoding="utf-8")
    listed = re.search(r"READER_FILES = \[(.*?)\]", capture_js, re.S).group(1)
    return [EXTENSION_DIR / name for name in re.findall(r'"([^"]+)"', listed)]


READER_FILES = _reader_files()
SCHEMA_PATH = ROOT / "shared" / "schema.json"


# Debian's Chromium (or $BW_CHROMIUM): the one browser binary every Chromium test drives.
CHROMIUM = os.environ.get("BW_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


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


def png_bytes(width: int = 64, height: int = 48, seed: int = 0, fmt: str = "PNG") -> bytes:
    img = Image.new("RGB", (width, height), (255, 255 - seed % 256, 255))
    ImageDraw.Draw(img).text((2, 2), str(seed), fill=(200, 0, 0))
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def capture_payload(
    *,
    url: str = "https://mobile.yangkeduo.com/bargain.html?goods_id=123&refer_share_id=abc",
    facts: dict[str, Any] | None = None,
    image: bytes | None = None,
    mime: str = "image/png",
    taken_at: datetime | None = None,
    capture_id: str | None = None,
    seed: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    data = image if image is not None else png_bytes(seed=seed, fmt="PNG" if mime == "image/png" else "JPEG")
    body = {
        "capture_id": capture_id or str(uuid.uuid4()),
        "taken_at": (taken_at or datetime(2026, 11, 20, 14, 3, tzinfo=CST)).isoformat(),
        "source": "extension",
        "page": {"url": url, "title": "砍价免费拿"},
        "image": {"mime": mime, "data_base64": base64.b64encode(data).decode("ascii")},
        "facts": facts if facts is not None else {"cut_amount": 98.76, "remaining_amount": 0.52},
        "client": {"name": "tests", "version": "0", "browser": "pytest"},
    }
    body.update(extra)
    return body


def launch_chromium(playwright, **options):
    """A headless Debian Chromium (no extension) for pages the user looks at."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=["--no-sandbox", *options.pop("args", [])], **options
    )


SERIES_START = datetime(2026, 11, 20, 14, 0, tzinfo=CST)
SERIES_URL = "https://mobile.yangkeduo.com/bargain.html?activity_id=KJ2026112012&refer_share_id=9"


def login_test_client(client, next_path: str = "/") -> None:
    """Give a Flask test client a real dashboard session (a one-time link, then its cookie), and drop
    its token header so pages are reached by the session alone."""
    link = client.post("/api/v1/session-link", json={"next": next_path}).get_json()["url"]
    client.environ_base.pop("HTTP_AUTHORIZATION", None)
    resp = client.get("/" + link.split("/", 3)[3])  # the path of http://host:port/login/<secret>
    assert resp.status_code == 200, resp.status_code


def session_client(app):
    """A new Flask test client of ``app`` that reaches dashboard pages by a real session only (no token)."""
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
    login_test_client(c)
    return c


def post_series(client, facts_list, url=SERIES_URL):
    """POST one capture per facts dict, 11 minutes apart, through a Flask test client; the answers."""
    answers = []
    for i, facts in enumerate(facts_list):
        body = capture_payload(
            url=url, taken_at=SERIES_START + timedelta(minutes=11 * i), seed=i, facts=facts
        )
        answers.append(client.post("/api/v1/captures", json=body).get_json())
    return answers
