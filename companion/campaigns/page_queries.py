"""Read-side queries for the dashboard pages, shaped so a campaign of 10,000 captures stays cheap.

The campaign page never loads every capture row: the timeline is one page (LIMIT/OFFSET on the
``(campaign_id, taken_utc)`` index of readings), the chart reads only the numeric reading columns, and the
findings' before/after captures are fetched by id. Ordering is by the UTC instant
``readings.taken_utc``, then insertion order, as in ``queries.py``; flagged captures (their own time
can't be trusted) are in the timeline but not in the chart or "latest".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from companion.campaigns import stored


def _number(column: str, prefix: str = "") -> str:
    """SQL for a stored number, NULL when it is odd (not a number, or outside ``stored.NUMBERS``)."""
    low, high, _ = stored.NUMBERS[column]
    c = f"{prefix}{column}"
    return f"(CASE WHEN typeof({c}) IN ('integer', 'real') AND {c} BETWEEN {low} AND {high} THEN {c} END)"


def _helpers_seen(prefix: str = "") -> str:
    """The stated helper count, else the length of the stored helper list when it is a JSON array
    (nested CASEs: SQLite evaluates them in order, so malformed JSON is never parsed as an array)."""
    h = f"{prefix}helpers_json"
    array = f"CASE WHEN json_type({h}) = 'array' THEN json_array_length({h}) END"
    listed = f"CASE WHEN json_valid({h}) THEN {array} END"
    return f"COALESCE({_number('helper_count', prefix)}, {listed})"


# The page's text of the percent figures ("已砍52.0%"), so a page quotes them with their decimals.
_RAW_PERCENTS = ", ".join(
    f"CASE WHEN json_valid({{p}}raw_json) THEN json_extract({{p}}raw_json, '$.{f}') END AS raw_{f}"
    for f in ("cut_percent", "remaining_percent")
)
_FIGURES = ("cut_amount", "remaining_amount", "cut_percent", "remaining_percent", "target_price")
# What a thumbnail card or a chart point needs: the capture's own fields plus the displayed figures.
_CARD_COLUMNS = f"""
    k.id, k.seq, k.taken_at, k.received_at, k.sha256, k.mime, k.width, k.height,
    {", ".join(f"{_number(c, 'r.')} AS {c}" for c in _FIGURES)},
    {_helpers_seen("r.")} AS helpers_seen, r.unit, r.clock_flag, {_RAW_PERCENTS.format(p="r.")}
"""
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
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
    rows = db.execute_returning_dicts(
        f"SELECT {_CARD_COLUMNS} {_ORDERED} ORDER BY r.taken_utc DESC, k.seq DESC LIMIT ? OFFSET ?",
        [campaign_id, limit, offset],
    )
    return [stored.card(r) for r in rows]


def chart_series(db: sqlite_utils.Database, campaign_id: str) -> list[tuple]:
    """Every reading's numbers in page order as plain tuples, no text columns (cheap at 10,000):

    ``(rowid, cut_amount, remaining_amount, cut_percent, remaining_percent, target_price, helpers)``.
    Ties in ``taken_utc`` are broken by insertion order, which the index already holds (no sort).
    Flagged readings are left out (their time can't be placed on the axis).
    """
    return db.execute(
        f"SELECT rowid, {', '.join(_number(c) for c in _FIGURES)}, {_helpers_seen()} "
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
            f"remaining_percent, target_price, {_helpers_seen()} AS helpers_seen, unit, "
            f"{_RAW_PERCENTS.format(p='')} "
            f"FROM readings WHERE rowid IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            found[row["rid"]] = stored.clean(row, "readings")
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
            found[row["id"]] = stored.card(row)
    return found


def capture_card(db: sqlite_utils.Database, capture_id: str) -> dict[str, Any] | None:
    return cards_by_id(db, [capture_id]).get(capture_id)


def thumb_source(db: sqlite_utils.Database, capture_id: str) -> tuple[str, str] | None:
    """(sha256, mime) of a capture's original, or None."""
    row = db.execute("SELECT sha256, mime FROM captures WHERE id = ?", [capture_id.lower()]).fetchone()
    if row is None:
        return None
    if not (isinstance(row[0], str) and _SHA256.match(row[0]) and row[1] in stored.MIMES):
        stored.skip("captures", "sha256/mime", capture_id, row)
        return None
    return (row[0], row[1])


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


MAX_DAYS = 366  # captures on the case timeline: one line a day, at most this many days


def case_timeline(
    db: sqlite_utils.Database, campaign_id: str, incidents: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The case in time order (#16): captures summarised one line a day (count, first and last, so a
    campaign of 10,000 captures is a few lines, one indexed aggregate), incidents, complaints sent
    and answered (``filings``), and the communications the user added. Each entry: ``at`` (RFC 3339
    or a day), ``kind`` and what its link needs."""
    entries: list[dict[str, Any]] = []
    days = db.execute(
        "SELECT substr(r.taken_at, 1, 10) AS day, COUNT(*), MIN(r.taken_at), MAX(r.taken_at) "
        "FROM readings r WHERE r.campaign_id = ? GROUP BY day ORDER BY day LIMIT ?",
        [campaign_id, MAX_DAYS],
    ).fetchall()
    for day, count, first, last in days:
        first_id = db.execute(
            "SELECT capture_id FROM readings WHERE campaign_id = ? AND taken_at = ? LIMIT 1",
            [campaign_id, first],
        ).fetchone()
        entries.append(
            {"at": first, "kind": "captures", "day": day, "count": count, "first": first, "last": last}
            | {"first_id": first_id[0] if first_id else None}
        )
    for x in incidents:
        entries.append({"at": x.get("started_at") or "", "kind": "incident", "incident": x})
    filings = db.execute_returning_dicts(
        "SELECT id, channel, sent_on, answered_on, ticket FROM filings WHERE campaign_id = ? ORDER BY id",
        [campaign_id],
    )
    for f in filings:
        entries.append({"at": str(f["sent_on"] or ""), "kind": "filed", "filing": f})
        if f.get("answered_on"):
            entries.append({"at": str(f["answered_on"]), "kind": "answered", "filing": f})
    comms = db.execute_returning_dicts(
        "SELECT comm_seq, kind, occurred_at, time_source, file_name, mime, sha256, phone_number, agent_id, "
        "note "
        "FROM communications WHERE campaign_id = ? ORDER BY comm_seq",
        [campaign_id],
    )
    for c in comms:
        entries.append({"at": c["occurred_at"], "kind": "communication", "comm": c})
    # Days ("2026-11-20") and instants sort together by their text: a day sorts before its instants.
    return sorted(entries, key=lambda e: (str(e["at"])[:10], str(e["at"])))
