"""Read-side queries for the dashboard pages, shaped so a campaign of 10,000 captures stays cheap.

The campaign page never loads every capture row: the timeline is one page (LIMIT/OFFSET on the
``(campaign_id, taken_utc)`` index of readings), the chart reads only the numeric reading columns, and the
findings' before/after captures are fetched by id. Ordering is by the UTC instant
``readings.taken_utc``, then insertion order, as in ``queries.py``; flagged captures (their own time
can't be trusted) are in the timeline but not in the chart or "latest".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlite_utils

# What a thumbnail card or a chart point needs: the capture's own fields plus the displayed figures.
_CARD_COLUMNS = """
    k.id, k.seq, k.taken_at, k.received_at, k.sha256, k.mime, k.width, k.height,
    r.cut_amount, r.remaining_amount, r.cut_percent, r.remaining_percent, r.target_price,
    COALESCE(r.helper_count, json_array_length(r.helpers_json)) AS helpers_seen, r.unit, r.clock_flag
"""
_ORDERED = "FROM readings r JOIN captures k ON k.id = r.capture_id WHERE r.campaign_id = ?"


def campaign_stats(db: sqlite_utils.Database, campaign_id: str) -> dict[str, Any]:
    count = db.execute("SELECT COUNT(*) FROM captures WHERE campaign_id = ?", [campaign_id]).fetchone()[0]
    ends = [
        db.execute(
            "SELECT taken_at FROM readings WHERE campaign_id = ? AND clock_flag IS NULL "
            f"ORDER BY taken_utc {direction} LIMIT 1",
            [campaign_id],
        ).fetchone()
        for direction in ("ASC", "DESC")
    ]
    first, last = (e[0] if e else None for e in ends)
    return {"capture_count": count, "first_taken_at": first, "last_taken_at": last}


def timeline_page(
    db: sqlite_utils.Database, campaign_id: str, *, limit: int, offset: int
) -> list[dict[str, Any]]:
    """One page of the timeline, newest first."""
    return db.execute_returning_dicts(
        f"SELECT {_CARD_COLUMNS} {_ORDERED} ORDER BY r.taken_utc DESC, k.seq DESC LIMIT ? OFFSET ?",
        [campaign_id, limit, offset],
    )


def chart_series(db: sqlite_utils.Database, campaign_id: str) -> list[tuple]:
    """Every reading's numbers in page order as plain tuples, no text columns (cheap at 10,000):

    ``(rowid, cut_amount, remaining_amount, cut_percent, remaining_percent, target_price, helpers)``.
    Ties in ``taken_utc`` are broken by insertion order, which the index already holds (no sort).
    Flagged readings are left out (their time can't be placed on the axis).
    """
    return db.execute(
        "SELECT rowid, cut_amount, remaining_amount, cut_percent, remaining_percent, target_price, "
        "COALESCE(helper_count, json_array_length(helpers_json)) "
        "FROM readings WHERE campaign_id = ? AND clock_flag IS NULL ORDER BY taken_utc, rowid",
        [campaign_id],
    ).fetchall()


def readings_by_rowid(db: sqlite_utils.Database, rowids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The figures of the readings the chart draws (its tooltips), by rowid."""
    ids = sorted(set(rowids))
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for row in db.execute_returning_dicts(
            "SELECT rowid AS rid, capture_id, taken_at, cut_amount, remaining_amount, cut_percent, "
            "remaining_percent, target_price, COALESCE(helper_count, json_array_length(helpers_json)) "
            f"AS helpers_seen, unit FROM readings WHERE rowid IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            found[row["rid"]] = row
    return found


def reading_rowids(db: sqlite_utils.Database, capture_ids: Iterable[str]) -> set[int]:
    ids = sorted({i for i in capture_ids if i})
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(
            r[0] for r in db.execute(f"SELECT rowid FROM readings WHERE capture_id IN ({marks})", chunk)
        )
    return found


def cards_by_id(db: sqlite_utils.Database, capture_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Thumbnail cards for the findings' before/after captures."""
    ids = sorted({i for i in capture_ids if i})
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.execute_returning_dicts(
            f"SELECT {_CARD_COLUMNS} FROM captures k LEFT JOIN readings r ON r.capture_id = k.id "
            f"WHERE k.id IN ({marks})",
            chunk,
        ):
            found[row["id"]] = row
    return found


def capture_card(db: sqlite_utils.Database, capture_id: str) -> dict[str, Any] | None:
    return cards_by_id(db, [capture_id]).get(capture_id)


def thumb_source(db: sqlite_utils.Database, capture_id: str) -> tuple[str, str] | None:
    """(sha256, mime) of a capture's original, or None."""
    row = db.execute("SELECT sha256, mime FROM captures WHERE id = ?", [capture_id.lower()]).fetchone()
    return (row[0], row[1]) if row else None


def neighbours(db: sqlite_utils.Database, capture: dict[str, Any]) -> tuple[str | None, str | None]:
    """Ids of the previous and next capture of the same campaign (page order)."""
    args = [capture["campaign_id"], capture["taken_utc"], capture["taken_utc"], capture["seq"]]
    prev = db.execute(
        f"SELECT k.id {_ORDERED} AND (r.taken_utc < ? OR (r.taken_utc = ? AND k.seq < ?)) "
        "ORDER BY r.taken_utc DESC, k.seq DESC LIMIT 1",
        args,
    ).fetchone()
    nxt = db.execute(
        f"SELECT k.id {_ORDERED} AND (r.taken_utc > ? OR (r.taken_utc = ? AND k.seq > ?)) "
        "ORDER BY r.taken_utc, k.seq LIMIT 1",
        args,
    ).fetchone()
    return (prev[0] if prev else None, nxt[0] if nxt else None)


def newer_count(db: sqlite_utils.Database, capture: dict[str, Any]) -> int:
    """How many captures of the campaign come after this one (its index in the newest-first timeline)."""
    return db.execute(
        f"SELECT COUNT(*) {_ORDERED} AND (r.taken_utc > ? OR (r.taken_utc = ? AND k.seq > ?))",
        [capture["campaign_id"], capture["taken_utc"], capture["taken_utc"], capture["seq"]],
    ).fetchone()[0]
