"""SQLite through sqlite-utils: one connection per server thread, kept across requests; schema as
named migrations.

WAL with synchronous=FULL because a capture is acknowledged only after its row is durable against
power loss as well as a killed process: the extension deletes its queued copy on our 201, so a lost
commit would lose evidence (docs/evidence.md "Durability", docs/performance.md "The syncs").

Kept connections (``ConnectionPool``): opening one per request cost a dozen statements, and closing
the last one checkpointed the WAL (two more syncs) on every capture. Each thread of the server keeps
its own (sqlite3 connections are not for sharing between threads); ``serve`` closes them on exit.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils
from flask import Flask, current_app, g

from companion.core.group_commit import WriteGroup
from companion.core.migrations import migrations

T = TypeVar("T")

log = logging.getLogger(__name__)


def _text(data: bytes) -> str:
    """TEXT as str; a stored value that is not UTF-8 (another tool, a damaged file) is read with
    replacement characters and logged, where sqlite3 would fail the whole query."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        log.warning("odd stored text (not UTF-8) read with replacement characters: %.80r", data)
        return data.decode("utf-8", "replace")


def connect(path: Path | str) -> sqlite_utils.Database:
    """Open the database with the durability and concurrency settings every caller needs."""
    conn = sqlite3.connect(str(path), timeout=15, isolation_level=None, check_same_thread=False)
    conn.text_factory = _text
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=15000")
    db = sqlite_utils.Database(conn)
    db.write_lock, db.write_group = _writers(path)  # type: ignore[attr-defined]
    return db


_WRITERS: dict[str, tuple[threading.RLock, WriteGroup]] = {}
_WRITERS_GUARD = threading.Lock()


def _writers(path: Path | str) -> tuple[threading.RLock, WriteGroup]:
    """One lock per database file in this process, taken by ``write_transaction`` around SQLite's own.

    Waiting for SQLite's write lock is polling: the busy handler sleeps 1, 2, 5, 10... ms between
    tries, so with four server threads writing, a capture's commit often waited milliseconds after
    the lock was free (4 clients were slower than 1, docs/performance.md). A thread blocked on this
    lock wakes as soon as it is released. Other processes (an import from the command line) still
    meet at SQLite's lock, with its busy timeout."""
    key = os.path.realpath(path) if str(path) != ":memory:" else f":memory:{id(path)}"
    with _WRITERS_GUARD:
        return _WRITERS.setdefault(key, (threading.RLock(), WriteGroup()))


PRIVATE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def make_private(path: Path | str) -> None:
    """The database and its WAL files readable by this user only (0600), whatever the umask or the
    folder's mode: they hold the evidence and the hashes of access secrets. SQLite creates -wal and
    -shm with the database file's own mode, so a private database file keeps them private too.
    On Windows chmod can't express this (files inherit the folder's ACL): skipped, docs/security.md."""
    if os.name == "nt":
        return
    for suffix in PRIVATE_SUFFIXES:
        try:
            file = Path(f"{path}{suffix}")
            if file.exists() and file.stat().st_mode & 0o077:
                file.chmod(0o600)
        except OSError as exc:  # a read-only or foreign-owned file: say so, never fail start-up
            log.warning("could not make %s%s private: %s", path, suffix, exc)


def init_db(path: Path | str) -> None:
    """Create or upgrade the schema; called once at app creation, not per request."""
    if os.name != "nt" and not Path(path).exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # born private, before SQLite opens it
    make_private(path)
    db = connect(path)
    try:
        migrations.apply(db)
    finally:
        db.close()
    make_private(path)


class ConnectionPool:
    """One connection per thread to one database, opened on first use and kept (an app's, not global).

    A request that failed half-way may leave a transaction open: ``release`` rolls it back, so the
    next request on the thread starts clean."""

    def __init__(self, path: Path | str) -> None:
        self.path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[sqlite_utils.Database] = []

    def get(self) -> sqlite_utils.Database:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = connect(self.path)
            with self._lock:
                self._all.append(db)
        return db

    def release(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None and db.conn.in_transaction:
            db.conn.execute("ROLLBACK")

    def close_all(self) -> None:
        with self._lock:
            kept, self._all = self._all, []
        for db in kept:
            with contextlib.suppress(sqlite3.Error):
                db.close()


def get_db() -> sqlite_utils.Database:
    if "db" not in g:
        g.db = current_app.extensions["bargain_witness_db"].get()
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    """End of a request: the connection stays open for the thread's next request."""
    if g.pop("db", None) is not None:
        current_app.extensions["bargain_witness_db"].release()


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """BEGIN IMMEDIATE: take the write lock before reading the chain head, so two writers can't fork it.

    sqlite-utils' own inserts nest inside as savepoints. In this process, writers queue on the
    database's lock first (``_writers``: no polling).
    """
    lock = getattr(db, "write_lock", None) or contextlib.nullcontext()
    with lock:
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
        else:
            db.conn.execute("COMMIT")


def group_write(db: sqlite_utils.Database, work: Callable[[sqlite_utils.Database], T]) -> T:
    """``work(db)`` in a write transaction shared with concurrent writers of this process, one
    commit (one sync) for all of them (``core/group_commit.py``); ``work`` may run on another
    thread's connection, so it must use the ``db`` it is given. Its result once committed."""
    group = getattr(db, "write_group", None)
    # Inside a transaction already: BEGIN fails at once, as it always did (waiting for a batch
    # whose leader needs this thread's lock would hang instead).
    if group is None or db.conn.in_transaction:
        with write_transaction(db):
            return work(db)
    return group.run(db, work, write_transaction)


def insert_row(db: sqlite_utils.Database, table: str, row: dict[str, Any]) -> None:
    """One plain INSERT of ``row`` (str, int, float, bytes or None values). sqlite-utils' ``insert``
    costs a dozen statements more (it looks up the schema each time: views, tables, a savepoint);
    on the capture path that was a measurable share of a POST (docs/performance.md)."""
    columns = ", ".join(f'"{c}"' for c in row)
    db.conn.execute(
        f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" * len(row))})', list(row.values())
    )


def init_app(app: Flask) -> None:
    init_db(app.config["DATABASE"])
    app.extensions["bargain_witness_db"] = ConnectionPool(app.config["DATABASE"])
    app.teardown_appcontext(close_db)
