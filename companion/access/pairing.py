"""Pairing a browser: the extension asks, both sides show one short code, the user confirms on the
dashboard, and the extension then collects a token bound to its origin. Only the token's hash is kept.

Why a secret handle besides the code: the code is short so a person can compare it, so it must not
be what claims the token. The handle (32 random bytes) goes only to the extension that asked, in the
answer to its request; whoever confirms on the dashboard never sees it.

A local process can send pairing requests too (it can set any Origin). It can't pair without the
user confirming its code on the dashboard, and it can't crowd the list: requests expire after
``PAIRING_TTL``, at most ``MAX_PENDING`` wait at once and ``MAX_PER_MINUTE`` are accepted a minute.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from companion.access.tokens import digest, new_code, new_secret, now_text
from companion.core.db import write_transaction
from companion.core.errors import DomainError

PAIRING_TTL = 300  # seconds a code stays valid
MAX_PENDING = 5
MAX_PER_MINUTE = 10
TOO_MANY = "配对请求太多：请等一分钟后再试，并在助手控制台的「设置与配对」页只确认与扩展上相同的配对码。"
GONE = "这个配对请求不存在或已过期：请在扩展的设置页重新点「与助手配对」。"


def start(db: sqlite_utils.Database, origin: str, label: str) -> dict[str, Any]:
    """A new pending request; its handle (secret) and code go back to the extension only."""
    handle, now = new_secret(), now_text()
    with write_transaction(db):
        # Finished or expired requests older than the rate window are of no more use.
        db.execute(
            "DELETE FROM pairing_requests WHERE expires_at < ? AND created_at < ?", [now, now_text(-60)]
        )
        recent = db.execute(
            "SELECT COUNT(*) FROM pairing_requests WHERE created_at >= ?", [now_text(-60)]
        ).fetchone()[0]
        pending = db.execute(
            "SELECT code FROM pairing_requests WHERE status = 'pending' AND expires_at >= ?", [now]
        ).fetchall()
        if recent >= MAX_PER_MINUTE or len(pending) >= MAX_PENDING:
            raise DomainError(429, "too_many_pairing_requests", TOO_MANY)
        taken = {row[0] for row in pending}
        code = new_code()
        while code in taken:  # two waiting requests never show the same code
            code = new_code()
        expires = now_text(PAIRING_TTL)
        db["pairing_requests"].insert(
            {
                "id_hash": digest(handle),
                "origin": origin,
                "code": code,
                "label": label,
                "created_at": now,
                "expires_at": expires,
                "status": "pending",
            }
        )
    return {"request_id": handle, "code": code, "expires_at": expires}


def poll(db: sqlite_utils.Database, handle: str, origin: str) -> dict[str, Any]:
    """Where the request stands; once confirmed, the token, made and handed over exactly once."""
    id_hash = digest(handle)
    rows = db.execute_returning_dicts("SELECT * FROM pairing_requests WHERE id_hash = ?", [id_hash])
    if not rows or rows[0]["origin"] != origin:
        raise DomainError(404, "pairing_not_found", GONE)
    row = rows[0]
    if row["status"] == "pending":
        if row["expires_at"] < now_text():
            return {"status": "expired"}
        return {"status": "pending", "code": row["code"], "expires_at": row["expires_at"]}
    if row["status"] == "denied":
        db.execute("DELETE FROM pairing_requests WHERE id_hash = ?", [id_hash])
        return {"status": "denied"}
    token, now = new_secret(), now_text()
    with write_transaction(db):
        # Whoever deletes the confirmed request first gets the token; a second poll finds nothing.
        if db.execute("DELETE FROM pairing_requests WHERE id_hash = ?", [id_hash]).rowcount != 1:
            raise DomainError(404, "pairing_not_found", GONE)
        db["paired_browsers"].insert(
            {
                "origin": origin,
                "token_hash": digest(token),
                "via": "code",
                "label": row["label"],
                "created_at": now,
                "last_seen_at": now,
            }
        )
    return {"status": "confirmed", "token": token}


def pending(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Requests the dashboard shows with their codes, newest first."""
    return db.execute_returning_dicts(
        "SELECT id_hash, origin, code, label, created_at, expires_at FROM pairing_requests "
        "WHERE status = 'pending' AND expires_at >= ? ORDER BY created_at DESC",
        [now_text()],
    )


def decide(db: sqlite_utils.Database, id_hash: str, confirm: bool) -> bool:
    """The user's answer on the dashboard; False when the request is gone or expired meanwhile."""
    with write_transaction(db):
        cur = db.execute(
            "UPDATE pairing_requests SET status = ? WHERE id_hash = ? AND status = 'pending' "
            "AND expires_at >= ?",
            ["confirmed" if confirm else "denied", id_hash, now_text()],
        )
    return cur.rowcount == 1


def browsers(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Paired browsers not revoked, oldest first, for the settings page."""
    return db.execute_returning_dicts(
        "SELECT id, origin, via, label, created_at, last_seen_at, last_capture_at FROM paired_browsers "
        "WHERE revoked_at IS NULL ORDER BY created_at, id"
    )


def revoke(db: sqlite_utils.Database, browser_id: int) -> bool:
    """False for an id no row can have: one past SQLite's 64-bit integers would make the query
    raise OverflowError (a 500 found by tests/test_fuzz_routes.py)."""
    if not -(2**63) <= browser_id < 2**63:
        return False
    with write_transaction(db):
        cur = db.execute(
            "UPDATE paired_browsers SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            [now_text(), browser_id],
        )
    return cur.rowcount == 1


def any_paired(db: sqlite_utils.Database) -> bool:
    """Whether a browser was ever paired (revoked ones count): from then on the token isn't printed."""
    return db.execute("SELECT 1 FROM paired_browsers LIMIT 1").fetchone() is not None
