"""The job table's operations: enqueue, claim, finish; and ``run_due``, the loop body of the worker.

Handlers run in an app context (they may use ``services()`` and ``get_db()``) and must be safe to
run twice: a crash between a handler's work and its ``done`` mark runs the job again.

Captures come first (#13, docs/performance.md "Background work"): the worker shares the process,
its GIL and the machine's cores with the requests, and a thumbnail costs several times a capture's
own CPU (OCR, seconds). So while captures are arriving (``note_capture``: one less than
``quiet_seconds`` ago) the worker waits before it starts its next job, at most ``max_defer_seconds``
per job so a steady stream still gets its thumbnails. And the job table's own bookkeeping (claim,
finish) commits without a sync (``PRAGMA synchronous=NORMAL`` on the worker's connection): a mark
lost to a power cut only runs an idempotent job again, while each synced commit took the write lock
and a WAL sync from the captures (two per job). What handlers write goes through their own
connections (``get_db()``), durable as before.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils
from flask import Flask

from companion.core.checks import json_or_none
from companion.core.db import connect, write_transaction
from companion.core.timeutil import format_rfc3339, now_local

log = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class Registration:
    handler: Handler
    max_attempts: int
    backoff_seconds: float


QUIET_SECONDS = 0.25
MAX_DEFER_SECONDS = 2.0


class JobQueue:
    def __init__(
        self,
        database: str | Path,
        quiet_seconds: float = QUIET_SECONDS,
        max_defer_seconds: float = MAX_DEFER_SECONDS,
    ) -> None:
        self.database = str(database)
        self.quiet_seconds = quiet_seconds
        self.max_defer_seconds = max_defer_seconds
        self.last_capture = float("-inf")  # time.monotonic() of the newest capture stored
        self.deferred = 0.0  # seconds the worker waited for captures to pause (tests and benches read it)
        self.stopping = threading.Event()  # set by the worker's stop: no more waiting
        self._handlers: dict[str, Registration] = {}
        self.wake = threading.Event()  # set on enqueue, so the worker starts at once
        # Called by the worker when it starts, after ``recover``: a feature queues work that a
        # previous run left undone (e.g. a trusted timestamp that failed while offline).
        self.on_start: list[Callable[[sqlite_utils.Database], None]] = []

    def register(self, kind: str, handler: Handler, *, max_attempts: int = 5, backoff_seconds: float = 2.0):
        self._handlers[kind] = Registration(handler, max_attempts, backoff_seconds)

    def enqueue(
        self,
        db: sqlite_utils.Database,
        kind: str,
        payload: dict[str, Any],
        *,
        key: str | None = None,
        delay: float = 0.0,
    ) -> bool:
        """Queue a job; False when a job of this kind and key is already waiting.

        Inside a caller's transaction (a capture's, say) the job commits or rolls back with it;
        otherwise it is its own transaction. The worker is woken either way: a job it finds not yet
        committed waits for the next poll.
        """
        if kind not in self._handlers:
            raise ValueError(f"no handler for job kind {kind!r}")
        now = format_rfc3339(now_local())
        args = [kind, key, json.dumps(payload, ensure_ascii=False), time.time() + delay, now, now]
        sql = (
            "INSERT OR IGNORE INTO jobs (kind, key, payload_json, state, attempts, run_after, "
            "created_at, updated_at) VALUES (?, ?, ?, 'queued', 0, ?, ?, ?)"
        )
        if db.conn.in_transaction:
            cur = db.execute(sql, args)
        else:
            with write_transaction(db):
                cur = db.execute(sql, args)
        self.wake.set()
        return cur.rowcount == 1

    def note_capture(self) -> None:
        """A capture was just stored (called in its transaction): background jobs wait a moment."""
        self.last_capture = time.monotonic()

    def wait_for_quiet(self) -> float:
        """Before the worker starts a job: wait until no capture came for ``quiet_seconds`` (at most
        ``max_defer_seconds``); returns how long it waited."""
        start = time.monotonic()
        deadline = start + self.max_defer_seconds
        while not self.stopping.is_set():
            now = time.monotonic()
            quiet_at = self.last_capture + self.quiet_seconds
            if now >= quiet_at or now >= deadline:
                break
            self.stopping.wait(min(quiet_at, deadline) - now)
        waited = time.monotonic() - start
        self.deferred += waited
        return waited

    def recover(self, db: sqlite_utils.Database) -> int:
        """Jobs a crash left running go back to the queue (called once when the worker starts).

        A running job whose kind and key are queued again meanwhile (a capture of the same image
        while its thumbnail was being made, then kill -9) is covered by that queued one: it is
        dropped, not requeued, since only one job per key may wait (the jobs_pending_key index;
        requeueing both made ``serve`` fail to start after a crash: tests/test_crash_durability.py).
        """
        with write_transaction(db):
            covered = db.execute(
                "DELETE FROM jobs WHERE state = 'running' AND key IS NOT NULL AND ("
                " EXISTS (SELECT 1 FROM jobs q WHERE q.state = 'queued' AND q.kind = jobs.kind"
                " AND q.key = jobs.key)"
                " OR id NOT IN (SELECT MIN(id) FROM jobs WHERE state = 'running' AND key IS NOT NULL"
                " GROUP BY kind, key))"
            ).rowcount
            return covered + db.execute("UPDATE jobs SET state = 'queued' WHERE state = 'running'").rowcount

    def claim(self, db: sqlite_utils.Database) -> Job | None:
        """The oldest due job of a known kind, marked running; None when nothing is due."""
        kinds = sorted(self._handlers)
        if not kinds:
            return None
        with write_transaction(db):
            row = db.execute(
                "SELECT id, kind, payload_json, attempts FROM jobs "
                f"WHERE state = 'queued' AND run_after <= ? AND kind IN ({','.join('?' * len(kinds))}) "
                "ORDER BY run_after, id LIMIT 1",
                [time.time(), *kinds],
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = ? WHERE id = ?",
                [format_rfc3339(now_local()), row[0]],
            )
        payload = json_or_none(row[2])
        if not isinstance(payload, dict):  # odd: the handler fails on it and the job runs out of tries
            log.warning("odd stored job payload of job %s: %.80r", row[0], row[2])
            payload = {}
        return Job(row[0], row[1], payload, row[3] + 1)

    def finish(self, db: sqlite_utils.Database, job: Job, error: str | None = None) -> str:
        """Mark a job done, or after a failure queue it again with back-off until it runs out of tries."""
        reg = self._handlers[job.kind]
        if error is None:
            state, run_after = "done", None
        elif job.attempts < reg.max_attempts:
            state, run_after = "queued", time.time() + reg.backoff_seconds * 2 ** (job.attempts - 1)
        else:
            state, run_after = "failed", None
        with write_transaction(db):
            db.execute(
                "UPDATE jobs SET state = ?, run_after = COALESCE(?, run_after), last_error = ?, "
                "updated_at = ? WHERE id = ?",
                [state, run_after, error, format_rfc3339(now_local()), job.id],
            )
        return state

    def run_due(
        self,
        app: Flask,
        limit: int | None = None,
        db: sqlite_utils.Database | None = None,
        yield_to_captures: bool = False,
    ) -> int:
        """Run due jobs one at a time until none is due (or ``limit``); returns how many ran.

        ``db``: the worker's own bookkeeping connection (``bookkeeping_connection``), else one is
        opened for this call. ``yield_to_captures``: the worker waits for a pause in captures
        before each job (tests that run jobs by hand don't)."""
        ran = 0
        own = db is None
        if db is None:
            db = self.bookkeeping_connection()
        try:
            while limit is None or ran < limit:
                if yield_to_captures:
                    self.wait_for_quiet()
                job = self.claim(db)
                if job is None:
                    break
                error = None
                try:
                    with app.app_context():
                        self._handlers[job.kind].handler(job.payload)
                except Exception as exc:  # a failing job must not stop the worker
                    log.warning("job %s (%s) failed: %s", job.id, job.kind, exc)
                    error = f"{type(exc).__name__}: {exc}"
                self.finish(db, job, error)
                ran += 1
        finally:
            if own:
                db.close()
        return ran

    def bookkeeping_connection(self) -> sqlite_utils.Database:
        """A connection for claim and finish: their commits are not synced (see the module's docstring)."""
        db = connect(self.database)
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    def counts(self, db: sqlite_utils.Database) -> dict[str, int]:
        return dict(db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall())
