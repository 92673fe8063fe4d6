"""Benchmark (not a test): how costs grow with the archive (docs/performance.md, "Growth").

1. Capture POST (real HTTP, keep-alive, 390×844 PNG) into a campaign of 10 / 1,000 / 10,000 /
   100,000 readings: in order (later than all), late by 50 readings (the offline queue), and the
   oldest of all (the worst case); each against the floor measured in the same run.
2. At 1,000 and 10,000 captures: campaign detail (first API page), findings, the dashboard page,
   export (time and peak memory, in a child process so its peak is its own) and verify.
3. Bytes on disk per capture, and what an identical frame costs.
4. Several clients posting into one campaign at once: captures/s of 1 and of 4 clients.

The campaigns are written straight into SQLite with the rows ``ingest.py`` builds (``capture_row``,
``reading_row``: hash chains included) because filling 100,000 through the API takes an hour; the
measured POSTs then go through the real server.

Run: .venv/bin/python bench/bench_growth.py [--sizes 10,1000,10000,100000] [--quick]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_ingest import CST, Server, body, floor_once, page_png  # noqa: E402
from served import Served  # noqa: E402

from companion.app import create_app  # noqa: E402
from companion.core.config import DataDir  # noqa: E402
from companion.core.db import connect, write_transaction  # noqa: E402
from companion.core.timeutil import format_rfc3339  # noqa: E402
from companion.evidence.blobs import BlobStore  # noqa: E402
from companion.evidence.chain import GENESIS_HASH  # noqa: E402
from companion.evidence.identity import campaign_id_for, page_identity  # noqa: E402
from companion.evidence.imaging import ImageInfo  # noqa: E402
from companion.evidence.ingest import (  # noqa: E402
    ChainPlace,
    CheckedCapture,
    capture_row,
    reading_facts,
    reading_row,
)
from companion.evidence.verify import verify_archive  # noqa: E402

URL = "https://mobile.yangkeduo.com/bargain.html?goods_id=growth"
START = datetime(2026, 10, 1, 8, 0, tzinfo=CST)  # 100,000 readings 30 s apart end in the past
DISTINCT_FRAMES = 40


def create_app_at(data_dir: str | Path):
    return create_app({"DATA_DIR": str(data_dir)})


def facts(i: int) -> dict:
    cut = 50 + 49 * (1 - 0.9999 ** (i + 1))
    return {
        "cut_amount": round(cut, 2),
        "remaining_amount": round(99 - round(cut, 2), 2),
        "helper_count": 1 + max(0, i) // 200,  # a watched campaign: many captures per assist
        "countdown_seconds": max(0, 86400 * 60 - 30 * i),
    }


def payload(i: int, image: bytes, minutes_offset: float = 0.0, source: str = "extension") -> dict:
    """Capture ``i`` of the campaign. An extension capture more than an hour older than the newest is
    flagged and left out of analysis (docs/evidence.md), so the oldest-of-all case is an import."""
    return {
        "capture_id": str(uuid.uuid4()),
        "taken_at": (START + timedelta(seconds=30 * i + 60 * minutes_offset)).isoformat(),
        "source": source,
        "page": {"url": URL, "title": "砍价免费拿"},
        "image": {"mime": "image/png", "data_base64": base64.b64encode(image).decode("ascii")},
        "facts": facts(i),
        "client": {"name": "bench", "version": "0", "browser": "bench"},
    }


def fill(data_dir: Path, n: int) -> str:
    """``n`` captures of one campaign, 30 s apart, as ingest stores them; returns the campaign id."""
    server_app = create_app_at(str(data_dir))  # schema and token
    blobs = BlobStore(DataDir(data_dir).blobs)
    frames = [page_png(390, 844, s) for s in range(min(n, DISTINCT_FRAMES))]  # each one used
    digests = [blobs.put(f, "image/png") for f in frames]
    identity = page_identity(URL)
    campaign_id = campaign_id_for(identity)
    db = connect(server_app.config["DATABASE"])
    now = format_rfc3339(START)
    with write_transaction(db):
        db["campaigns"].insert(
            {
                "id": campaign_id,
                "identity": identity,
                "host": identity.partition("/")[0],
                "path": "/bargain.html",
                "title": "砍价免费拿",
                "first_url": URL,
                "created_at": now,
                "updated_at": now,
            }
        )
        prev = GENESIS_HASH
        captures, readings = [], []
        for i in range(n):
            body = payload(i, b"")
            k = i % len(frames)
            checked = CheckedCapture(
                payload=body,
                capture_id=body["capture_id"],
                data=frames[k],
                sha256=digests[k],
                image=ImageInfo("image/png", 390, 844),
                user_agent="Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36",
            )
            received = format_rfc3339(START + timedelta(seconds=30 * i + 1))
            place = ChainPlace(i + 1, prev, prev, i + 1, None)
            row = capture_row(checked, campaign_id, received, place)
            prev = row["record_hash"]
            captures.append(row)
            readings.append(
                reading_row(body["capture_id"], campaign_id, body["taken_at"], reading_facts(body))
            )
            if len(captures) >= 5000:
                db["captures"].insert_all(captures, batch_size=500)
                db["readings"].insert_all(readings, batch_size=500)
                captures, readings = [], []
        db["captures"].insert_all(captures, batch_size=500)
        db["readings"].insert_all(readings, batch_size=500)
    db.close()
    return campaign_id


def _post(server: Server, conn: http.client.HTTPConnection, body: dict) -> float:
    return server.post(conn, json.dumps(body).encode())


def _get(
    server: Server, conn: http.client.HTTPConnection, path: str, token: bool = True
) -> tuple[float, int]:
    headers = {"Host": f"127.0.0.1:{server.port}"}
    if token:
        headers["Authorization"] = f"Bearer {server.token}"
    t0 = time.perf_counter()
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    assert resp.status == 200, (path, resp.status, data[:200])
    return time.perf_counter() - t0, len(data)


def ms(xs) -> str:
    return f"{statistics.median(xs) * 1000:.1f} ms"


def posts_at(n: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        t0 = time.perf_counter()
        campaign_id = fill(data, n)
        fill_s = time.perf_counter() - t0
        server = Server(str(data))
        conn = server.connection()
        t0 = time.perf_counter()
        _get(server, conn, f"/api/v1/campaigns/{campaign_id}/findings")
        cold = time.perf_counter() - t0
        image = page_png(390, 844, 999)
        floor_dir = Path(tmp) / "floor"
        floor_dir.mkdir()
        b64 = base64.b64encode(image)
        floors, in_order, late, oldest = [], [], [], []
        for j in range(repeat):
            floors.append(floor_once(b64, floor_dir))
            in_order.append(_post(server, conn, payload(n + j, page_png(390, 844, 1000 + j))))
        for j in range(repeat):
            # 50 readings (25 minutes) before the newest: a capture the offline queue sends late
            frame = page_png(390, 844, 2000 + j)
            late.append(_post(server, conn, payload(max(0, n + repeat - 50), frame, 0.01 * j)))
        for j in range(max(3, repeat // 3)):
            frame = page_png(390, 844, 3000 + j)
            oldest.append(_post(server, conn, payload(-1 - j, frame, source="import")))
        print(
            f"  {n:>7,} readings: floor {ms(floors)}; POST in order {ms(in_order)} "
            f"({statistics.median(in_order) / statistics.median(floors):.1f}x floor), "
            f"late by 50 {ms(late)}, oldest of all {ms(oldest)}; "
            f"first findings after a restart (full fold) {cold * 1000:.0f} ms; fill {fill_s:.1f} s"
        )


def reads_at(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        campaign_id = fill(data, n)
        server = Server(str(data))
        conn = server.connection()
        _get(server, conn, f"/api/v1/campaigns/{campaign_id}/findings")  # warm the analysis
        detail = [_get(server, conn, f"/api/v1/campaigns/{campaign_id}") for _ in range(5)]
        findings = [_get(server, conn, f"/api/v1/campaigns/{campaign_id}/findings") for _ in range(5)]
        page = [_get(server, conn, f"/campaigns/{campaign_id}") for _ in range(5)]  # a token opens pages too
        export = json.loads(
            subprocess.run(
                [sys.executable, __file__, "--export-child", str(data), campaign_id],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        t0 = time.perf_counter()
        report = verify_archive(DataDir(data))
        verify_s = time.perf_counter() - t0
        assert not report.problems, report.problems[:3]
        print(
            f"  {n:>7,} captures: detail (first page) {ms([d[0] for d in detail])}, "
            f"{detail[0][1] / 1024:.0f} KiB; findings {ms([f[0] for f in findings])}; "
            f"dashboard page {ms([p[0] for p in page])}; export {export['seconds']:.1f} s, "
            f"peak RSS {export['peak_mib']:.0f} MiB, {export['zip_mib']:.0f} MiB ZIP; verify {verify_s:.2f} s"
        )


def peak_rss_mib() -> float:
    """This process's peak resident memory: VmHWM (Linux: reset by exec, where ru_maxrss carries
    the parent's peak over), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def export_child(data: str, campaign_id: str) -> None:
    """Export one campaign in this (fresh) process; print its time and peak resident memory."""
    app = create_app_at(data)
    base = peak_rss_mib()
    with app.test_client() as client:
        t0 = time.perf_counter()
        resp = client.get(f"/campaigns/{campaign_id}/export", buffered=False)
        size = sum(len(chunk) for chunk in resp.response)
        resp.close()
        seconds = time.perf_counter() - t0
    result = {"seconds": seconds, "peak_mib": peak_rss_mib(), "base_mib": base, "zip_mib": size / 2**20}
    print(json.dumps(result))


