"""Benchmark (not a test): what the HTTP stack alone costs, against the capture POST's floor.

The ingest goal (#13) is a POST within 3x its floor (Base64 decode + SHA-256 + write + fsync of the
same bytes). On a disk whose fsync takes a fraction of a millisecond that is ~1.2-1.5 ms for a phone
screenshot. This measures, in one run and on kept-alive connections: a trivial WSGI app on waitress,
a trivial Flask app on waitress, and the companion's own ``GET /api/v1/status`` (its guard, headers
and one database look-up), each against the floor, so the figures in docs/performance.md can be
checked. POSTs carry a 10 KB body, as a screenshot's JSON would.

Run: .venv/bin/python bench/bench_stack.py [--requests 300]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_ingest import floor_once, page_png  # noqa: E402
from flask import Flask, request  # noqa: E402
from waitress import create_server  # noqa: E402

from companion.app import create_app  # noqa: E402
from companion.core.server import make_server  # noqa: E402


def trivial_wsgi(environ, start_response):
    size = int(environ.get("CONTENT_LENGTH") or 0)
    if size:
        environ["wsgi.input"].read(size)
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
    return [b"{}"]


def trivial_flask() -> Flask:
    app = Flask("trivial")

    @app.route("/", methods=["GET", "POST"])
    def index():
        request.get_data()
        return {"ok": True}

    return app


def serve(server) -> int:
    threading.Thread(target=server.run, daemon=True).start()
    return server.effective_port


def median_ms(
    port: int, method: str, path: str, body: bytes | None, n: int, headers: dict, floor: tuple[bytes, Path]
) -> tuple[float, float]:
    """Medians (ms) of the request and of the floor, interleaved so both see the same load."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times, floors = [], []
    for _ in range(n):
        floors.append(floor_once(*floor))
        t0 = time.perf_counter()
        conn.request(method, path, body=body, headers={"Host": f"127.0.0.1:{port}", **headers})
        resp = conn.getresponse()
        resp.read()
        times.append(time.perf_counter() - t0)
    conn.close()
    warm = n // 10  # the first tenth warms up
    return statistics.median(times[warm:]) * 1000, statistics.median(floors[warm:]) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    n = args.requests
    image = page_png(390, 844, 1)
    b64 = base64.b64encode(image)
    body = b'{"x":"' + b"a" * 10000 + b'"}'
    json_type = {"Content-Type": "application/json"}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "floor"
        folder.mkdir()
        floor = (b64, folder)
        bare = serve(create_server(trivial_wsgi, host="127.0.0.1", port=0, threads=4))
        flask = serve(create_server(trivial_flask(), host="127.0.0.1", port=0, threads=4))
        app = create_app({"DATA_DIR": str(Path(tmp) / "data")})
        ours = serve(make_server(app, 0, threads=4))
        token = {"Authorization": f"Bearer {app.config['API_TOKEN']}"}
        rows = [
            (
                "trivial WSGI app on waitress, POST 10 KB",
                median_ms(bare, "POST", "/", body, n, json_type, floor),
            ),
            (
                "trivial Flask app on waitress, POST 10 KB",
                median_ms(flask, "POST", "/", body, n, json_type, floor),
            ),
            (
                "the companion's GET /api/v1/status",
                median_ms(ours, "GET", "/api/v1/status", None, n, token, floor),
            ),
        ]
    print(f"the HTTP stack against the floor of a 390x844 capture (medians of {n - n // 10}, interleaved)")
    for name, (value, base) in rows:
        print(f"  {name:45s} {value:5.2f} ms  floor {base:4.2f} ms  {value / base:4.1f}x")


if __name__ == "__main__":
    main()
