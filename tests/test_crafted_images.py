"""Crafted images can't crash, stall or exhaust the companion (#11).

The companion runs as a user runs it (``serve``: waitress, the job worker making thumbnails). Over
200 malformed, crafted and bomb images are posted from three threads: none may answer 5xx, every
refusal is the JSON error shape, the worst request stays bounded, and so does the process's peak
memory, also while thumbnails of 8K images are made (by the worker and on request at once).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import capture_payload
from helpers.companion_proc import start_companion, stop_companion
from helpers.crafted_images import corpus

WORST_REQUEST_S = 5.0  # a crafted progressive JPEG used to take a minute
PEAK_RSS_MB = 900  # thumbnails of a few 8K images used to peak at 1.5 GB


@pytest.fixture(scope="module")
def comp(tmp_path_factory):
    running = start_companion(tmp_path_factory.mktemp("crafted") / "data")
    yield running
    stop_companion(running)


def request(comp, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes, float]:
    req = urllib.request.Request(
        comp.url + path,
        data=body,
        method=method,
        headers={"Authorization": f"Bearer {comp.token}", "Content-Type": "application/json"},
    )
    start = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            return resp.status, resp.read(), time.monotonic() - start
    except urllib.error.HTTPError as err:
        return err.code, err.read(), time.monotonic() - start


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def test_crafted_images_never_crash_stall_or_exhaust_the_companion(comp):
    images = corpus()
    assert len(images) >= 200
    started = time.monotonic()

    def post(item):
        name, data, mime = item
        payload = capture_payload(image=data, mime=mime)
        status, body, took = request(comp, "POST", "/api/v1/captures", json.dumps(payload).encode())
        return name, data, status, body, took

    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(post, images))
    statuses = Counter(r[2] for r in results)
    server_errors = [(name, status, body[:200]) for name, _, status, body, _ in results if status >= 500]
    assert not server_errors, server_errors
    for name, _, status, body, _ in results:
        answer = json.loads(body)
        if status >= 400:
            assert set(answer) == {"error", "message"}, (name, answer)
        else:
            assert status == 201, (name, status)
    worst_post = max(results, key=lambda r: r[4])

    # Stored byte for byte, a multi-picture JPEG as a JPEG.
    stored = {name: json.loads(body) for name, _, status, body, _ in results if status == 201}
    for name in ("valid mpo 2 pictures", "valid png I;16", "valid jpeg CMYK", "8K png zlib bomb 16/6"):
        assert name in stored, name
    mpo = next(r for r in results if r[0] == "valid mpo 2 pictures")
    status, body, _ = request(comp, "GET", f"/captures/{stored[mpo[0]]['capture_id']}/image")
    assert status == 200 and body == mpo[1]
    record = json.loads(request(comp, "GET", f"/api/v1/captures/{stored[mpo[0]]['capture_id']}")[1])
    assert record["mime"] == "image/jpeg"
    for name in ("progressive 4000x3000 +10000 scans", "png huge iccp", "png header 100000x100000"):
        assert next(r[2] for r in results if r[0] == name) in (413, 415, 422), name

    # Thumbnails of everything stored, on request while the job worker makes them too.
    def thumb(answer):
        status, _, took = request(comp, "GET", f"/captures/{answer['capture_id']}/thumb")
        return status, took

    with ThreadPoolExecutor(4) as pool:
        thumbs = list(pool.map(thumb, stored.values()))
    thumb_statuses = Counter(s for s, _ in thumbs)
    # A stored file a decoder can't read (a progressive JPEG with flipped bits: its structure is
    # sound, and it isn't decoded on the request path) has no thumbnail: 404, never a 5xx.
    assert set(thumb_statuses) <= {200, 404}, thumb_statuses
    missing = [name for name, (status, _) in zip(stored, thumbs, strict=True) if status != 200]
    assert all(name.startswith("flipped") for name in missing), missing
    worst_thumb = max(t for _, t in thumbs)
    peak = peak_rss_mb(comp.proc.pid)
    elapsed = time.monotonic() - started
    print(
        f"\ncrafted images: {len(images)} posted, {dict(sorted(statuses.items()))}, 0 5xx; worst request "
        f"{worst_post[4]:.2f} s ({worst_post[0]}); {len(stored)} thumbnails {dict(thumb_statuses)}, worst "
        f"{worst_thumb:.2f} s; companion peak RSS {peak:.0f} MB; {elapsed:.1f} s in all"
    )
    assert worst_post[4] < WORST_REQUEST_S and worst_thumb < WORST_REQUEST_S * 3
    assert peak < PEAK_RSS_MB
    assert comp.proc.poll() is None and "Traceback" not in comp.log()


def test_a_capture_after_the_crafted_ones_is_still_quick(comp):
    status, _, took = request(comp, "POST", "/api/v1/captures", json.dumps(capture_payload(seed=99)).encode())
    assert status == 201 and took < 2.0