def disk_cost() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        server = Server(str(data))
        conn = server.connection()
        _post(server, conn, payload(0, page_png(390, 844, 0)))
        frames = [page_png(390, 844, 10 + i) for i in range(50)]

        def size() -> int:
            """Files on disk once the WAL is folded into the database (as it is every 1,000 pages)."""
            db = connect(DataDir(data).database)
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.close()
            return sum(p.stat().st_size for p in data.rglob("*") if p.is_file())

        before = size()
        for i, frame in enumerate(frames, 1):
            _post(server, conn, payload(i, frame))
        distinct = (size() - before) / len(frames)
        before = size()
        for i in range(50):
            _post(server, conn, payload(100 + i, frames[0]))
        same = (size() - before) / 50
        print(
            f"  bytes on disk per capture (390x844 PNG of {len(frames[0]) / 1024:.0f} KiB, with its "
            f"rows): {distinct / 1024:.1f} KiB; an identical frame again: {same / 1024:.1f} KiB"
        )


def findings_heavy(sizes: list[int]) -> None:
    """A campaign whose findings keep growing (helpers keep arriving, the display barely moves: one
    finding every few captures): the capture POST and the bytes each capture adds to the database,
    at each size. The answer carries every finding, so this is where a capture's cost can grow."""
    frame = page_png(390, 844, 7)  # one frame: the image costs the same at every size
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        server = Server(str(data))
        conn = server.connection()
        database = DataDir(data).database

        def db_bytes() -> int:
            db = connect(database)
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.close()
            return database.stat().st_size

        done = 0
        for n in sizes:
            times, before = [], None
            while done < n:
                if done == n - 20:
                    before = db_bytes()
                times.append(server.post(conn, body(frame, done)))
                done += 1
            answer = json.loads(_answer(server, conn, body(frame, done)))
            done += 1
            grew = (db_bytes() - before) / 21 if before is not None else float("nan")
            print(
                f"  {n:>6} captures, {len(answer['findings'])} findings: POST {ms(times[-20:])}, "
                f"answer {len(json.dumps(answer)) / 1024:.0f} KiB, database +{grew / 1024:.1f} KiB a capture"
            )


