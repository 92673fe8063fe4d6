"""The job table and its worker (#8): queued work survives, retries with back-off, runs once per key,
and a crash mid-job runs it again; under ``serve`` a new capture's thumbnail is made in the background."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from helpers import capture_payload, wait_for

from companion.app import create_app
from companion.core.db import connect
from companion.core.services import services_of
from companion.jobs.worker import Worker


@pytest.fixture
def queue_app(tmp_path):
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data")})
    return app, services_of(app).jobs, connect(app.config["DATABASE"])


def test_enqueue_run_and_key_dedupe(queue_app):
    app, jobs, db = queue_app
    seen = []
    jobs.register("echo", lambda payload: seen.append(payload["n"]))
    assert jobs.enqueue(db, "echo", {"n": 1}, key="a")
    assert not jobs.enqueue(db, "echo", {"n": 2}, key="a")  # same key still waiting: once
    assert jobs.enqueue(db, "echo", {"n": 3})
    assert jobs.run_due(app) == 2
    assert seen == [1, 3]
    assert jobs.counts(db) == {"done": 2}
    assert jobs.enqueue(db, "echo", {"n": 4}, key="a")  # the first one is done: may queue again


def test_unknown_kind_is_refused(queue_app):
    _app, jobs, db = queue_app
    with pytest.raises(ValueError):
        jobs.enqueue(db, "nobody-handles-this", {})


def test_failure_retries_with_backoff_then_gives_up(queue_app):
    app, jobs, db = queue_app
    calls = []

    def flaky(payload):
        calls.append(1)
        raise OSError("offline")

    jobs.register("flaky", flaky, max_attempts=3, backoff_seconds=0.0)
    jobs.enqueue(db, "flaky", {})
    assert jobs.run_due(app) == 3  # back-off 0: each retry is due at once
    assert len(calls) == 3
    state, error = db.execute("SELECT state, last_error FROM jobs").fetchone()
    assert state == "failed" and "offline" in error


def test_backoff_delays_the_retry(queue_app):
    app, jobs, db = queue_app
    jobs.register(
        "slow", lambda p: (_ for _ in ()).throw(OSError("no")), max_attempts=5, backoff_seconds=3600
    )
    jobs.enqueue(db, "slow", {})
    assert jobs.run_due(app) == 1
    assert jobs.run_due(app) == 0  # not due for an hour
    assert db.execute("SELECT state, attempts FROM jobs").fetchone() == ("queued", 1)


def test_a_job_left_running_by_a_crash_runs_again(queue_app):
    app, jobs, db = queue_app
    seen = []
    jobs.register("echo", lambda payload: seen.append(payload))
    jobs.enqueue(db, "echo", {"x": 1})
    claimed = jobs.claim(db)  # the worker took it, then the process died
    assert claimed is not None and jobs.run_due(app) == 0
    worker = Worker(app, poll_seconds=0.05).start()  # start-up puts it back in the queue
    try:
        wait_for(lambda: seen, timeout=10, message="the recovered job")
    finally:
        worker.stop()
    assert seen == [{"x": 1}]


def test_a_crash_while_the_same_key_was_queued_again_still_starts(queue_app):
    """kill -9 while a keyed job runs and the same key is queued again: the worker must start (the
    second is unique among queued jobs; requeueing the first made start-up fail, #11)."""
    app, jobs, db = queue_app
    seen = []
    jobs.register("echo", lambda payload: seen.append(payload["n"]))
    jobs.enqueue(db, "echo", {"n": 1}, key="same")
    assert jobs.claim(db) is not None  # running when the process died ...
    assert jobs.enqueue(db, "echo", {"n": 2}, key="same")  # ... and queued again meanwhile
    assert jobs.recover(db) == 1
    assert jobs.run_due(app) == 1 and seen == [2]
    assert jobs.counts(db) == {"done": 1}


def test_enqueue_inside_a_transaction_rolls_back_with_it(queue_app):
    _app, jobs, db = queue_app
    jobs.register("echo", lambda payload: None)
    db.conn.execute("BEGIN IMMEDIATE")
    jobs.enqueue(db, "echo", {})
    db.conn.execute("ROLLBACK")
    assert jobs.counts(db) == {}


def test_serve_makes_the_thumbnail_in_the_background(companion):
    """A capture POSTed to the running companion gets its thumbnail without anyone asking for it."""
    req = urllib.request.Request(
        f"{companion.url}/api/v1/captures",
        data=json.dumps(capture_payload()).encode(),
        headers={"Authorization": f"Bearer {companion.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        sha = json.loads(resp.read())["sha256"]
    thumbs = companion.data_dir / "thumbs"
    found = wait_for(lambda: list(thumbs.glob(f"{sha}.*")), timeout=20, message="the background thumbnail")
    assert found[0].stat().st_size > 0


def _echo_app(tmp_path, quiet: float, max_defer: float):
    """An app whose worker waits ``quiet`` seconds for a pause (at most ``max_defer``), with a job
    kind that notes when it ran."""
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path / "data"),
            "JOB_QUIET_SECONDS": quiet,
            "JOB_MAX_DEFER_SECONDS": max_defer,
        }
    )
    jobs, ran_at = services_of(app).jobs, []
    jobs.register("echo", lambda payload: ran_at.append(time.monotonic()))
    return app, jobs, connect(app.config["DATABASE"]), ran_at


def test_the_worker_waits_for_a_pause_in_captures(tmp_path):
    """Captures go first (#13): a job queued while captures arrive starts only once they pause."""
    app, jobs, db, ran_at = _echo_app(tmp_path, quiet=0.4, max_defer=30)
    worker = Worker(app, poll_seconds=0.05).start()
    try:
        headers = {"Authorization": f"Bearer {app.config['API_TOKEN']}"}
        before = time.monotonic()
        resp = app.test_client().post("/api/v1/captures", json=capture_payload(), headers=headers)
        assert resp.status_code == 201
        stored = jobs.last_capture
        assert stored > before  # the capture noted itself
        jobs.enqueue(db, "echo", {})
        wait_for(lambda: ran_at, timeout=10, message="the job, after the pause")
        assert ran_at[0] >= stored + 0.4
    finally:
        worker.stop()


def test_a_steady_stream_of_captures_still_gets_its_jobs(tmp_path):
    """The wait for a pause is bounded: captures that never pause delay a job by at most the limit."""
    app, jobs, db, ran_at = _echo_app(tmp_path, quiet=60, max_defer=0.3)
    jobs.note_capture()  # as if captures kept coming: the pause is a minute away
    jobs.enqueue(db, "echo", {})
    queued = time.monotonic()
    worker = Worker(app, poll_seconds=0.05).start()  # its first wait begins after ``queued``
    try:
        wait_for(lambda: ran_at, timeout=10, message="the job, after at most the limit")
        assert ran_at[0] - queued >= 0.3  # it did wait, and then ran although captures never paused
        assert jobs.deferred >= 0.3
    finally:
        worker.stop()


def test_only_the_job_tables_bookkeeping_skips_the_sync(queue_app):
    """Claim and finish commit without a sync (a lost mark re-runs an idempotent job); what a handler
    writes, and every capture, still commits with synchronous=FULL."""
    app, jobs, db = queue_app
    seen = []

    def handler(_payload):
        from companion.core.db import get_db

        seen.append(get_db().execute("PRAGMA synchronous").fetchone()[0])

    jobs.register("probe", handler)
    jobs.enqueue(db, "probe", {})
    book = jobs.bookkeeping_connection()
    try:
        assert book.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert jobs.run_due(app, db=book) == 1
    finally:
        book.close()
    assert seen == [2]  # FULL
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2
