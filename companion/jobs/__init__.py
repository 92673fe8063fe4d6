"""Jobs: a small SQLite-backed job table and one worker thread that ``serve`` starts.

For work that must not run on the request path (thumbnails now; trusted timestamps and OCR next).
A feature registers a handler for its job kind in its ``init_app`` and queues jobs with
``services().jobs.enqueue``; the queue survives restarts, retries failures with back-off, and
a job left running by a crash runs again on the next start. See docs/architecture.md.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from companion.core.services import services_of
    from companion.jobs.queue import MAX_DEFER_SECONDS, QUIET_SECONDS, JobQueue

    svc = services_of(app)
    svc.jobs = JobQueue(
        app.config["DATABASE"],
        quiet_seconds=float(app.config.get("JOB_QUIET_SECONDS", QUIET_SECONDS)),
        max_defer_seconds=float(app.config.get("JOB_MAX_DEFER_SECONDS", MAX_DEFER_SECONDS)),
    )
    # First among the capture hooks: the worker lets a burst of captures go first (queue.py).
    svc.on_capture_stored.insert(0, lambda _db, _row: svc.jobs.note_capture())
