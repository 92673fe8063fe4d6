"""Kept SQLite connections (#13, companion/core/db.py): one per thread, reused, left clean."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from companion.core.db import get_db


def test_a_thread_keeps_its_connection_across_requests(app):
    with app.app_context():
        first = get_db().conn
    with app.app_context():
        assert get_db().conn is first


def test_threads_get_their_own_connections(app):
    with app.app_context():
        mine = get_db().conn
    theirs = []

    def other():
        with app.app_context():
            theirs.append(get_db().conn)

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert theirs and theirs[0] is not mine


def test_a_transaction_left_open_by_a_failed_request_is_rolled_back(app):
    with app.app_context():
        db = get_db()
        db.conn.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO jobs (kind, payload_json, state, run_after) VALUES ('x', '{}', 'queued', 0)")
    with app.app_context():
        db = get_db()
        assert not db.conn.in_transaction  # the write lock was released, nothing half-written kept
        assert db.execute("SELECT COUNT(*) FROM jobs WHERE kind = 'x'").fetchone()[0] == 0


def test_serve_closes_the_kept_connections(app):
    with app.app_context():
        db = get_db()
    app.extensions["bargain_witness_db"].close_all()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        db.execute("SELECT 1")
