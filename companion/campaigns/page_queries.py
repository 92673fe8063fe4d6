"""Read-side queries for the dashboard pages, shaped so a campaign of 10,000 captures stays cheap.

The campaign page never loads every capture row: the timeline is one page (LIMIT/OFFSET on the
``(campaign_id, taken_at)`` index), the chart reads only the numeric reading columns, and the
findings' before/after captures are fetched by id. Ordering is ``taken_at, seq`` as in
``companion/queries.py`` (the stored RFC 3339 strings of one client carry one offset).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlite_utils

# What a thumbnail card or a chart point needs: the capture's own fields plus the displayed figures.
_CARD_COLUMNS = """
    k.id, k.seq, k.taken_at, k.received_at, k.sha256, k.mime, k.width, k.height,
    r.cut_amount, r.remaining_amount, r.cut_percent, r.remaining_percent, r.target_price,
    COALESCE(r.helper_count, json_array_length(r.helpers_json)) AS helpers_seen, r.unit
"""


def campaign_stats(db: sqlite_utils.Database, campaign_id: str) -> dict[str, Any]:
    row = db.execute(
        "SELECT COUNT(*), MIN(taken_at), MAX(taken_at) FROM captures WHERE campaign_id = ?", [campaign_id]
    ).fetchone()
    return {"capture_count": row[0], "first_taken_at": row[1], "last_taken_at": row[2]}


def timeline_page(
    db: sqlite_utils.Database, campaign_id: str, *, limit: int, offset: int
) -> list[dict[str, Any]]:
    """One page of the timeline, newest first."""
    return db.execute_returning_dicts(
        f"SELECT {_CARD_COLUMNS} FROM captures k LEFT JOIN readings r ON r.capture_id = k.id "
        "WHERE k.campaign_id = ? ORDER BY k.taken_at DESC, k.seq DESC LIMIT ? OFFSET ?",
        [campaign_id, limit, offset],
    )


def chart_series(db: sqlite_utils.Database, campaign_id: str) -> list[tuple]:
    """Every reading's numbers in page order as plain tuples, no text columns (cheap at 10,000):

    ``(rowid, cut_amount, remaining_amount, cut_percent, remaining_percent, target_price, helpers)``.
    Ties in ``taken_at`` are broken by insertion order, which the index already holds (no sort).
    """
    return db.execute(
        "SELECT rowid, cut_amount, remaining_amount, cut_percent, remaining_percent, target_price, "
        "COALESCE(helper_count, json_array_length(helpers_json)) "
        "FROM readings WHERE campaign_id = ? ORDER BY taken_at, rowid",
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
    args = [capture["campaign_id"], capture["taken_at"], capture["taken_at"], capture["seq"]]
    prev = db.execute(
        "SELECT id FROM captures WHERE campaign_id = ? AND (taken_at < ? OR (taken_at = ? AND seq < ?)) "
        "ORDER BY taken_at DESC, seq DESC LIMIT 1",
        args,
    ).fetchone()
    nxt = db.execute(
        "SELECT id FROM captures WHERE campaign_id = ? AND (taken_at > ? OR (taken_at = ? AND seq > ?)) "
        "ORDER BY taken_at, seq LIMIT 1",
        args,
    ).fetchone()
    return (prev[0] if prev else None, nxt[0] if nxt else None)


def newer_count(db: sqlite_utils.Database, capture: dict[str, Any]) -> int:
    """How many captures of the campaign come after this one (its index in the newest-first timeline)."""
    return db.execute(
        "SELECT COUNT(*) FROM captures "
        "WHERE campaign_id = ? AND (taken_at > ? OR (taken_at = ? AND seq > ?))",
        [capture["campaign_id"], capture["taken_at"], capture["taken_at"], capture["seq"]],
    ).fetchone()[0]
