"""OCR and screen-watch figures (docs/performance.md, "OCR and screen watch").

- OCR: wall and CPU seconds per 1080×2400 phone screenshot (the first read includes loading the
  engine), and the process's peak RSS;
- watch: the watcher's CPU at one frame per ``--every`` seconds, grabbing a 1080×2400 region
  (Xvfb or a real display; skipped without one).

``--quick`` draws small screenshots and watches for a few frames (the smoke test runs it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def peak_rss_mb() -> float:
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024
    except ImportError:  # Windows: no resource module
        return float("nan")


def bench_ocr(scale: int, reads: int) -> None:
    from helpers import phone_shots

    from companion.ocr.engine import OcrEngine
    from companion.ocr.layout import read_boxes

    engine = OcrEngine()
    shots = [phone_shots.variant(draw(scale), "png")[0] for draw, _ in phone_shots.LAYOUTS.values()]
    walls, cpus = [], []
    for i in range(reads):
        data = shots[i % len(shots)]
        wall, cpu = time.perf_counter(), time.process_time()
        read = engine.read(data)
        read_boxes(read.boxes)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        label = "first (loads the engine)" if i == 0 else f"read {i}"
        print(f"ocr {read.width}x{read.height} {label}: {walls[-1]:.2f} s wall, {cpus[-1]:.2f} s CPU")
    wall_median = statistics.median(walls[1:] or walls)
    cpu_median = statistics.median(cpus[1:] or cpus)
    print(
        f"ocr per {360 * scale}x{800 * scale} screenshot after warm-up: median {wall_median:.2f} s wall,"
        f" {cpu_median:.2f} s CPU; peak RSS {peak_rss_mb():.0f} MB"
    )


def bench_watch(every: float, frames: int) -> None:
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        print("watch: no display (run under xvfb-run -s '-screen 0 1200x2500x24'); skipped")
        return
    from companion.intake.watch import Region, Watcher, mss_grabber

    grab, close = mss_grabber(Region(0, 0, 1080, 2400))
    stored = []
    watcher = Watcher(grab, stored.append)
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        watcher.run(every, limit=frames)
    finally:
        close()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"watch 1080x2400 every {every:g} s: {frames} frames in {wall:.1f} s, {cpu:.2f} s CPU"
        f" ({100 * cpu / wall:.2f} % of one core), {len(stored)} stored"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small images, few frames (smoke test)")
    parser.add_argument("--reads", type=int, default=7)
    parser.add_argument("--every", type=float, default=10.0)
    parser.add_argument("--frames", type=int, default=7)
    args = parser.parse_args()
    if args.quick:
        bench_ocr(scale=1, reads=2)
        bench_watch(every=0.2, frames=3)
    else:
        bench_ocr(scale=3, reads=args.reads)
        bench_watch(every=args.every, frames=args.frames)


if __name__ == "__main__":
    main()
