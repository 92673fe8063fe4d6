"""Benchmark (not a test): the dashboard with a campaign of 10,000 captures.

1. Server time of the campaign page through the Flask test client: the first request (analysis
   re-folded from SQLite, as after a restart) and the median of later ones; also timeline page 50,
   a capture page, the campaigns list, and a thumbnail made vs. served from the cache.
2. Chromium against the companion subprocess: navigation start → first contentful paint, DOM ready
   and load event of the campaign page (first visit, when the 100 thumbnails are made, then later
   visits).

The 10,000 captures are written straight into SQLite with the rows the ingest code writes
(``companion/captures.py``: the capture with its hash chain, its reading, its answer; images
stored through ``BlobStore``), because filling them through the API takes minutes. The tests
use the real API.

Run: python bench/bench_dashboard.py [--captures 10000]   (figures go in docs/dashboard.md)
"""

from __future__ import annotations

import argparse
import io
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from helpers import CHROMIUM, capture_payload, session_client  # noqa: E402
from helpers.companion_proc import start_companion, stop_companion  # noqa: E402

from companion.app import create_app  # noqa: E402
from companion.core.db import connect, write_transaction  # noqa: E402
from companion.core.timeutil import add_seconds, format_rfc3339  # noqa: E402
from companion.evidence.blobs import BlobStore  # noqa: E402
from companion.evidence.chain import GENESIS_HASH, record_hash  # noqa: E402
from companion.evidence.identity import campaign_id_for, page_identity  # noqa: E402
from companion.evidence.ingest import READING_SCALARS  # noqa: E402

CST = timezone(timedelta(hours=8))
URL = "https://mobile.yangkeduo.com/bargain.html?goods_id=bench10k&refer_share_id=x"
FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def screenshot(text: str, seed: int) -> bytes:
    """A phone-sized PNG (390 × 844), like the extension's captures of a mobile page."""
    img = Image.new("RGB", (390, 844), (255, 244, 240))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, 390, 80), fill=(224, 46, 36))
    try:
        font = ImageFont.truetype(str(FONT), 30)
    except OSError:
        font = ImageFont.load_default()
    draw.text((20, 20), "砍价免费拿", fill="white", font=font)
    draw.text((20, 140), text, fill=(40, 40, 40), font=font)
    draw.rectangle((20, 700, 370, 770), fill=(255, 210 - seed % 40, 0))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def fill(data_dir: Path, n: int, images: int = 50, seed: int = 1) -> str:
    """Write ``n`` captures of one campaign the way ``ingest_capture`` does; returns the campaign id."""
    app = create_app({"DATA_DIR": str(data_dir)})  # creates the schema and the token
    blobs = BlobStore(data_dir / "blobs")
    rng = random.Random(seed)
    start = datetime(2026, 11, 20, 8, 0, tzinfo=CST)
    identity = page_identity(URL)
    campaign_id = campaign_id_for(identity)
    stored = []
    for i in range(images):
        data = screenshot(f"截图样本 {i}", i)
        stored.append((blobs.put(data, "image/png"), len(data)))
    db = connect(app.config["DATABASE"])
    cut, helpers, prev = 50.0, 1, GENESIS_HASH
    with write_transaction(db):
        now = format_rfc3339(start)
        host, _, rest = identity.partition("/")
        db["campaigns"].insert(
            {
                "id": campaign_id,
                "identity": identity,
                "host": host,
                "path": "/" + rest.split("?")[0],
                "title": "【砍价免费拿】基准测试商品 10,000 张截图",
                "first_url": URL,
                "created_at": now,
                "updated_at": now,
            }
        )
        captures, readings, answers = [], [], []
        for i in range(n):
            if rng.random() < 0.3:
                helpers += 1
                cut = min(99.0, cut + (99.0 - cut) * rng.uniform(0.0, 0.2))
            taken = start + timedelta(seconds=30 * i)
            pct = int(cut / 99 * 1000) / 10
            facts = {
                "cut_amount": round(cut, 2),
                "remaining_amount": round(99.0 - round(cut, 2), 2),
                "cut_percent": pct,
                "helper_count": helpers,
                "countdown_seconds": max(0, 86400 * 40 - 30 * i),
                "rules_text": "1. 活动时间为24小时。\n2. 每位好友每天可帮砍1次。",
                "raw": {"cut_percent": f"已砍{pct}%"},
            }
            sha, size = stored[i % images]
            capture_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            row = {
                "id": capture_id,
                "campaign_id": campaign_id,
                "taken_at": taken.isoformat(),
                "received_at": format_rfc3339(taken + timedelta(milliseconds=rng.randint(80, 900))),
                "source": "extension",
                "page_url": URL,
                "page_title": "【砍价免费拿】基准测试商品 10,000 张截图",
                "sha256": sha,
                "mime": "image/png",
                "width": 390,
                "height": 844,
                "bytes": size,
                "client_name": "bargain-witness-extension",
                "client_version": "0.1.0",
                "client_browser": "Chromium",
                "facts_json": json.dumps(facts, ensure_ascii=False, sort_keys=True),
            }
            row["prev_hash"] = prev
            row["record_hash"] = prev = record_hash(row, prev)
            captures.append(row)
            reading = {"capture_id": capture_id, "campaign_id": campaign_id, "taken_at": row["taken_at"]}
            reading["taken_utc"] = taken.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            reading.update({k: facts.get(k) for k in READING_SCALARS})
            reading["deadline"] = add_seconds(row["taken_at"], facts["countdown_seconds"])
            reading["helpers_json"] = None
            reading["raw_json"] = json.dumps(facts["raw"], ensure_ascii=False)
            readings.append(reading)
            body = {"capture_id": capture_id, "campaign_id": campaign_id, "sha256": sha, "findings": []}
            answers.append({"capture_id": capture_id, "response_json": json.dumps(body)})
        db["captures"].insert_all(captures, batch_size=500)
        db["readings"].insert_all(readings, batch_size=500)
        db["capture_answers"].insert_all(answers, batch_size=500)
    db.close()
    return campaign_id


