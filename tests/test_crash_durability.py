"""kill -9 in the middle of 1,000 concurrent uploads loses nothing that was acknowledged (#11).

A capture is acknowledged only when durable (docs/architecture.md, "Invariants"): the file is
fsynced before the row commits, WAL with synchronous=FULL. So: the companion as a user runs it
(``serve``), several threads uploading, SIGKILL (TerminateProcess on Windows) once most of the
uploads are answered, a restart on the same data dir; every capture that got a 2xx must be there
with the same SHA-256, ``bargain-witness verify`` must pass, and the uploads that were in flight
(no answer) are sent again the way the extension's outbox does and must be taken exactly once.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid

from helpers import capture_payload, png_bytes, wait_for
from helpers.companion_proc import SERVE_BIN, start_companion, stop_companion

UPLOADERS = 6
PLANNED = 1_200  # uploads queued for the threads; the kill comes once KILL_AFTER (>= 1,000) are answered
KILL_AFTER = 1_000
TIME_LIMIT = 240.0


def post(url: str, token: str, body: dict, timeout: float = 30.0) -> tuple[int, dict]:
    """(status, JSON answer); raises OSError when the connection breaks (the kill)."""
    req = urllib.request.Request(
        f"{url}/api/v1/captures",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def test_kill_9_during_concurrent_uploads_keeps_every_acknowledged_capture(tmp_path):
    data_dir = tmp_path / "data"
    comp = start_companion(data_dir)
    images = [png_bytes(width=80, height=60, seed=s) for s in range(32)]
    bodies = [
        capture_payload(
            capture_id=str(uuid.uuid4()),
            url=f"https://mobile.yangkeduo.com/bargain.html?goods_id={700 + i % 5}",
            image=images[i % len(images)],
            facts={"cut_amount": 90 + i / 1000, "remaining_amount": 10 - i / 1000, "helper_count": i},
        )
        for i in range(PLANNED)
    ]
    queue = list(reversed(range(PLANNED)))
    lock = threading.Lock()
    acked: dict[str, str] = {}  # capture_id -> sha256 from the 2xx answer
    in_flight_lost: list[int] = []  # sent, no answer: the connection broke
    refused: list[str] = []
    killed = threading.Event()

    def upload() -> None:
        while not killed.is_set():
            with lock:
                if not queue:
                    return
                i = queue.pop()
            try:
                status, answer = post(comp.url, comp.token, bodies[i])
            except (OSError, http.client.HTTPException):  # the kill cut the answer off mid-read too
                with lock:
                    in_flight_lost.append(i)
                continue
            with lock:
                if 200 <= status < 300:
                    acked[bodies[i]["capture_id"]] = answer["sha256"]
                else:
                    refused.append(f"{status} {answer}")

    started = time.monotonic()
    threads = [threading.Thread(target=upload) for _ in range(UPLOADERS)]
    for t in threads:
        t.start()
    wait_for(lambda: len(acked) >= KILL_AFTER or refused, TIME_LIMIT, 0.01, "the uploads before the kill")
    killed.set()  # no thread starts another upload; those on the wire now break
    comp.proc.kill()  # SIGKILL: no handler, no flush, no clean shutdown
    comp.proc.wait(10)
    for t in threads:
        t.join(60)
    stop_companion(comp)
    assert not refused, refused[:5]
    sent = len(acked) + len(in_flight_lost)

    again = start_companion(data_dir)
    try:
        present = sum(
            1 for cid, sha in acked.items() if again.api(f"/api/v1/captures/{cid}").get("sha256") == sha
        )
        # The outbox sends what had no answer again: each is taken once (201) or was already in (200).
        resent = [post(again.url, again.token, bodies[i])[0] for i in in_flight_lost]
        lost_then_stored = resent.count(200)
        campaigns = again.api("/api/v1/campaigns")["campaigns"]
        rows = sum(c["capture_count"] for c in campaigns)
    finally:
        stop_companion(again)
    verify = subprocess.run(
        [*SERVE_BIN, "verify", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    elapsed = time.monotonic() - started
    print(
        f"\nkill -9: {PLANNED} uploads planned, {sent} sent by {UPLOADERS} threads before the kill, "
        f"{len(acked)} acknowledged, "
        f"{present} of them present after restart, {len(in_flight_lost)} in flight at the kill "
        f"(resent: {resent.count(201)} stored now, {lost_then_stored} had been stored before the kill), "
        f"{rows} rows, verify exit {verify.returncode}, {elapsed:.1f} s"
    )
    assert sent >= KILL_AFTER and in_flight_lost, "the kill must come while uploads are on the wire"
    assert present == len(acked), f"{len(acked) - present} acknowledged captures lost"
    assert all(s in (200, 201) for s in resent), resent
    assert rows == len(acked) + len(in_flight_lost), "a capture stored twice or lost after the resend"
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "全部完好" in verify.stdout


# The process dies right after a capture's commit, before its file is written (#13): the original
# is then only in the database (blobs.py: staged in the capture's own transaction).
DIE_AFTER_COMMIT = """
import json, os, sys
from companion.app import create_app
from companion.evidence.blobs import BlobStore

