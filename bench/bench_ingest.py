"""Benchmark (not a test): a capture POST against the floor, measured as a ratio in one run.

The floor is what any archiver of the same bytes must do, with no HTTP: Base64 decode, SHA-256, write
the file and fsync it. The POST is the real thing: JSON over HTTP (keep-alive, as the extension's
fetch) to the companion as the user runs it (``bargain-witness serve`` in its own process, its job
worker running, the default config: ``served.py``), validation, the image check, the
content-addressed file, the SQLite commit and the answer. Also printed: the companion's CPU per POST
(its job worker's share included) where ``/proc`` says it. ``--profile`` runs the server in this
process instead (cProfile can't see another one). Three images: a phone screenshot (390×844), a desktop page
(1280×800) and the worst case, a 1280×800 frame of noise (about 3 MB of PNG).

Also counts the syncs (fsync/fdatasync) one capture costs, under ``strace`` when it is installed
(``--syncs``), and can profile the POSTs (``--profile``: cProfile of the server side, top 25).

``--chromium`` adds two sets of real screenshots: Debian's Chromium showing the project's bargain
pages (the issue's goals speak of real screenshots; ``page_png`` draws flatter ones, 7-16 KB).

Run: .venv/bin/python bench/bench_ingest.py [--posts 30] [--chromium] [--syncs] [--profile [--sort cumtime]]
(figures go in docs/performance.md)
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import functools
import hashlib
import io
import json
import os
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from served import CaptureClient, Served  # noqa: E402

from companion.app import create_app  # noqa: E402
from companion.core.server import make_server  # noqa: E402

CST = timezone(timedelta(hours=8))


def page_png(width: int, height: int, seed: int) -> bytes:
    """A screenshot-like PNG: flat colours, text-like strokes, a banner (compresses as a page does)."""
    rng = random.Random(seed)
    img = Image.new("RGB", (width, height), (255, 244, 240))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, width, 80), fill=(224, 46, 36))
    for y in range(120, height - 40, 28):
        x = 20
        while x < width - 60:
            w = rng.randint(8, 40)
            draw.rectangle((x, y, x + w, y + 14), fill=(rng.randint(0, 90),) * 3)
            x += w + rng.randint(4, 12)
    draw.text((20, 20), f"bargain {seed}", fill="white")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def noise_png(width: int, height: int, seed: int) -> bytes:
    """The worst case for a screenshot: every pixel random (a PNG that does not compress)."""
    img = Image.frombytes("RGB", (width, height), random.Random(seed).randbytes(width * height * 3))
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


@functools.lru_cache(maxsize=4)
def chromium_shots(width: int, height: int, count: int) -> tuple[bytes, ...]:
    """Real screenshots: Debian's Chromium (as the tests drive it) showing the project's bargain
    pages (tests/fixtures/pages: the mobile ones at a phone's width, the desktop ones at a
    laptop's), one per capture, each with a line of its own on top as consecutive captures differ.
    Chromium's PNGs of text pages are 30-60 KB where ``page_png`` draws 7-16 KB: their floor is a
    little higher, their decode and hash a little dearer."""
    from helpers import launch_chromium
    from playwright.sync_api import sync_playwright

    kind = "mobile" if width < 800 else "desktop"
    pages = sorted((ROOT / "tests" / "fixtures" / "pages").glob(f"{kind}_*.html"))
    shots = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": width, "height": height})
        for n in range(count):
            page.goto(pages[n % len(pages)].as_uri())
            page.evaluate("n => document.body.insertAdjacentText('afterbegin', `第 ${n} 次截图`)", n)
            shots.append(page.screenshot(type="png"))
        browser.close()
    return tuple(shots)


IMAGES = {
    "390x844": lambda s: page_png(390, 844, s),
    "1280x800": lambda s: page_png(1280, 800, s),
    "3MB noise 1280x800": lambda s: noise_png(1280, 800, s),
}
CHROMIUM_IMAGES = {
    "Chromium 390x844": lambda s, n: chromium_shots(390, 844, n)[s],
    "Chromium 1280x800": lambda s, n: chromium_shots(1280, 800, n)[s],
}


def body(image: bytes, n: int) -> bytes:
    taken = datetime(2026, 11, 20, 8, 0, tzinfo=CST) + timedelta(seconds=30 * n)
    payload = {
        "capture_id": str(uuid.uuid4()),
        "taken_at": taken.isoformat(),
        "source": "extension",
        "page": {"url": "https://mobile.yangkeduo.com/bargain.html?goods_id=ingest", "title": "砍价免费拿"},
        "image": {"mime": "image/png", "data_base64": base64.b64encode(image).decode("ascii")},
        "facts": {"cut_amount": 90 + n * 0.001, "remaining_amount": 9 - n * 0.001, "helper_count": n},
        "client": {"name": "bench", "version": "0", "browser": "bench"},
    }
    return json.dumps(payload).encode("utf-8")


def floor_once(b64_body: bytes, folder: Path) -> float:
    """Base64 decode + SHA-256 + write + fsync of the same bytes: no HTTP, no JSON, no database."""
    t0 = time.perf_counter()
    data = base64.b64decode(b64_body)
    digest = hashlib.sha256(data).hexdigest()
    with open(folder / digest, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return time.perf_counter() - t0


class Server(CaptureClient):
    """The companion's own waitress server, in a thread of this process."""

    def __init__(self, data_dir: str) -> None:
        self.app = create_app({"DATA_DIR": data_dir})
        self.server = make_server(self.app, 0, threads=4)
        self.port = self.server.effective_port
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        self.token = self.app.config["API_TOKEN"]

    def close(self) -> None:
        """Nothing to do: the server thread is a daemon and ends with the process (waitress has no
        clean stop from another thread)."""


def _profiled(wsgi_app, profile: cProfile.Profile):
    """Profile the server side of each request (requests here come one at a time)."""

    def app(environ, start_response):
        profile.enable()
        try:
            return wsgi_app(environ, start_response)
        finally:
            profile.disable()

    return app


def measure(
    name: str, posts: int, profile: cProfile.Profile | None, config: dict | None = None
) -> tuple[float, float, float | None]:
    """Medians of the floor and the POST, and the companion's CPU seconds per POST (or None)."""
    if name in CHROMIUM_IMAGES:
        images = [CHROMIUM_IMAGES[name](s, posts) for s in range(posts)]
    else:
        images = [IMAGES[name](s) for s in range(posts)]
    bodies = [body(img, n) for n, img in enumerate(images)]
    b64 = [base64.b64encode(img) for img in images]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "floor"
        folder.mkdir()
        server = Server(str(Path(tmp) / "data")) if profile else Served(Path(tmp) / "data", config)
        conn = server.connection()
        server.post(conn, bodies[0])  # warm: schema, first connection, imports
        if isinstance(server, Served):
            server.wait_idle()  # its thumbnail and OCR (the engine's first load) done first
        if profile:
            server.app.wsgi_app = _profiled(server.app.wsgi_app, profile)
        cpu0 = server.cpu_seconds() if isinstance(server, Served) else None
        floor, post = [], []
        for n in range(1, posts):  # interleaved, so both see the same machine load
            floor.append(floor_once(b64[n], folder))
            post.append(server.post(conn, bodies[n]))
        cpu1 = server.cpu_seconds() if isinstance(server, Served) else None
        conn.close()
        server.close()
    cpu = (cpu1 - cpu0) / (posts - 1) if cpu0 is not None and cpu1 is not None else None
    return statistics.median(floor), statistics.median(post), cpu


def count_syncs(posts: int) -> None:
    """Run a few POSTs of one size under strace and count fsync/fdatasync per capture."""
    if not shutil.which("strace"):
        print("syncs per capture: strace not installed, skipped")
        return
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as trace:
        command = [sys.executable, __file__, "--sync-child", str(posts)]
        strace = ["strace", "-f", "-y", "-e", "trace=fsync,fdatasync,write", "-o", trace.name]
        subprocess.run([*strace, *command], check=True, capture_output=True)
        lines = trace.read().splitlines()
    start = next(i for i, line in enumerate(lines) if "MARK-START" in line)
    end = next(i for i, line in enumerate(lines) if "MARK-END" in line)
    syncs = [line for line in lines[start:end] if "fsync(" in line or "fdatasync(" in line]
    kinds = {"image file": 0, "blobs folder": 0, "SQLite WAL": 0, "SQLite database": 0, "other": 0}
    for line in syncs:
        path = line[line.index("<") + 1 : line.rindex(">")] if "<" in line else ""
        kind = (
            "SQLite WAL"
            if path.endswith("-wal")
            else "SQLite database"
            if path.endswith(".sqlite3")
            else "image file"
            if ".tmp-" in path
            else "blobs folder"
            if "/blobs" in path
            else "other"
        )
        kinds[kind] += 1
    parts = ", ".join(f"{k} {v / posts:.1f}" for k, v in kinds.items() if v)
    print(f"syncs per capture (strace, {posts} POSTs): {len(syncs) / posts:.1f} ({parts})")


def sync_child(posts: int) -> None:
    """The traced side of ``count_syncs``: one warm-up POST, then ``posts`` between two markers."""
    images = [page_png(390, 844, s) for s in range(posts + 1)]
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(tmp)
        conn = server.connection()
        server.post(conn, body(images[0], 0))
        with open(os.devnull, "w") as null:
            null.write("MARK-START")
            null.flush()
            for n, image in enumerate(images[1:], 1):
                server.post(conn, body(image, n))
            null.write("MARK-END")
            null.flush()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=30)
    parser.add_argument("--syncs", action="store_true", help="count fsync/fdatasync per capture (strace)")
    parser.add_argument("--profile", action="store_true", help="cProfile the POSTs (server side)")
    parser.add_argument("--only", choices=[*IMAGES, *CHROMIUM_IMAGES], help="one image set only")
    parser.add_argument(
        "--chromium", action="store_true", help="also real Chromium screenshots of the fixture pages"
    )
    parser.add_argument("--sort", default="tottime", help="--profile: the pstats order (cumulative...)")
    parser.add_argument(
        "--no-ocr", action="store_true", help="OCR cross-check off (the smoke test: no engine to load)"
    )
    parser.add_argument("--sync-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sync_child:
        return sync_child(args.sync_child)
    profile = cProfile.Profile() if args.profile else None
    print(f"capture POST against the floor (median of {args.posts - 1} each, interleaved)")
    names = [*IMAGES, *(CHROMIUM_IMAGES if args.chromium else ())]
    for name in [args.only] if args.only else names:
        config = {"ocr": {"cross_check": False}} if args.no_ocr else None
        floor, post, cpu = measure(name, args.posts, profile, config)
        ms = f"floor {floor * 1000:6.1f} ms  POST {post * 1000:6.1f} ms"
        used = f"  companion CPU {cpu * 1000:5.1f} ms a POST" if cpu is not None else ""
        print(f"  {name:20s} {ms}  ratio {post / floor:4.1f}x{used}")
    if args.syncs:
        count_syncs(min(args.posts, 10))
    if profile:
        pstats.Stats(profile).sort_stats(args.sort).print_stats(30)


if __name__ == "__main__":
    main()
