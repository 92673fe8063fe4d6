"""Session recording end to end (issue #15): Debian's Chromium, the real extension, the real popup
buttons, tabCapture + an offscreen MediaRecorder, a page whose progress changes every 100 ms, the
companion as a subprocess. The companion holds the chunks, their concatenation decodes with PyAV
to a video as long as the recording, and the derived copy states that duration. Then a second
recording during which the companion is killed with kill -9: after the restart everything it had
taken is intact, verifies and plays, and at most the last chunk is lost. A third recording ends
when the tab leaves the page, a fourth when the tab is closed."""

from __future__ import annotations

import contextlib
import sqlite3
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import wait_for
from helpers.browser import mobile_extension_browser, static_server
from helpers.companion_proc import start_companion, stop_companion
from helpers.media import decode

from companion.core.config import DataDir
from companion.evidence.verify import verify_archive

FIXTURES = Path(__file__).parent / "fixtures"
RECORD_SECONDS = 5.0
pytestmark = pytest.mark.browser

STATE = "() => chrome.storage.session.get('recording').then((r) => r.recording || null)"


def _bytes(comp, url: str) -> bytes:
    req = urllib.request.Request(comp.url + url, headers={"Authorization": f"Bearer {comp.token}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.read()


def _chunks(comp, capture_id: str, recording_id: str) -> list[dict]:
    files = comp.api(f"/api/v1/captures/{capture_id}")["files"]
    return [f for f in files if f["kind"] == "video_chunk" and f["recording_id"] == recording_id]


def _start(browser, page) -> dict:
    """The user's way: the toolbar button, then 「开始录屏」 in the popup it opens."""
    browser.click_toolbar_button(page)
    assert (
        browser.popup_eval("document.getElementById('record-start').hidden ? 'hidden' : 'shown'", page)
        == "shown"
    )
    browser.popup_eval("document.getElementById('record-start').click(), 'clicked'", page)
    return wait_for(lambda: browser.sw.evaluate(STATE), 20, message="the recording to start")


def _stop(browser, page) -> None:
    """The toolbar button again (the popup closes when the tab capture starts), then 「停止录屏」."""
    browser.click_toolbar_button(page)
    text = browser.popup_eval("document.getElementById('record-status').textContent", page)
    assert "正在录屏" in text, text
    browser.popup_eval("document.getElementById('record-stop').click(), 'clicked'", page)
    wait_for(lambda: browser.sw.evaluate(STATE) is None, 20, message="the recording to stop")


def _finished(comp, capture_id: str, recording_id: str, chunks: int, derived: bool = True) -> dict:
    """The recording as the companion has it, once the extension's finish call is stored (and the
    derived copy made). The first finish call is the one kept, so the test only reads (the database,
    read-only) until the extension's is there: a finish of its own sent earlier would be the one kept
    (it was, under load: the extension's call arrived after the test's first poll). Then the finish
    call, idempotent, answers what the extension's call stored."""
    path = f"/api/v1/captures/{capture_id}/recordings/{recording_id}/finish"
    uri = f"{DataDir(comp.data_dir).database.resolve().as_uri()}?mode=ro"

    def stored():
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
            row = conn.execute(
                "SELECT chunks, derived_sha256 FROM recordings WHERE capture_id = ? AND recording_id = ?",
                [capture_id, recording_id],
            ).fetchone()
        return row is not None and (row[1] is not None or not derived)

    wait_for(stored, 60, interval=0.5, message="the finished recording and its derived copy")
    rec = comp.post(path, {"chunks": 0, "duration_ms": 0})["recording"]
    assert rec["chunks_expected"], rec  # the extension's finish, not one of the test's
    return rec


def test_recording_arrives_in_chunks_that_play_and_survives_a_killed_companion(playwright, tmp_path):
    browser = mobile_extension_browser(playwright, tmp_path / "profile")
    comp = start_companion(tmp_path / "data")
    port = int(comp.url.rsplit(":", 1)[1])
    try:
        assert "连接成功" in browser.pair(comp.url, comp.token)
        with static_server(FIXTURES / "e2e") as pages:
            page = browser.ctx.new_page()
            page.goto(f"{pages}/recording.html?goods_id=31")

            # 1. About 5 s of a page whose progress moves.
            rec = _start(browser, page)
            started = time.monotonic()
            assert (
                browser.sw.evaluate("(id) => chrome.action.getBadgeText({tabId: id})", rec["tabId"]) == "录"
            )
            wait_for(lambda: time.monotonic() - started >= RECORD_SECONDS, RECORD_SECONDS + 1, message="5 s")
            _stop(browser, page)
            recorded = time.monotonic() - started
            done = _finished(comp, rec["captureId"], rec["recordingId"], 0)
            chunks = _chunks(comp, rec["captureId"], rec["recordingId"])
            assert [c["part"] for c in chunks] == list(range(done["chunks_expected"])), chunks
            assert len(chunks) >= 3  # 2 s slices of ~5–7 s, the last one flushed by the stop
            joined = b"".join(_bytes(comp, c["url"]) for c in chunks)
            played = decode(joined)
            span = played["last_s"] - played["first_s"]
            derived = decode(_bytes(comp, done["derived"]["url"]))
            print(
                f"\nrecording 1: {len(chunks)} chunks, {len(joined):,} bytes; recorded {recorded:.1f} s "
                f"(test clock), frames {played['frames']}, decoded span {span:.2f} s, stated duration "
                f"of the chunks {played['header_s']:.2f} s, of the derived copy {derived['header_s']:.2f} s"
            )
            assert played["frames"] >= 10 and played["header_s"] == 0  # MediaRecorder's: no duration
            assert RECORD_SECONDS - 1.5 <= span <= recorded + 1.0
            assert abs(derived["header_s"] - span) <= 1.0 and derived["frames"] == played["frames"]
            assert (
                browser.sw.evaluate("(id) => chrome.action.getBadgeText({tabId: id})", rec["tabId"]) != "录"
            )

            # 2. The companion killed (kill -9) mid-recording, then started again on the same port.
            rec2 = _start(browser, page)
            taken = wait_for(
                lambda: (lambda c: c if len(c) >= 2 else None)(
                    _chunks(comp, rec2["captureId"], rec2["recordingId"])
                ),
                30,
                interval=0.2,
                message="two chunks stored",
            )
            comp.proc.kill()
            comp.proc.wait(10)
            stop_companion(comp)
            # The recorder goes on while the companion is down: its chunks wait in the extension's queue.
            wait_for(
                lambda: browser.sw.evaluate(STATE)["chunks"] >= len(taken) + 2,
                20,
                message="chunks while down",
            )
            comp = start_companion(tmp_path / "data", port=port)
            after = {c["part"]: c for c in _chunks(comp, rec2["captureId"], rec2["recordingId"])}
            for c in taken:  # everything the companion had taken before the kill is intact
                assert after[c["part"]]["sha256"] == c["sha256"]
            assert verify_archive(DataDir(tmp_path / "data")).problems == []
            _stop(browser, page)
            done2 = wait_for(
                lambda: (lambda r: r if not r["missing_parts"] or len(r["missing_parts"]) <= 1 else None)(
                    _finished(comp, rec2["captureId"], rec2["recordingId"], 0)
                ),
                90,  # the queued chunks go out on the 30 s retry alarm
                interval=1.0,
                message="the queued chunks delivered",
            )
            chunks2 = _chunks(comp, rec2["captureId"], rec2["recordingId"])
            # At most the last chunk lost: no gap before it.
            parts = [c["part"] for c in chunks2]
            assert parts == list(range(len(parts))) and len(parts) >= done2["chunks_expected"] - 1
            played2 = decode(b"".join(_bytes(comp, c["url"]) for c in chunks2))
            print(
                f"recording 2: {len(taken)} chunks stored before kill -9, {len(parts)} of "
                f"{done2['chunks_expected']} after the restart, frames {played2['frames']}, "
                f"decoded span {played2['last_s'] - played2['first_s']:.2f} s"
            )
            assert played2["frames"] >= 10
            assert verify_archive(DataDir(tmp_path / "data")).problems == []

            # 3. Leaving the page ends a recording cleanly: its last chunk flushed, then finished.
            rec3 = _start(browser, page)
            wait_for(lambda: _chunks(comp, rec3["captureId"], rec3["recordingId"]), 20, message="a chunk")
            page.goto(f"{pages}/bargain.html?goods_id=32")
            wait_for(lambda: browser.sw.evaluate(STATE) is None, 20, message="the recording to end")
            done3 = _finished(comp, rec3["captureId"], rec3["recordingId"], 0, derived=False)
            parts3 = [c["part"] for c in _chunks(comp, rec3["captureId"], rec3["recordingId"])]
            assert parts3 == list(range(done3["chunks_expected"])) and done3["missing_parts"] == []

            # 4. So does closing the tab.
            page.goto(f"{pages}/recording.html?goods_id=33")
            rec4 = _start(browser, page)
            wait_for(lambda: _chunks(comp, rec4["captureId"], rec4["recordingId"]), 20, message="a chunk")
            page.close()
            wait_for(lambda: browser.sw.evaluate(STATE) is None, 20, message="the recording to end")
            done4 = _finished(comp, rec4["captureId"], rec4["recordingId"], 0, derived=False)
            parts4 = [c["part"] for c in _chunks(comp, rec4["captureId"], rec4["recordingId"])]
            assert parts4 == list(range(done4["chunks_expected"])) and done4["missing_parts"] == []
    finally:
        browser.close()
        stop_companion(comp)
