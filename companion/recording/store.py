"""Reading a capture's recordings (their chunks are ``capture_files`` rows of kind ``video_chunk``)
and writing the ``recordings`` table (m013: the finish call and the derived copy, never evidence).

A recording the extension never finished (the browser crashed) still has its chunks: it is listed
with what arrived, and ``finished`` is None.
"""

from __future__ import annotations

import json
import math
from typing import Any

import sqlite_utils

from companion.core.db import write_transaction
from companion.core.timeutil import format_rfc3339, now_local

CHUNK_KIND = "video_chunk"


def chunk_rows(
    db: sqlite_utils.Database, capture_id: str, recording_id: str | None = None
) -> list[dict[str, Any]]:
    """The video chunks of a capture (of one recording), in recording then part order."""
    sql = (
        "SELECT id, capture_id, recording_id, part, mime, sha256, size, meta_json, received_at, record_hash "
        "FROM capture_files WHERE capture_id = ? AND kind = ? "
        # A chunk stored without its recording (an odd row) belongs to no recording: the files
        # table lists it on its own (campaigns/templates/_capture_files.html).
        "AND typeof(recording_id) = 'text' AND recording_id != ''"
    )
    args: list[Any] = [capture_id, CHUNK_KIND]
    if recording_id is not None:
        sql += " AND recording_id = ?"
        args.append(recording_id)
    rows = list(db.query(sql + " ORDER BY recording_id, part", args))
    for row in rows:
        row["meta"] = _meta(row.pop("meta_json"))
    return rows


def _meta(text: Any) -> dict[str, Any]:
    try:
        value = json.loads(text) if isinstance(text, str) else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def finished_row(db: sqlite_utils.Database, capture_id: str, recording_id: str) -> dict[str, Any] | None:
    rows = db.query(
        "SELECT * FROM recordings WHERE capture_id = ? AND recording_id = ?", [capture_id, recording_id]
    )
    return next(iter(rows), None)


def recordings_of(db: sqlite_utils.Database, capture_id: str) -> list[dict[str, Any]]:
    """Every recording of a capture: its chunks, the finish row (or None), which parts are missing."""
    chunks = chunk_rows(db, capture_id)
    finished = {
        r["recording_id"]: r for r in db.query("SELECT * FROM recordings WHERE capture_id = ?", [capture_id])
    }
    ids = sorted({c["recording_id"] for c in chunks} | set(finished))
    out = []
    for rid in ids:
        mine = [c for c in chunks if c["recording_id"] == rid]
        row = finished.get(rid)
        expected = row["chunks"] if row else None
        parts = {c["part"] for c in mine}
        top = max([*parts, (expected or 0) - 1, -1])
        out.append(
            {
                "recording_id": rid,
                "chunks": mine,
                "finished": row,
                "missing_parts": [p for p in range(top + 1) if p not in parts],
                "duration_ms": sum(_duration_ms(c["meta"]) for c in mine),
                "size": sum(int(c["size"] or 0) for c in mine),
            }
        )
    return out


def record_finish(
    db: sqlite_utils.Database, capture_id: str, recording_id: str, chunks: int, duration_ms: int
) -> tuple[dict[str, Any], bool]:
    """Store the finish call once; a repeat (the extension's retry) answers the first. (row, created)"""
    with write_transaction(db):
        existing = finished_row(db, capture_id, recording_id)
        if existing:
            return existing, False
        row = {
            "capture_id": capture_id,
            "recording_id": recording_id,
            "chunks": chunks,
            "duration_ms": duration_ms,
            "finished_at": format_rfc3339(now_local()),
        }
        db["recordings"].insert(row)
    return finished_row(db, capture_id, recording_id) or row, True


def record_derived(db: sqlite_utils.Database, capture_id: str, recording_id: str, **fields: Any) -> None:
    """The derived copy's facts (or why none could be made)."""
    with write_transaction(db):
        db["recordings"].update(
            (capture_id, recording_id), {**fields, "derived_at": format_rfc3339(now_local())}
        )


def sources_key(chunks: list[dict[str, Any]]) -> str:
    """What a derived copy was made from: the chunks' parts and hashes, in order."""
    return ",".join(f"{c['part']}:{c['sha256']}" for c in chunks)


def _duration_ms(meta: dict[str, Any]) -> int:
    """A chunk's stated length; its meta is the client's word (docs/api.md), so anything that is not
    a plausible count of milliseconds (text, NaN, negative, beyond a week) counts as unknown: 0."""
    value = meta.get("duration_ms") if isinstance(meta, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0
    if not math.isfinite(value) or not 0 <= value <= 604_800_000:
        return 0
    return int(value)
