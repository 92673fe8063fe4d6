"""Dashboard sessions: a one-time login link (single use, short expiry) becomes an HttpOnly,
SameSite=Strict cookie, so another user or process on the machine can't read the dashboard or the
evidence by simply asking 127.0.0.1.

Links come from `serve` (printed, and opened when asked) and from the popup, which asks the companion
with its token (``POST /api/v1/session-link``). Only hashes of links and cookies are stored.
"""

from __future__ import annotations

import sqlite_utils

from companion.access.tokens import digest, new_secret, now_text
from companion.core.db import write_transaction
from companion.core.web import safe_next

LINK_TTL = 120  # seconds: the popup opens its link at once
SERVE_LINK_TTL = 3600  # seconds: the terminal's link may be clicked a while after `serve` starts
SESSION_TTL = 7 * 24 * 3600


def new_login_link(db: sqlite_utils.Database, next_path: str = "/", ttl: int = LINK_TTL) -> str:
    """A fresh link secret (the route is ``/login/<secret>``)."""
    secret, now = new_secret(), now_text()
    with write_transaction(db):
        db.execute("DELETE FROM login_links WHERE expires_at < ?", [now])
        db.execute("DELETE FROM sessions WHERE expires_at < ?", [now])
        db["login_links"].insert(
            {
                "secret_hash": digest(secret),
                "next": safe_next(next_path),
                "created_at": now,
                "expires_at": now_text(ttl),
            }
        )
    return secret


def use_login_link(db: sqlite_utils.Database, secret: str) -> tuple[str, str] | None:
    """(session cookie, where to go) the first time a valid link is used; None after that."""
    now = now_text()
    with write_transaction(db):
        rows = db.execute_returning_dicts(
            "SELECT next FROM login_links WHERE secret_hash = ? AND used_at IS NULL AND expires_at >= ?",
            [digest(secret), now],
        )
        if not rows:
            return None
        db.execute("UPDATE login_links SET used_at = ? WHERE secret_hash = ?", [now, digest(secret)])
        session = new_secret()
        db["sessions"].insert(
            {"secret_hash": digest(session), "created_at": now, "expires_at": now_text(SESSION_TTL)}
        )
    return session, rows[0]["next"]


def session_valid(db: sqlite_utils.Database, cookie: str | None) -> bool:
    if not cookie or len(cookie) > 200:
        return False
    row = db.execute(
        "SELECT 1 FROM sessions WHERE secret_hash = ? AND expires_at >= ?", [digest(cookie), now_text()]
    ).fetchone()
    return row is not None


def end_session(db: sqlite_utils.Database, cookie: str | None) -> None:
    if cookie:
        with write_transaction(db):
            db.execute("DELETE FROM sessions WHERE secret_hash = ?", [digest(cookie)])
