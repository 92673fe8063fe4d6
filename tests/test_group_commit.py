"""Group commit (#13): concurrent captures share one transaction and one sync, each answered only
after the commit that holds it; a failing one is undone alone; hooks see their own request."""

from __future__ import annotations

import contextvars
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from helpers import CST, capture_payload, png_bytes

from companion.core.db import connect, group_write, init_db

BASE_TIME = datetime(2026, 11, 20, 8, 0, tzinfo=CST)


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "t.sqlite3"
    init_db(path)
    db = connect(path)
    db.execute("CREATE TABLE t (k TEXT PRIMARY KEY, thread TEXT)")
    db.close()
    return path


def test_concurrent_writers_share_commits_and_a_failing_one_is_undone_alone(db_path):
    started = threading.Barrier(8)
    who = contextvars.ContextVar("who")

    def writer(i: int):
        db = connect(db_path)
        who.set(f"w{i}")
        started.wait()
        results = []
        for n in range(25):
            key = "dup" if n == 7 else f"{i}-{n}"

            def work(conn, key=key):
                conn.execute("INSERT INTO t (k, thread) VALUES (?, ?)", [key, who.get()])
                return key

            try:
                results.append(group_write(db, work))
            except sqlite3.IntegrityError:
                results.append(None)
        db.close()
        return results

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(writer, range(8)))
    db = connect(db_path)
    rows = dict(db.execute("SELECT k, thread FROM t").fetchall())
    group = db.write_group
    db.close()
    # "dup" is taken once; the other seven writers' "dup" fail alone, their other rows are stored.
    assert sum(r.count(None) for r in outcomes) == 7
    assert len(rows) == 8 * 24 + 1
    # The leader runs other threads' work in their own contextvars context (Flask's request, g):
    assert all(thread == f"w{key.split('-')[0]}" for key, thread in rows.items() if key != "dup")
    for i, result in enumerate(outcomes):
        assert all(key is None or key == "dup" or key.startswith(f"{i}-") for key in result)
    print(f"\ngroup commit: {group.works} writes in {group.batches} transactions")
    assert group.batches < group.works


def test_concurrent_captures_are_all_stored_once_with_a_sound_chain(app):
    """Four clients at once through the real ingest: every 201 is in the archive, the chain verifies."""
    from companion.core.services import services_of
    from companion.evidence.verify import verify_archive

    payloads = [
        capture_payload(
            seed=i,
            image=png_bytes(seed=i),
            url="https://mobile.yangkeduo.com/bargain.html?goods_id=4",
            facts={"cut_amount": 90 + i / 100, "remaining_amount": 10 - i / 100, "helper_count": i},
            taken_at=BASE_TIME + timedelta(seconds=30 * i),
        )
        for i in range(40)
    ]

    def post(payload):
        with app.test_client() as client:
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
            resp = client.post("/api/v1/captures", json=payload)
            return resp.status_code, resp.get_json()

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(post, payloads))
    assert all(status == 201 for status, _ in answers), answers[:3]
    report = verify_archive(services_of(app).data_dir)
    assert report.checked == 40 and not report.problems, report.problems