def ms(xs: list[float]) -> str:
    return f"{statistics.median(xs) * 1000:.1f} ms"


def timed(client, path: str) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    resp = client.get(path)
    elapsed = time.perf_counter() - t0
    size = len(resp.data)
    resp.close()
    assert resp.status_code == 200, (path, resp.status_code)
    return elapsed, size, resp.status_code


def bench_server(data_dir: Path, campaign_id: str, n: int, repeat: int = 9) -> None:
    app = create_app({"DATA_DIR": str(data_dir)})
    client = session_client(app)  # pages need a dashboard session (docs/security.md)
    page = f"/campaigns/{campaign_id}"
    cold, size, _ = timed(client, page)
    warm = [timed(client, page)[0] for _ in range(repeat)]
    later = [timed(client, f"{page}?page=50")[0] for _ in range(repeat)]
    html = client.get(page).get_data(as_text=True)
    points = html.count('"><title>') - html.count('<a class="finding')
    print(f"campaign page, {n:,} captures: first request {cold * 1000:.0f} ms (analysis re-folded)")
    print(f"  later requests: median {ms(warm)} (min {min(warm) * 1000:.1f}); timeline page 50: {ms(later)}")
    print(f"  HTML {size / 1024:.0f} KiB; chart points drawn: {points} (wide + narrow drawings)")

    # A new capture (through the API) changes the chart: the next view redraws it.
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
    redraw = []
    db = connect(app.config["DATABASE"])
    last = db.execute(
        "SELECT taken_at, cut_amount, remaining_amount, cut_percent, helper_count FROM readings "
        "WHERE campaign_id = ? ORDER BY taken_at DESC LIMIT 1",
        [campaign_id],
    ).fetchone()
    db.close()
    for i in range(5):
        taken = datetime.fromisoformat(last[0]) + timedelta(seconds=30 * (i + 1))
        facts = {"cut_amount": last[1], "remaining_amount": last[2], "cut_percent": last[3]}
        facts["helper_count"] = last[4] + i + 1
        body = capture_payload(url=URL, taken_at=taken, seed=i, facts=facts)
        assert client.post("/api/v1/captures", json=body).status_code == 201
        redraw.append(timed(client, page)[0])
    print(f"  first view after a new capture (chart redrawn, analysis warm): median {ms(redraw)}")

    capture_id = html.split('<li id="capture-', 2)[1].split('"', 1)[0]
    cap = [timed(client, f"/captures/{capture_id}")[0] for _ in range(repeat)]
    lst = [timed(client, "/")[0] for _ in range(repeat)]
    print(f"  capture page: {ms(cap)}; campaigns list: {ms(lst)}")

    thumbs = app.extensions["bargain_witness"].thumbnails
    made, cached = [], []
    ids = [s.split('"', 1)[0] for s in html.split('<li id="capture-')[1:]]
    for cid in ids:
        before = thumbs.generated
        t, _, _ = timed(client, f"/captures/{cid}/thumb")
        (made if thumbs.generated > before else cached).append(t)
    again = [timed(client, f"/captures/{cid}/thumb")[0] for cid in ids]
    print(f"  thumbnail 390×844 PNG → WebP: made {ms(made)} ({len(made)} made); from the cache {ms(again)}")


