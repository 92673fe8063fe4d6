"""Storage side of complaints: what a draft is built from, the user's edits, the filed complaints."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlite_utils

from companion.campaigns.queries import campaign_captures, campaign_readings
from companion.complaints.case import CaseFacts, case_facts
from companion.complaints.followup import Calendar, status
from companion.core.db import write_transaction
from companion.core.timeutil import format_rfc3339, now_local


def load_case(
    db: sqlite_utils.Database, campaign: dict[str, Any], findings: list[dict[str, Any]]
) -> CaseFacts:
    cid = campaign["id"]
    return case_facts(
        campaign, campaign_readings(db, cid), campaign_captures(db, cid, limit=1_000_000), findings
    )


def load_edits(
    db: sqlite_utils.Database, campaign_id: str, channel: str
) -> tuple[dict[str, str], list[str] | None]:
    rows = db.execute_returning_dicts(
        "SELECT fields_json, demands_json FROM complaint_edits WHERE campaign_id = ? AND channel = ?",
        [campaign_id, channel],
    )
    if not rows:
        return {}, None
    demands = json.loads(rows[0]["demands_json"]) if rows[0]["demands_json"] else None
    return json.loads(rows[0]["fields_json"] or "{}"), demands


def save_edits(
    db: sqlite_utils.Database,
    campaign_id: str,
    channel: str,
    fields: dict[str, str | None] | None,
    demands: list[str] | None,
) -> None:
    """Merge field edits (None drops one: back to the generated text); demands replace the ticked set.

    Read and write in one IMMEDIATE transaction: two edits at once merge instead of losing one.
    """
    with write_transaction(db):
        current, current_demands = load_edits(db, campaign_id, channel)
        for key, value in (fields or {}).items():
            if value is None:
                current.pop(key, None)
            else:
                current[key] = value
        db["complaint_edits"].upsert(
            {
                "campaign_id": campaign_id,
                "channel": channel,
                "fields_json": json.dumps(current, ensure_ascii=False),
                "demands_json": json.dumps(demands if demands is not None else current_demands),
                "updated_at": format_rfc3339(now_local()),
            },
            pk=("campaign_id", "channel"),
        )


def discard_edits(db: sqlite_utils.Database, campaign_id: str, channel: str) -> None:
    with write_transaction(db):
        db.execute(
            "DELETE FROM complaint_edits WHERE campaign_id = ? AND channel = ?", [campaign_id, channel]
        )


def add_filing(db: sqlite_utils.Database, campaign_id: str, body: dict[str, Any]) -> int:
    with write_transaction(db):
        table = db["filings"].insert(
            {
                "campaign_id": campaign_id,
                "channel": body["channel"],
                "sent_on": body["sent_on"],
                "ticket": body.get("ticket", ""),
                "note": body.get("note", ""),
                "answered_on": body.get("answered_on"),
                "created_at": format_rfc3339(now_local()),
            }
        )
    return table.last_pk


def update_filing(db: sqlite_utils.Database, filing_id: int, body: dict[str, Any]) -> None:
    with write_transaction(db):
        db["filings"].update(filing_id, {k: body[k] for k in ("answered_on", "ticket", "note") if k in body})


def filings(db: sqlite_utils.Database, calendar: Calendar, today: date, campaign_id: str | None = None):
    """Filed complaints with their follow-up status, the most urgent first."""
    sql = "SELECT f.*, c.title AS campaign_title FROM filings f JOIN campaigns c ON c.id = f.campaign_id"
    rows = db.execute_returning_dicts(
        sql + (" WHERE f.campaign_id = ?" if campaign_id else "") + " ORDER BY f.id",
        [campaign_id] if campaign_id else [],
    )
    for row in rows:
        answered = date.fromisoformat(row["answered_on"]) if row["answered_on"] else None
        row["status"] = status(row["channel"], date.fromisoformat(row["sent_on"]), answered, today, calendar)
    order = {"overdue": 0, "due": 1, "waiting": 2, "answered": 3}
    return sorted(rows, key=lambda r: (order[r["status"]["state"]], r["status"]["due_by"]))
