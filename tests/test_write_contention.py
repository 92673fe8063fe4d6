"""Complaint writes never fail with "database is locked" while captures upload (#11).

The companion runs as a user runs it (``serve``: waitress, the job worker); three threads post
captures while a fourth makes 300 writes through the API and the dashboard's forms. Every write
takes the write lock up front (``BEGIN IMMEDIATE``) and waits for it, so none may fail.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, timedelta

import pytest
from helpers import capture_payload, png_bytes
from helpers.companion_proc import start_companion, stop_companion

WRITES = 300
UPLOADERS = 3
MAX_UPLOADS_PER_THREAD = 400
TIME_LIMIT = 120.0  # seconds for the whole run: a wait for the lock is short, never a hang
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def call(comp, method: str, path: str, body=None, *, form=None, headers=None) -> tuple[int, str]:
    """(status, body text); never raises for an HTTP status, only for a broken connection."""
    head = {"Authorization": f"Bearer {comp.token}", **(headers or {})}
    data = None
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        head["Content-Type"] = "application/json"
    elif form is not None:
        data = urllib.parse.urlencode(form).encode("ascii")
        head["Content-Type"] = "application/x-www-form-urlencoded"
    req = urllib.request.Request(comp.url + path, data=data, headers=head, method=method)
    try:
        with OPENER.open(req, timeout=60) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")


@pytest.fixture
def running(tmp_path):
    comp = start_companion(tmp_path / "data")
    yield comp
    stop_companion(comp)


def test_complaint_writes_wait_for_the_lock_while_captures_upload(running):
    comp = running
    status, text = call(comp, "POST", "/api/v1/captures", capture_payload(seed=1))
    assert status == 201, text
    cid = json.loads(text)["campaign_id"]
    status, text = call(
        comp, "POST", f"/api/v1/campaigns/{cid}/filings", {"channel": "12315", "sent_on": "2026-11-21"}
    )
    assert status == 201, text
    filing = json.loads(text)["id"]

    stop = threading.Event()
    uploads: list[int] = []
    upload_errors: list[str] = []
    failures: list[str] = []
    started = time.monotonic()
    images = [png_bytes(width=96, height=64, seed=s) for s in range(16)]

    def upload(n: int) -> None:
        for i in range(MAX_UPLOADS_PER_THREAD):
            if stop.is_set():
                return
            # Other bargains than the one edited, so its drafts stay cheap to build: the write lock
            # is one for the whole database either way.
            payload = capture_payload(
                url=f"https://mobile.yangkeduo.com/bargain.html?goods_id={900 + n}",
                image=images[(n * 7 + i) % len(images)],
                facts={"cut_amount": 90 + i / 100, "remaining_amount": 10 - i / 100, "helper_count": i},
            )
            status, text = call(comp, "POST", "/api/v1/captures", payload)
            uploads.append(status)
            if status != 201:
                upload_errors.append(f"{status} {text[:200]}")

    def write(i: int) -> tuple[int, str]:
        kind = i % 3
        if kind == 0:
            body = {"fields": {"subject": f"第 {i} 次修改"}, "demands": ["restore", "explain"]}
            return call(comp, "PUT", f"/api/v1/campaigns/{cid}/complaints/email", body)
        if kind == 1:
            sent = (date(2026, 11, 1) + timedelta(days=i % 28)).isoformat()
            return call(
                comp, "POST", f"/api/v1/campaigns/{cid}/filings", {"channel": "heimao", "sent_on": sent}
            )
        on = (date(2026, 11, 22) + timedelta(days=i % 20)).isoformat()
        form = {"answered_on": on, "next": "/followups"}
        return call(comp, "POST", f"/filings/{filing}/answered", form=form, headers=SAME_ORIGIN)

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(UPLOADERS)]
    for t in threads:
        t.start()
    try:
        for i in range(WRITES):
            status, text = write(i)
            if status not in (200, 201, 303):
                failures.append(f"write {i}: {status} {text[:200]}")
            if time.monotonic() - started > TIME_LIMIT:
                failures.append(f"over {TIME_LIMIT:.0f} s after {i + 1} writes")
                break
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    elapsed = time.monotonic() - started
    print(
        f"\ncontention: {len(failures)} of {WRITES} complaint writes failed, {len(upload_errors)} of "
        f"{len(uploads)} uploads failed, {elapsed:.1f} s"
    )
    assert not failures, failures[:5]
    assert not upload_errors, upload_errors[:5]
    assert len(uploads) >= UPLOADERS, "the uploads did not overlap the writes"
    assert "database is locked" not in comp.log()
