"""The companion as the user runs it, for the benchmarks: ``bargain-witness serve`` in a subprocess.

Its own process (its own GIL: a client's work doesn't compete with the server's, as a browser's
doesn't), its job worker running beside the requests (thumbnails, the OCR cross-check, the blob
sync), and the default ``config.json`` unless the bench passes one. The in-process ``Server`` of
``bench_ingest.py`` stays for ``--profile`` (cProfile needs the server in this process).

``cpu_seconds()`` reads the server process's CPU time (user + system) from ``/proc``, so a bench can
say what one capture costs the companion; None where there is no ``/proc`` (Windows, macOS).
"""

from __future__ import annotations

import http.client
import json
import os
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from helpers import wait_for  # noqa: E402
from helpers.companion_proc import start_companion, stop_companion  # noqa: E402


class CaptureClient:
    """Kept-alive connections and the capture POST, timed (for any server with ``port`` and ``token``)."""

    port: int
    token: str

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def post(self, conn: http.client.HTTPConnection, raw: bytes) -> float:
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {self.token}",
            "Host": f"127.0.0.1:{self.port}",
        }
        t0 = time.perf_counter()
        conn.request("POST", "/api/v1/captures", body=raw, headers=headers)
        resp = conn.getresponse()
        answer = resp.read()
        elapsed = time.perf_counter() - t0
        assert resp.status == 201, answer[:300]
        return elapsed


class Served(CaptureClient):
    def __init__(self, data_dir: str | Path, config: dict | None = None) -> None:
        data = Path(data_dir)
        data.mkdir(parents=True, exist_ok=True)
        # The default configuration (OCR cross-check on), unless the bench says otherwise;
        # start_companion turns the cross-check off only when config.json doesn't mention OCR.
        settings = {"ocr": {"cross_check": True}, **(config or {})}
        (data / "config.json").write_text(json.dumps(settings), encoding="utf-8")
        self.comp = start_companion(data)
        self.port = int(self.comp.url.rsplit(":", 1)[1])
        self.token = self.comp.token
        self.data_dir = data

    @property
    def database(self) -> Path:
        return self.data_dir / "bargain-witness.sqlite3"

    def jobs_due(self) -> int:
        """Jobs running or due now (read-only; a job backing off until later doesn't count)."""
        uri = f"{self.database.resolve().as_uri()}?mode=ro"
        with sqlite3.connect(uri, uri=True) as conn:
            return conn.execute(
                "SELECT COUNT(*) FROM jobs WHERE state = 'running' OR (state = 'queued' AND run_after <= ?)",
                [time.time()],
            ).fetchone()[0]

    def wait_idle(self, timeout: float = 120) -> None:
        """Until the job worker has nothing due (a warm-up capture's thumbnail and OCR are done, the
        OCR engine loaded), so a timed run starts from a companion at rest."""
        wait_for(lambda: self.jobs_due() == 0, timeout=timeout, message="the companion's jobs to finish")

    def cpu_seconds(self) -> float | None:
        try:
            fields = Path(f"/proc/{self.comp.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        stop_companion(self.comp)
