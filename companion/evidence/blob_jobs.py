"""The job that makes staged originals durable files (``blobs.BlobStore.sync_pending``), off the
request path (#13, docs/performance.md "The syncs").

Each capture whose original was staged in its own transaction queues one ``blob_sync`` job under
one key with a short delay, so a burst of captures costs the worker one batch: every file fsynced,
their folders fsynced once, one transaction deleting the rows. When the worker starts (after a
crash, say), pending originals are written before any other job reads them.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils
from flask import Flask

from companion.core.db import get_db
from companion.core.services import services, services_of

BLOB_SYNC_JOB = "blob_sync"
BLOB_SYNC_KEY = "pending"


def _run_job(_payload: dict[str, Any]) -> None:
    services().blobs.sync_pending(get_db())


def register(app: Flask) -> None:
    svc = services_of(app)
    svc.jobs.register(BLOB_SYNC_JOB, _run_job, max_attempts=12, backoff_seconds=2.0)
    delay = float(app.config.get("BLOB_SYNC_SECONDS", 0.5))

    def queue_sync(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
        if svc.blobs.stageable(row["bytes"]):
            svc.jobs.enqueue(db, BLOB_SYNC_JOB, {}, key=BLOB_SYNC_KEY, delay=delay)

    svc.on_capture_stored.append(queue_sync)
    svc.jobs.on_start.append(svc.blobs.sync_pending)
