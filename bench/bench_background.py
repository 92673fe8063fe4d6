"""Benchmark (not a test): the job worker's work beside the captures (#13).

1. A thumbnail's CPU time for a 390x844, a 1280x800 and a 1080x2400 screenshot (the job worker makes
   one per capture; median of ``--thumbs``).
2. Capture POSTs while the worker reads a phone screenshot by OCR, against POSTs with the worker
   idle, to the companion as the user runs it (``served.py``, OCR cross-check on). Skipped with
   ``--thumbs-only`` (loading the OCR engine takes seconds and ~0.6 GB).

Run: .venv/bin/python bench/bench_background.py [--thumbs 20] [--posts 400] [--thumbs-only]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_growth import payload  # noqa: E402
from bench_ingest import page_png  # noqa: E402
from served import Served  # noqa: E402

from companion.campaigns.thumbnails import Thumbnails  # noqa: E402


def thumbnail_cpu(repeat: int) -> None:
    print(f"thumbnail CPU time (median of {repeat})")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for width, height in ((390, 844), (1280, 800), (1080, 2400)):
            original = root / f"{width}x{height}.png"
            original.write_bytes(page_png(width, height, 3))
            sha = hashlib.sha256(original.read_bytes()).hexdigest()
            times = []
            for i in range(repeat):
                thumbs = Thumbnails(root / f"thumbs-{width}-{i}")
                t0 = time.process_time()
                made = thumbs.get(sha, original)
                times.append(time.process_time() - t0)
            size = made.stat().st_size / 1024
            print(
                f"  {width}x{height}: {statistics.median(times) * 1000:5.1f} ms, {size:.0f} KiB {made.suffix}"
            )


def _ocr_running(served: Served) -> bool:
    with sqlite3.connect(f"{served.database.resolve().as_uri()}?mode=ro", uri=True) as conn:
        return bool(
            conn.execute("SELECT COUNT(*) FROM jobs WHERE state = 'running' AND kind LIKE 'ocr%'").fetchone()[
                0
            ]
        )


def posts_during_ocr(limit: int) -> None:
    """POSTs one after another for as long as one OCR job runs (up to ``limit``), against as many
    with the worker idle. The cross-check is off so that only the screenshot sent without figures is
    read (as an import is); the captures are a steady campaign (few findings, a steady answer)."""

    def raw(i: int, size=(390, 844), facts: bool = True) -> bytes:
        body = payload(i, page_png(*size, i), source="extension" if facts else "screen")
        if not facts:  # a watched screen's frame: read by OCR whatever the cross-check says
            del body["facts"]
        return json.dumps(body).encode()

    with tempfile.TemporaryDirectory() as tmp:
        served = Served(Path(tmp) / "data", {"ocr": {"cross_check": False}})
        try:
            conn = served.connection()
            served.post(conn, raw(0, facts=False))
            served.wait_idle()  # read by OCR: the engine is loaded
            idle = [served.post(conn, raw(1 + i)) for i in range(limit)]
            bodies = [raw(1 + limit + i) for i in range(limit)]
            served.wait_idle()
            served.post(conn, raw(2 * limit + 1, (1080, 2400), facts=False))  # a tall one to read
            deadline = time.monotonic() + 30
            while not _ocr_running(served):  # the worker starts it once captures pause
                if time.monotonic() > deadline:
                    raise AssertionError("the OCR job did not start")
                time.sleep(0.005)  # a benchmark's poll interval
            during = []
            while len(during) < limit and _ocr_running(served):
                during.append(served.post(conn, bodies[len(during)]))
        finally:
            served.close()
    idle = idle[: len(during)]
    q = statistics.quantiles
    print(
        f"capture POST, 390x844, {len(during)} while the worker read a 1080x2400 screenshot by OCR: "
        f"median {statistics.median(during) * 1000:.1f} ms, p90 {q(during, n=10)[-1] * 1000:.1f} ms; "
        f"as many with the worker idle: median {statistics.median(idle) * 1000:.1f} ms, "
        f"p90 {q(idle, n=10)[-1] * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--thumbs", type=int, default=20)
    parser.add_argument("--posts", type=int, default=400, help="at most this many during the OCR job")
    parser.add_argument("--thumbs-only", action="store_true")
    args = parser.parse_args()
    thumbnail_cpu(args.thumbs)
    if not args.thumbs_only:
        posts_during_ocr(args.posts)


if __name__ == "__main__":
    main()
