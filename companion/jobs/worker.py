"""One background thread that runs due jobs; started by ``serve``, stopped when it stops.

It sleeps on the queue's ``wake`` event (set by every enqueue) with a timeout, so new work starts
at once and retries that come due later are still picked up. It keeps one connection for the job
table's bookkeeping, and lets captures go first (``queue.py``: it waits for a pause in them).
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from companion.core.db import connect
from companion.core.services import services_of

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, app: Flask, poll_seconds: float = 2.0) -> None:
        self.app = app
        self.queue = services_of(app).jobs
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bargain-witness-jobs", daemon=True)

    def start(self) -> Worker:
        db = connect(self.queue.database)
        try:
            recovered = self.queue.recover(db)
            for hook in self.queue.on_start:
                try:
                    hook(db)
                except Exception:  # one feature's start-up step must not stop the worker
                    log.exception("job start-up hook failed")
        finally:
            db.close()
        if recovered:
            log.info("%d interrupted job(s) queued again", recovered)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.queue.stopping.set()
        self.queue.wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        db = None
        try:
            while not self._stop.is_set():
                self.queue.wake.clear()
                try:
                    db = db or self.queue.bookkeeping_connection()
                    self.queue.run_due(self.app, db=db, yield_to_captures=True)
                except Exception:  # the database was busy or gone: try again next round
                    log.exception("job worker round failed")
                    if db is not None:
                        db.close()
                    db = None
                self.queue.wake.wait(self.poll_seconds)
        finally:
            if db is not None:
                db.close()