PAINT_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint');
  return {fcp: fcp ? fcp.startTime : null, dom: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
          ttfb: nav.responseStart, html: nav.responseEnd, interactive: nav.domInteractive};
}"""


PAINTED = (
    "() => performance.getEntriesByType('navigation')[0].loadEventEnd > 0 && "
    "performance.getEntriesByType('paint').some(e => e.name === 'first-contentful-paint')"
)


def visit(browser, comp, url: str) -> dict:
    """One navigation in a fresh context (empty cache): its timings, in ms from navigation start.
    The context first opens a dashboard session (``Companion.login``), outside the timing."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    comp.login(ctx).close()
    page = ctx.new_page()
    page.goto(url, wait_until="load")
    page.wait_for_function(PAINTED)
    timings = page.evaluate(PAINT_JS)
    ctx.close()
    return timings


def bench_browser(data_dir: Path, campaign_id: str, repeat: int = 5) -> None:
    from playwright.sync_api import sync_playwright

    comp = start_companion(data_dir)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            base = [visit(browser, comp, f"{comp.url}/settings") for _ in range(repeat)]
            first = visit(browser, comp, f"{comp.url}/campaigns/{campaign_id}")
            runs = [visit(browser, comp, f"{comp.url}/campaigns/{campaign_id}") for _ in range(repeat)]
            (ROOT / "test-artifacts").mkdir(exist_ok=True)
            for width, height in ((1366, 768), (390, 844)):
                ctx = browser.new_context(viewport={"width": width, "height": height})
                page = comp.login(ctx)
                page.goto(f"{comp.url}/campaigns/{campaign_id}", wait_until="load")
                shot = ROOT / "test-artifacts" / f"bench-campaign-10k-{width}x{height}.png"
                page.screenshot(path=str(shot))
                ctx.close()
            browser.close()
    finally:
        stop_companion(comp)
    print(
        f"Chromium, campaign page at 1366×768: first visit after start FCP {first['fcp']:.0f} ms, "
        f"load {first['load']:.0f} ms (analysis re-folded, thumbnails made on the way)"
    )
    med = {k: statistics.median(r[k] for r in runs) for k in first}
    print(
        f"  later visits (median of {repeat}, fresh browser context): first byte {med['ttfb']:.0f} ms, "
        f"HTML received {med['html']:.0f} ms, FCP {med['fcp']:.0f} ms, "
        f"DOM interactive {med['interactive']:.0f} ms, load {med['load']:.0f} ms"
    )
    print(
        f"  for scale, the tiny settings page: FCP {statistics.median(r['fcp'] for r in base):.0f} ms, "
        f"load {statistics.median(r['load'] for r in base):.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--captures", type=int, default=10_000)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        t0 = time.perf_counter()
        campaign_id = fill(data_dir, args.captures)
        print(f"filled {args.captures:,} captures directly into SQLite in {time.perf_counter() - t0:.1f} s")
        bench_server(data_dir, campaign_id, args.captures)
        if not args.no_browser:
            shutil.rmtree(data_dir / "thumbs")  # so the first visit makes them
            bench_browser(data_dir, campaign_id)


if __name__ == "__main__":
    main()
