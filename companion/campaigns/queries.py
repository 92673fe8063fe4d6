"""Read-side queries shared by the API and the dashboard, so both show the same facts."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

CAPTURE_COLUMNS = (
    "id, campaign_id, taken_at, received_at, source, page_url, page_title, sha256, mime, width, height, "
    "bytes, client_name, client_version, client_browser, facts_json, seq, prev_hash, record_hash"
)


def list_campaigns(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    rows = db.execute_returning_dicts(
        """
        SELECT c.*, COUNT(k.seq) AS capture_count, MIN(k.taken_at) AS first_taken_at,
               MAX(k.taken_at) AS last_taken_at
        FROM campaigns c LEFT JOIN captures k ON k.campaign_id = c.id
        GROUP BY c.id ORDER BY c.updated_at DESC
        """
    )
    for row in rows:
        row["latest_reading"] = latest_reading(db, row["id"])
    return rows


def get_campaign(db: sqlite_utils.Database, campaign_id: str) -> dict[str, Any] | None:
    rows = db.execute_returning_dicts("SELECT * FROM campaigns WHERE id = ?", [campaign_id])
    return rows[0] if rows else None


def campaign_captures(db: sqlite_utils.Database, campaign_id: str, limit: int = 1000, offset: int = 0):
    rows = db.execute_returning_dicts(
        f"SELECT {CAPTURE_COLUMNS} FROM captures WHERE campaign_id = ? ORDER BY taken_at, seq "
        "LIMIT ? OFFSET ?",
        [campaign_id, limit, offset],
    )
    return [_decode_capture(r) for r in rows]


def get_capture(db: sqlite_utils.Database, capture_id: str) -> dict[str, Any] | None:
    rows = db.execute_returning_dicts(
        f"SELECT {CAPTURE_COLUMNS} FROM captures WHERE id = ?", [capture_id.lower()]
    )
    return _decode_capture(rows[0]) if rows else None


def campaign_readings(db: sqlite_utils.Database, campaign_id: str) -> list[dict[str, Any]]:
    rows = db.execute_returning_dicts(
        "SELECT * FROM readings WHERE campaign_id = ? ORDER BY taken_at, capture_id", [campaign_id]
    )
    return [_decode_reading(r) for r in rows]


def get_reading(db: sqlite_utils.Database, capture_id: str) -> dict[str, Any] | None:
    rows = db.execute_returning_dicts("SELECT * FROM readings WHERE capture_id = ?", [capture_id])
    return _decode_reading(rows[0]) if rows else None


def latest_reading(db: sqlite_utils.Database, campaign_id: str) -> dict[str, Any] | None:
    rows = db.execute_returning_dicts(
        "SELECT * FROM readings WHERE campaign_id = ? ORDER BY taken_at DESC LIMIT 1", [campaign_id]
    )
    return _decode_reading(rows[0]) if rows else None


def _decode_capture(row: dict[str, Any]) -> dict[str, Any]:
    row["facts"] = json.loads(row.pop("facts_json") or "{}")
    row["client"] = {
        "name": row.pop("client_name"),
        "version": row.pop("client_version"),
        "browser": row.pop("client_browser"),
    }
    return row


def _decode_reading(row: dict[str, Any]) -> dict[str, Any]:
    helpers = row.pop("helpers_json")
    raw = row.pop("raw_json")
    row["helpers"] = json.loads(helpers) if helpers else None
    row["raw"] = json.loads(raw) if raw else None
    return {k: v for k, v in row.items() if v is not None}