def _answer(server: Server, conn: http.client.HTTPConnection, raw: bytes) -> bytes:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {server.token}"}
    conn.request(
        "POST", "/api/v1/captures", body=raw, headers={**headers, "Host": f"127.0.0.1:{server.port}"}
    )
    return conn.getresponse().read()


def clients(n_clients: int, per_client: int, config: dict | None = None) -> float:
    """captures/s of ``n_clients`` posting at once into one campaign (their times interleave), to the
    companion as the user runs it (``served.py``: its own process, its job worker, default config)."""
    with tempfile.TemporaryDirectory() as tmp:
        server = Served(Path(tmp) / "data", config)
        warm = server.connection()
        _post(server, warm, payload(0, page_png(390, 844, 0)))
        server.wait_idle()  # the warm-up's thumbnail and OCR (the engine's first load) done first
        bodies = [
            [
                json.dumps(payload(1 + c + n_clients * i, page_png(390, 844, 100 * c + i))).encode()
                for i in range(per_client)
            ]
            for c in range(n_clients)
        ]
        barrier = threading.Barrier(n_clients + 1)

        def run(mine: list[bytes]) -> None:
            conn = server.connection()
            barrier.wait()
            for raw in mine:
                server.post(conn, raw)

        threads = [threading.Thread(target=run, args=(b,)) for b in bodies]
        for t in threads:
            t.start()
        cpu0 = server.cpu_seconds()
        barrier.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        cpu1 = server.cpu_seconds()
        server.close()
        total = n_clients * per_client
        rate = total / elapsed
        used = f", companion CPU {(cpu1 - cpu0) * 1000 / total:.1f} ms a capture" if cpu0 is not None else ""
        print(f"    {n_clients} client(s): {rate:.0f} captures/s{used}")
        return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10,1000,10000,100000")
    parser.add_argument("--reads", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (the smoke test)")
    parser.add_argument("--clients-only", action="store_true", help="only the 1 vs 4 clients comparison")
    parser.add_argument("--findings-only", action="store_true", help="only the campaign whose findings grow")
    parser.add_argument("--rounds", type=int, default=3, help="alternated 1/4-client rounds (medians)")
    parser.add_argument("--export-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        return export_child(*args.export_child)
    if args.quick:
        args.sizes, args.reads, args.repeat, args.rounds = "10,100", "30", 3, 1
    if args.findings_only:
        return findings_heavy([100, 600, 1500])
    if not args.clients_only:
        growth(args)
    per = 2 if args.quick else 30
    config = {"ocr": {"cross_check": False}} if args.quick else None  # quick: no engine to load
    ones, fours = [], []
    for _ in range(args.rounds):  # alternated, so both see the same load; medians
        ones.append(clients(1, per * 4, config))
        fours.append(clients(4, per, config))
    one, four = statistics.median(ones), statistics.median(fours)
    print(
        f"clients into one campaign (median of {args.rounds}): 1 client {one:.0f} captures/s, "
        f"4 clients {four:.0f} captures/s ({four / one:.2f}x)"
    )


def growth(args) -> None:
    print("capture POST as the campaign grows (390x844 PNG, median)")
    for n in map(int, args.sizes.split(",")):
        posts_at(n, args.repeat)
    print("reading the archive")
    for n in map(int, args.reads.split(",")):
        reads_at(n)
    print("disk")
    disk_cost()
    print("a campaign whose findings keep growing (390x844, one frame, median of the last 20)")
    findings_heavy([100, 300] if args.quick else [100, 600, 1500])


if __name__ == "__main__":
    main()
