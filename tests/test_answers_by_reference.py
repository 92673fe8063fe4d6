"""A stored capture answer that is large is kept by reference (#13, m015): the readings its findings
were computed from. A retry still answers the first answer; the archive no longer grows with the square
of a campaign's findings (each answer carried them all, stored whole for every capture)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from helpers import CST, capture_payload


def _frozen_campaign(count: int) -> list[dict]:
    """Helpers keep arriving while the display barely moves: a finding every few captures."""
    start = datetime(2026, 11, 20, 8, 0, tzinfo=CST)
    return [
        capture_payload(
            seed=i % 3,
            taken_at=start + timedelta(minutes=5 * i),
            facts={"cut_amount": 90 + i * 0.001, "remaining_amount": 9 - i * 0.001, "helper_count": i},
        )
        for i in range(count)
    ]


def _answers(app) -> list[tuple]:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute(
            "SELECT capture_id, response_json, readings_upto FROM capture_answers ORDER BY rowid"
        ).fetchall()


def test_a_large_answer_is_stored_by_reference_and_replayed_the_same(app, client):
    headers = {"Authorization": f"Bearer {app.config['API_TOKEN']}"}
    bodies = _frozen_campaign(40)
    first = [client.post("/api/v1/captures", json=b, headers=headers) for b in bodies]
    assert all(r.status_code == 201 for r in first)
    assert len(first[-1].data) > 2048 and first[-1].get_json()["findings"]
    rows = {r[0]: r for r in _answers(app)}
    newest = rows[bodies[-1]["capture_id"]]
    assert newest[1] is None and isinstance(newest[2], int)  # by reference, not the text
    small = [r for r in rows.values() if r[1] is not None]
    assert small and all(len(r[1]) <= 2048 and r[2] is None for r in small)  # small ones stay whole
    # A retry of the newest, and of an older one whose answer is by reference: the first answer.
    older = next(i for i, b in enumerate(bodies[:-5]) if rows[b["capture_id"]][1] is None)
    for i in (len(bodies) - 1, older):
        again = client.post("/api/v1/captures", json=bodies[i], headers=headers)
        assert again.status_code == 200
        replay = again.get_json()
        assert replay.pop("duplicate") is True
        assert replay == first[i].get_json(), i
    assert first[older].get_json()["findings"] != first[-1].get_json()["findings"]  # truly as of then


def test_an_odd_stored_reference_still_answers(app, client):
    """A stored row that is odd (not a row number) never breaks a retry: the current findings."""
    headers = {"Authorization": f"Bearer {app.config['API_TOKEN']}"}
    bodies = _frozen_campaign(30)
    for b in bodies:
        assert client.post("/api/v1/captures", json=b, headers=headers).status_code == 201
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        conn.execute(
            "UPDATE capture_answers SET response_json = NULL, readings_upto = 'x' WHERE capture_id = ?",
            [bodies[3]["capture_id"]],
        )
    again = client.post("/api/v1/captures", json=bodies[3], headers=headers)
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    assert again.get_json()["capture_id"] == bodies[3]["capture_id"]
