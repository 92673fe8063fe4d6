"""Read-side queries shared by the API and the dashboard, so both show the same facts.

Captures are in time order by the stored UTC instant ``readings.taken_utc``, never by the text of
``taken_at`` (whose offset may differ between clients); ties in insertion order. A reading whose
capture time can't be trusted (``clock_flag``, docs/evidence.md "Time order") is left out of
``campaign_readings`` (what analysis folds) and of ``latest_reading``. Every row goes through
``stored.py``: a stored value that is odd is skipped with a logged warning, never an error.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from companion.campaigns import stored
from companion.evidence.chain import CHAINED_FIELDS_V2

# Every stored field of a capture: what its record hash covers (evidence/chain.py), plus the chain.
_CAPTURE_FIELDS = (*CHAINED_FIELDS_V2, "prev_hash", "record_hash", "record_format")
CAPTURE_COLUMNS = ", ".join(_CAPTURE_FIELDS)
# The same, from ``captures k`` joined to its reading ``r``: plus the ordering instant and the flag.
_JOINED = ", ".join(f"k.{c}" for c in _CAPTURE_FIELDS) + ", r.taken_utc, r.clock_flag"
_FROM = "FROM captures k LEFT JOIN readings r ON r.capture_id = k.id"


def list_campaigns(db: sqlite_utils.Database, archived: bool = False) -> list[dict[str, Any]]:
    """The campaigns in use, or (``archived``) only the archived ones (docs/api.md, "Campaign names")."""
    where = "WHERE c.archived_at IS NOT NULL" if archived else "WHERE c.archived_at IS NULL"
    rows = db.execute_returning_dicts(
        f"""
        SELECT c.*, COUNT(k.seq) AS capture_count,
          (SELECT taken_at FROM readings WHERE campaign_id = c.id AND clock_flag IS NULL
           ORDER BY taken_utc LIMIT 1) AS first_taken_at,
          (SELECT taken_at FROM readings WHERE campaign_id = c.id AND clock_flag IS NULL
           ORDER BY taken_utc DESC LIMIT 1) AS last_taken_at
        FROM campaigns c LEFT JOIN captures k ON k.campaign_id = c.id {where}
        GROUP BY c.id ORDER BY c.updated_at DESC
        """
    )
    for row in rows:
        row["latest_reading"] = latest_reading(db, row["id"])
    return rows


def archived_count(db: sqlite_utils.Database) -> int:
    return db["campaigns"].count_where("archived_at IS NOT NULL")


def get_campaign(db: sqlite_utils.Database, campaign_id: str) -> dict[str, Any] | None:
    rows = db.execute_returning_dicts("SELECT * FROM campaigns WHERE id = ?", [campaign_id])
    return rows[0] if rows else None


def campaign_captures(db: sqlite_utils.Database, campaign_id: str, limit: int = 1000, offset: int = 0):
    rows = db.execute_returning_dicts(
        f"SELECT {_JOINED} {_FROM} WHERE k.campaign_id = ? ORDER BY r.taken_utc, k.seq LIMIT ? OFFSET ?",
        [campaign_id, limit, offset],
    )
    return [_decode_capture(r) for r in rows]


# What a bundle's time-ordered lists (timeline, reports, complaint evidence) use of each capture:
# the whole row is in the manifest already, so 10,000 captures need not be held twice in full.
_TIMELINE = "k.id, k.taken_at, k.received_at, k.sha256, k.mime, r.taken_utc, r.clock_flag"


def campaign_timeline(db: sqlite_utils.Database, campaign_id: str) -> list[dict[str, Any]]:
    """Every capture of the campaign in time order, with only the fields of ``_TIMELINE``."""
    rows = db.execute_returning_dicts(
        f"SELECT {_TIMELINE} {_FROM} WHERE k.campaign_id = ? ORDER BY r.taken_utc, k.seq", [campaign_id]
    )
    return [_decode_capture(r) for r in rows]


def capture_page(
    db: sqlite_utils.Database, campaign_id: str, limit: int, after: tuple[str, int] | None = None
) -> tuple[list[dict[str, Any]], tuple[str, int] | None]:
    """Up to ``limit`` captures in time order after the order key ``after``, and the key to go on
    from (None on the last page). Keyset paging: a page costs the same at any depth, and a capture
    stored meanwhile neither repeats one nor skips one."""
    since = "AND (COALESCE(r.taken_utc, ''), k.rowid) > (?, ?) " if after else ""
    rows = db.execute_returning_dicts(
        f"SELECT {_JOINED}, k.rowid AS rowid_ {_FROM} WHERE k.campaign_id = ? {since}"
        "ORDER BY COALESCE(r.taken_utc, ''), k.rowid LIMIT ?",
        [campaign_id, *(after or ()), limit + 1],
    )
    more = len(rows) > limit
    rows = rows[:limit]
    last = (rows[-1]["taken_utc"] or "", rows[-1]["rowid_"]) if more else None
    for r in rows:
        del r["rowid_"]
    return [_decode_capture(r) for r in rows], last


def capture_count(db: sqlite_utils.Database, campaign_id: str) -> int:
    return db.execute("SELECT COUNT(*) FROM captures WHERE campaign_id = ?", [campaign_id]).fetchone()[0]


def readings_of(db: sqlite_utils.Database, capture_ids: list[str]) -> list[dict[str, Any]]:
    """The analysed readings of these captures (a page's), in time order."""
    marks = ", ".join("?" * len(capture_ids))
    rows = db.execute_returning_dicts(
        f"SELECT * FROM readings WHERE capture_id IN ({marks}) AND clock_flag IS NULL "
        "ORDER BY taken_utc, capture_id",
        capture_ids,
    )
    return [_decode_reading(r) for r in rows]


def get_capture(db: sqlite_utils.Database, capture_id: str) -> dict[str, Any] | None:
    rows = db.execute_returning_dicts(f"SELECT {_JOINED} {_FROM} WHERE k.id = ?", [capture_id.lower()])
    return _decode_capture(rows[0]) if rows else None


def campaign_readings(db: sqlite_utils.Database, campaign_id: str) -> list[dict[str, Any]]:
    rows = db.execute_returning_dicts(
        "SELECT * FROM readings WHERE campaign_id = ? AND clock_flag IS NULL ORDER BY taken_utc, capture_id",
        [campaign_id],
    )
    return [_decode_reading(r) for r in rows]


def readings_after(db: sqlite_utils.Database, campaign_id: str, rowid: int) -> list[dict[str, Any]]:
    """The analysed readings stored after row ``rowid`` (insertion order), each with its ``rowid``:
    what an analyzer that has folded up to ``rowid`` has not seen (index ``readings_analysed``)."""
    rows = db.execute_returning_dicts(
        "SELECT rowid AS rowid_, * FROM readings WHERE campaign_id = ? AND clock_flag IS NULL AND rowid > ? "
        "ORDER BY rowid",
        [campaign_id, rowid],
    )
    return [_with_rowid(r) for r in rows]


def readings_from(
    db: sqlite_utils.Database, campaign_id: str, capture_id: str | None, upto: int
) -> list[dict[str, Any]]:
    """The analysed readings taken at or after ``capture_id``'s reading (all when None), stored up to
    row ``upto``: what a re-fold from a snapshot folds again (index on campaign, taken_utc)."""
    since = "AND taken_utc >= (SELECT taken_utc FROM readings WHERE capture_id = ?) " if capture_id else ""
    rows = db.execute_returning_dicts(
        f"SELECT * FROM readings WHERE campaign_id = ? AND clock_flag IS NULL {since}AND rowid <= ? "
        "ORDER BY taken_utc, capture_id",
        [campaign_id, *([capture_id] if capture_id else []), upto],
    )
    return [_decode_reading(r) for r in rows]


def _with_rowid(row: dict[str, Any]) -> dict[str, Any]:
    rowid = row.pop("rowid_")
    return {**_decode_reading(row), "rowid": rowid}


def get_reading(db: sqlite_utils.Database, capture_id: str) -> dict[str, Any] | None:
    rows = db.execute_returning_dicts("SELECT * FROM readings WHERE capture_id = ?", [capture_id])
    return _decode_reading(rows[0]) if rows else None


def latest_reading(db: sqlite_utils.Database, campaign_id: str) -> dict[str, Any] | None:
    rows = db.execute_returning_dicts(
        "SELECT * FROM readings WHERE campaign_id = ? AND clock_flag IS NULL "
        "ORDER BY taken_utc DESC, rowid DESC LIMIT 1",
        [campaign_id],
    )
    return _decode_reading(rows[0]) if rows else None


def _decode_capture(row: dict[str, Any]) -> dict[str, Any]:
    return stored.capture(row)


def _decode_reading(row: dict[str, Any]) -> dict[str, Any]:
    return stored.reading(row)
