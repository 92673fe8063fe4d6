"""Storage side of complaints: what a draft is built from, the user's edits, the filed complaints."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

import sqlite_utils

from companion.campaigns.queries import campaign_captures, campaign_readings
from companion.complaints.case import DEMANDS, CaseFacts, case_facts
from companion.complaints.channels import CHANNELS
from companion.complaints.followup import Calendar, status
from companion.core import checks
from companion.core.db import write_transaction
from companion.core.timeutil import format_rfc3339, now_local
from companion.core.vocab import PROBLEMS

log = logging.getLogger(__name__)


def load_case(
    db: sqlite_utils.Database, campaign: dict[str, Any], findings: list[dict[str, Any]]
) -> CaseFacts:
    cid = campaign["id"]
    return case_facts(
        campaign,
        campaign_readings(db, cid),
        campaign_captures(db, cid, limit=1_000_000),
        findings,
        load_problem(db, cid),
    )


def load_problem(db: sqlite_utils.Database, campaign_id: str) -> str:
    """What the campaign's complaint is about (core.vocab.PROBLEMS); progress unless the user chose."""
    rows = db.execute_returning_dicts(
        "SELECT problem FROM complaint_problems WHERE campaign_id = ?", [campaign_id]
    )
    if not rows:
        return "progress"
    if rows[0]["problem"] not in PROBLEMS:
        _skip("complaint_problems.problem", campaign_id, rows[0]["problem"])
        return "progress"
    return rows[0]["problem"]


def save_problem(db: sqlite_utils.Database, campaign_id: str, problem: str) -> None:
    if problem not in PROBLEMS:
        raise ValueError(problem)
    with write_transaction(db):
        if load_problem(db, campaign_id) != problem:
            # Ticked demands belong to a problem type: every channel starts from the new one's defaults.
            db.execute(
                "UPDATE complaint_edits SET demands_json = 'null' WHERE campaign_id = ?", [campaign_id]
            )
        db["complaint_problems"].upsert(
            {"campaign_id": campaign_id, "problem": problem, "updated_at": format_rfc3339(now_local())},
            pk="campaign_id",
        )


def load_edits(
    db: sqlite_utils.Database, campaign_id: str, channel: str
) -> tuple[dict[str, str], list[str] | None]:
    """The user's field edits and ticked demands; stored values that are odd are skipped (logged)."""
    rows = db.execute_returning_dicts(
        "SELECT fields_json, demands_json FROM complaint_edits WHERE campaign_id = ? AND channel = ?",
        [campaign_id, channel],
    )
    if not rows:
        return {}, None
    where = f"{campaign_id}/{channel}"
    fields_text, demands_text = rows[0]["fields_json"], rows[0]["demands_json"]
    fields = checks.json_or_none(fields_text) if fields_text else {}
    if not isinstance(fields, dict):
        _skip("complaint_edits.fields_json", where, fields_text)
        fields = {}
    edits = {k: v for k, v in fields.items() if isinstance(v, str)}
    if len(edits) != len(fields):
        _skip("complaint_edits.fields_json", where, {k: v for k, v in fields.items() if k not in edits})
    demands = checks.json_or_none(demands_text) if demands_text else None
    if demands is not None and not isinstance(demands, list):
        _skip("complaint_edits.demands_json", where, demands_text)
        demands = None
    if demands is not None and not all(isinstance(d, str) and d in DEMANDS for d in demands):
        _skip("complaint_edits.demands_json", where, demands_text)
        demands = [d for d in demands if isinstance(d, str) and d in DEMANDS]
    return edits, demands


def _skip(column: str, key: object, value: object) -> None:
    log.warning("odd stored value skipped: %s of %s = %.80r", column, key, value)


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


def filing_exists(db: sqlite_utils.Database, filing_id: int) -> bool:
    """A filing id from a URL: one past SQLite's 64-bit integers names no row (and must not reach
    the query, which would raise OverflowError: a 500 found by tests/test_fuzz_routes.py)."""
    return -(2**63) <= filing_id < 2**63 and bool(db["filings"].count_where("id = ?", [filing_id]))


def update_filing(db: sqlite_utils.Database, filing_id: int, body: dict[str, Any]) -> None:
    with write_transaction(db):
        db["filings"].update(filing_id, {k: body[k] for k in ("answered_on", "ticket", "note") if k in body})


def filings(db: sqlite_utils.Database, calendar: Calendar, today: date, campaign_id: str | None = None):
    """Filed complaints with their follow-up status, the most urgent first.

    A stored filing that is odd (no such channel, no such day) is left out with a logged warning; an
    odd ``answered_on`` counts as not answered. One bad row must not break the follow-up pages.
    """
    sql = "SELECT f.*, c.title AS campaign_title FROM filings f JOIN campaigns c ON c.id = f.campaign_id"
    rows = db.execute_returning_dicts(
        sql + (" WHERE f.campaign_id = ?" if campaign_id else "") + " ORDER BY f.id",
        [campaign_id] if campaign_id else [],
    )
    out = []
    for row in rows:
        sent = checks.day_or_none(row["sent_on"])
        if row["channel"] not in CHANNELS or sent is None:
            _skip("filings", row["id"], {k: row[k] for k in ("channel", "sent_on")})
            continue
        answered = checks.day_or_none(row["answered_on"])
        if row["answered_on"] is not None and answered is None:
            _skip("filings.answered_on", row["id"], row["answered_on"])
            row["answered_on"] = None
        for column in ("ticket", "note", "campaign_title"):
            if not isinstance(row[column], str):
                row[column] = ""
        row["status"] = status(row["channel"], sent, answered, today, calendar)
        out.append(row)
    order = {"overdue": 0, "due": 1, "waiting": 2, "answered": 3}
    return sorted(out, key=lambda r: (order[r["status"]["state"]], r["status"]["due_by"]))
