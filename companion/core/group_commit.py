"""Group commit: concurrent writers share one transaction and its one sync (#13).

With ``synchronous=FULL`` every COMMIT waits for an fsync of the WAL. Four server threads storing
captures one transaction each wait for four syncs in a row. Here a writer hands its work (a
function of the connection) to the database's ``WriteGroup``: if no batch is being written it leads
one, else it waits. A leader takes every work queued so far, runs each in its own SAVEPOINT inside
one write transaction (a failing one is undone alone and gets its own exception), commits once, and
then answers every writer in the batch; so each request is answered only after the commit that
holds it, as before. If more work queued meanwhile, the first of it leads the next batch.

The leader runs another thread's work in that thread's ``contextvars`` context, so what it reads
of Flask's request and ``g`` (a hook noting which paired browser sent the capture) is its own.
Pure threading: no Flask, no SQLite here (``core/db.py group_write`` passes the transaction in).
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from typing import Any


class _Work:
    __slots__ = ("context", "done", "error", "fn", "lead", "result")

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn
        self.context = contextvars.copy_context()
        self.done = threading.Event()
        self.lead = False
        self.result: Any = None
        self.error: BaseException | None = None


class WriteGroup:
    """The writers of one database file in this process."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._queue: list[_Work] = []
        self._leading = False
        self.batches = 0  # how many transactions, and
        self.works = 0  # how many works they held (the bench and tests read these)

    def run(self, db: Any, fn: Callable[[Any], Any], transaction: Callable[[Any], Any]) -> Any:
        """``fn(db)`` inside a write transaction shared with concurrent callers; its result after
        the commit. ``transaction(db)``: the context manager of one write transaction."""
        work = _Work(fn)
        with self._mutex:
            self._queue.append(work)
            lead = not self._leading
            self._leading = True
        if lead:
            self._lead(db, transaction)
        else:
            work.done.wait()
            if work.lead:  # the previous leader handed over: this one writes the next batch
                work.done.clear()
                self._lead(db, transaction)
        if work.error is not None:
            raise work.error
        return work.result

    def _lead(self, db: Any, transaction: Callable[[Any], Any]) -> None:
        with self._mutex:
            batch, self._queue = self._queue, []
        try:
            self._write(db, batch, transaction)
        finally:
            with self._mutex:
                nxt = self._queue[0] if self._queue else None
                self._leading = nxt is not None
            for work in batch:
                work.done.set()
            if nxt is not None:
                nxt.lead = True
                nxt.done.set()

    def _write(self, db: Any, batch: list[_Work], transaction: Callable[[Any], Any]) -> None:
        try:
            with transaction(db):
                for work in batch:
                    db.conn.execute("SAVEPOINT group_work")
                    try:
                        work.result = work.context.run(work.fn, db)
                    except Exception as exc:  # undone alone; the others in the batch go on
                        db.conn.execute("ROLLBACK TO group_work")
                        work.error = exc
                    db.conn.execute("RELEASE group_work")
        except BaseException as exc:  # the transaction itself failed (busy, disk full): none is stored
            for work in batch:
                if work.error is None:
                    work.error, work.result = exc, None
            if not isinstance(exc, Exception):
                raise
        self.batches += 1
        self.works += len(batch)
