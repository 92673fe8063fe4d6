"""Thumbnails made in the background: each new capture queues one, so the dashboard finds it ready.

The dashboard still makes a missing thumbnail on request (the worker runs only under ``serve``,
and an old archive has none); both paths go through ``Thumbnails.get``, which makes each once.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlite_utils
from flask import Flask

from companion.campaigns.page_queries import thumb_source
from companion.campaigns.thumbnails import ThumbnailError
from companion.core.db import get_db
from companion.core.services import services, services_of

log = logging.getLogger(__name__)
THUMBNAIL_JOB = "thumbnail"


def make_thumbnail(payload: dict[str, Any]) -> None:
    source = thumb_source(get_db(), payload["capture_id"])
    if source is None:
        return
    sha256, mime = source
    svc = services()
    original = svc.blobs.path(sha256, mime)
    if not original.exists():
        return
    try:
        svc.thumbnails.get(sha256, original)  # waits for its turn in the pixel budget
    except ThumbnailError as exc:  # the original can't be decoded: trying again won't help
        log.warning("no thumbnail of capture %s: %s", payload["capture_id"], exc)


def register(app: Flask) -> None:
    svc = services_of(app)
    svc.jobs.register(THUMBNAIL_JOB, make_thumbnail, max_attempts=3)

    def queue_thumbnail(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
        svc.jobs.enqueue(db, THUMBNAIL_JOB, {"capture_id": row["id"]}, key=row["sha256"])

    svc.on_capture_stored.append(queue_thumbnail)
