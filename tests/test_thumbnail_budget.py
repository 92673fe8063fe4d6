"""Thumbnails decode within one pixel budget, off the request path when they can (#11)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from helpers import capture_payload, png_bytes
from helpers.crafted_images import encode, picture

from companion.app import create_app
from companion.campaigns.thumbnails import PixelBudget, ThumbnailError, Thumbnails


def test_budget_lets_a_few_small_or_one_large_decode_at_once():
    budget = PixelBudget(100)
    assert budget.acquire(40) and budget.acquire(40)
    assert not budget.acquire(40, timeout=0.05)  # over the budget: waits, then gives up
    done = threading.Event()

    def large():
        budget.acquire(500)  # larger than the budget: runs, but alone
        done.set()
        budget.release(500)

    worker = threading.Thread(target=large)
    worker.start()
    assert not done.wait(0.1)
    budget.release(40)
    budget.release(40)
    assert done.wait(5)
    worker.join(5)
    assert budget.used == 0 and budget.peak == 500


def test_thumbnail_request_answers_503_when_the_budget_is_taken(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "THUMBNAIL_WAIT": 0.2})
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
    answer = client.post("/api/v1/captures", json=capture_payload(image=png_bytes(640, 480))).get_json()
    thumbs: Thumbnails = app.extensions["bargain_witness"].thumbnails
    assert thumbs.budget.acquire(thumbs.budget.limit)  # e.g. an 8K image being decoded
    started = time.monotonic()
    busy = client.get(f"/captures/{answer['capture_id']}/thumb")
    waited = time.monotonic() - started
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "2" and waited < 2
    thumbs.budget.release(thumbs.budget.limit)
    ready = client.get(f"/captures/{answer['capture_id']}/thumb")
    assert ready.status_code == 200
    ready.close()
    print(f"\nthumbnail budget: a request that found it taken answered 503 after {waited:.2f} s, then 200")


def test_undecodable_or_oversized_original_has_no_thumbnail(tmp_path):
    thumbs = Thumbnails(tmp_path / "thumbs", max_pixels=100 * 100)
    big = tmp_path / "big.png"
    big.write_bytes(encode(picture(200, 100), "PNG"))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(encode(picture(), "JPEG")[:300])
    for original in (big, broken):
        with pytest.raises(ThumbnailError):
            thumbs.get("a" * 64, original)
    assert thumbs.budget.used == 0 and not list(Path(tmp_path / "thumbs").glob("*"))