BlobStore.write_staged = lambda *a, **k: os._exit(9)  # as kill -9: no finally, no atexit, no flush
app = create_app({"DATA_DIR": sys.argv[1]})
client = app.test_client()
client.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + app.config["API_TOKEN"]
client.post("/api/v1/captures", data=sys.stdin.read(), content_type="application/json")
"""


def test_a_kill_between_the_commit_and_the_file_write_loses_nothing(tmp_path):
    import sqlite3
    import sys

    data_dir = tmp_path / "data"
    body = capture_payload(image=png_bytes(width=90, height=70, seed=99))
    died = subprocess.run(
        [sys.executable, "-c", DIE_AFTER_COMMIT, str(data_dir)],
        input=json.dumps(body),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert died.returncode == 9, died.stderr
    conn = sqlite3.connect(data_dir / "bargain-witness.sqlite3")
    stored, pending = conn.execute(
        "SELECT (SELECT sha256 FROM captures WHERE id = ?), (SELECT COUNT(*) FROM pending_blobs)",
        [body["capture_id"]],
    ).fetchone()
    conn.close()
    original = next(iter(data_dir.joinpath("blobs").rglob(f"{stored}.png")), None)
    assert stored and pending == 1 and original is None, "the capture committed, its file not yet written"

    def verify() -> subprocess.CompletedProcess:
        command = [*SERVE_BIN, "verify", "--data-dir", str(data_dir)]
        return subprocess.run(command, capture_output=True, text=True, encoding="utf-8", timeout=120)

    before = verify()  # the staged copy is the original until the file is written
    assert before.returncode == 0 and "全部完好" in before.stdout, before.stdout + before.stderr

    comp = start_companion(data_dir)  # the job worker writes pending originals when it starts
    try:
        path = data_dir / "blobs" / stored[:2] / f"{stored}.png"
        wait_for(path.exists, 30, 0.05, "the original written after the restart")
        assert comp.api(f"/api/v1/captures/{body['capture_id']}")["sha256"] == stored
    finally:
        stop_companion(comp)
    conn = sqlite3.connect(data_dir / "bargain-witness.sqlite3")
    left = conn.execute("SELECT COUNT(*) FROM pending_blobs").fetchone()[0]
    conn.close()
    after = verify()
    print(
        f"\nkill between commit and file write: capture in the database, file missing; verify before "
        f"restart exit {before.returncode}; after restart the file is written ({path.stat().st_size} "
        f"bytes), {left} staged left, verify exit {after.returncode}"
    )
    assert left == 0 and path.read_bytes() == png_bytes(width=90, height=70, seed=99)
    assert after.returncode == 0 and "全部完好" in after.stdout, after.stdout + after.stderr
