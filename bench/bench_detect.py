"""Benchmark (not a test): detection cost on big campaigns.

1. find_anomalies over one campaign of 100,000 readings (pure analysis, in memory).
2. A capture POST into a campaign that already has 5,000 readings: total time through the Flask
   app (validation, Pillow check, fsync'd file write, SQLite commit) and the part of it that is
   analysis (loading the readings + find_anomalies).
3. The analysis step of one capture (``Analyzer.findings()``: the findings, grouped into incidents)
   in a campaign whose findings keep growing (``bench_growth.py --findings-only``'s, 250 findings
   at 1,500 captures): what a capture's answer costs there, without HTTP or the machine's disk.

Run: .venv/bin/python bench/bench_detect.py   (figures go in docs/performance.md)
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from helpers import capture_payload

from companion.analysis.cache import campaign_findings
from companion.analysis.detect import find_anomalies
from companion.app import create_app
from companion.core.db import connect

CST = timezone(timedelta(hours=8))


def synthetic_readings(n: int, seed: int = 1) -> list[dict]:
    """A long watched campaign: slow progress, helpers arriving, countdown ticking, a few stalls."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 20, 8, 0, tzinfo=CST)
    cut, helpers, out = 50.0, 1, []
    for i in range(n):
        if rng.random() < 0.3:
            helpers += 1
            cut = min(99.0, cut + (99.0 - cut) * rng.uniform(0.0, 0.2))
        t = start + timedelta(seconds=30 * i)
        out.append(
            {
                "capture_id": f"r{i:06d}",
                "taken_at": t.isoformat(),
                "cut_amount": round(cut, 2),
                "remaining_amount": round(99.0 - round(cut, 2), 2),
                "cut_percent": int(cut / 99 * 1000) / 10,
                "helper_count": helpers,
                "countdown_seconds": max(0, 86400 * 40 - 30 * i),
                "rules_text": "1. 活动时间为24小时。\n2. 每位好友每天可帮砍1次。",
                "raw": {"cut_percent": f"已砍{int(cut / 99 * 1000) / 10}%"},
            }
        )
    return out


def bench_pure(n: int = 100_000) -> None:
    readings = synthetic_readings(n)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        findings = find_anomalies(readings)
        times.append(time.perf_counter() - t0)
    print(
        f"find_anomalies({n:,} readings): median {statistics.median(times):.2f} s "
        f"(min {min(times):.2f}), {len(findings)} findings"
    )
    tracemalloc.start()
    find_anomalies(readings)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  peak memory allocated by the fold: {peak / 2**20:.1f} MiB (the input readings excluded)")


def _client(tmp: str, **config):
    app = create_app({"DATA_DIR": tmp, **config})
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
    return app, client


def _body(r: dict, seed: int = 0) -> dict:
    keys = (
        "cut_amount",
        "remaining_amount",
        "cut_percent",
        "helper_count",
        "countdown_seconds",
        "rules_text",
        "raw",
    )
    return capture_payload(
        url="https://mobile.yangkeduo.com/bargain.html?goods_id=bench",
        facts={k: r[k] for k in keys},
        taken_at=datetime.fromisoformat(r["taken_at"]),
        seed=seed,
    )


def bench_post(existing: int = 5_000, posts: int = 50) -> None:
    """POST cost at `existing` readings: incremental (warm cache), and the cold re-fold it avoids."""
    readings = synthetic_readings(existing + posts)
    with tempfile.TemporaryDirectory() as tmp:
        app, client = _client(tmp)
        t0 = time.perf_counter()
        for r in readings[:existing]:
            assert client.post("/api/v1/captures", json=_body(r)).status_code == 201
        print(
            f"filled {existing:,} captures through the API in {time.perf_counter() - t0:.1f} s "
            f"({(time.perf_counter() - t0) / existing * 1000:.1f} ms each on average)"
        )
        post_times = []
        campaign_id = None
        for r in readings[existing:]:
            t0 = time.perf_counter()
            resp = client.post("/api/v1/captures", json=_body(r))
            post_times.append(time.perf_counter() - t0)
            campaign_id = resp.get_json()["campaign_id"]
        cache = app.extensions["bargain_witness"].analysis
        db = connect(app.config["DATABASE"])
        warm = []
        for _ in range(posts):
            t0 = time.perf_counter()
            cache.findings(db, campaign_id)
            warm.append(time.perf_counter() - t0)
        cold = []
        for _ in range(5):
            t0 = time.perf_counter()
            campaign_findings(db, campaign_id, cache.thresholds)
            cold.append(time.perf_counter() - t0)
        db.close()
    with tempfile.TemporaryDirectory() as tmp:
        _, client = _client(tmp)
        bare = []
        for r in readings[:posts]:
            t0 = time.perf_counter()
            client.post("/api/v1/captures", json=_body(r))
            bare.append(time.perf_counter() - t0)
    ms = lambda xs: f"{statistics.median(xs) * 1000:.1f} ms"  # noqa: E731
    print(
        f"capture POST into a campaign with {existing:,} readings: median {ms(post_times)} "
        f"(p90 {sorted(post_times)[int(posts * 0.9)] * 1000:.1f} ms); "
        f"same POST into an empty campaign: {ms(bare)}"
    )
    print(
        f"  findings from the warm analyzer: {ms(warm)}; cold re-fold of {existing:,} readings "
        f"(after a restart or an out-of-order arrival): {ms(cold)}"
    )


def bench_findings_step(captures: int = 1_500, steps: int = 40) -> None:
    import json

    from bench_ingest import body

    from companion.analysis.detect import Analyzer
    from companion.analysis.points import to_points
    from companion.evidence.ingest import reading_facts

    readings = []
    for n in range(captures):
        sent = json.loads(body(b"", n))
        readings.append(
            {"capture_id": sent["capture_id"], "taken_at": sent["taken_at"], **reading_facts(sent)}
        )
    points = to_points(readings)
    analyzer, times, found = Analyzer(), [], []
    for p in points[:-steps]:
        analyzer.add(p)
    for p in points[-steps:]:  # as the cache does at each capture: one add, then the answer's findings
        analyzer.add(p)
        t0 = time.perf_counter()
        found = analyzer.findings()
        times.append(time.perf_counter() - t0)
    print(
        f"analysis step of one capture at {captures:,} captures ({len(found)} findings): "
        f"median {statistics.median(times[5:]) * 1000:.2f} ms"
    )


if __name__ == "__main__":
    # --quick: tiny sizes, for the smoke test that keeps this script running (tests/test_bench_smoke.py)
    quick = "--quick" in sys.argv[1:]
    bench_pure(2_000 if quick else 100_000)
    bench_post(existing=200, posts=10) if quick else bench_post()
    bench_findings_step(200, 10) if quick else bench_findings_step()
