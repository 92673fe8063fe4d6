"""Who may call: the decisions ``core/security.py`` asks for on every request.

- An API call carries a token. A paired token is bound to one extension origin; the legacy token
  (the pasted ``token`` file) is accepted from any extension origin not revoked, and its first use
  from one records that origin as a paired browser, listed and revocable like the others.
- Revoking a browser that paired by the pasted token retires that token everywhere: without an
  Origin (Chromium sends none on an extension's GET) the revoked browser would otherwise still read
  the evidence with it. Other browsers that used it pair again by code.
- A request with an Origin must come from an extension (never an http/https page, ``null`` or
  ``file://``), and from the origin its token is bound to. A request without Origin is not from a
  browser page (browsers always send one with a preflighted Authorization header): a local tool that
  holds the token.
- A dashboard page needs a session cookie, or a token (a local tool, the Flask test client).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from companion.access import sessions
from companion.access.tokens import digest, now_text, same
from companion.core.errors import DomainError
from companion.core.security import is_extension_origin
from companion.evidence.environment import browser_of

SEEN_EVERY = 60  # seconds: last_seen_at is rewritten at most this often, not on every call
REPAIR = "请在扩展的设置页点「与助手配对」，并在助手控制台的「设置与配对」页确认。"
REVOKED = "配对已撤销：这个浏览器的配对已在助手控制台撤销。" + REPAIR
RETIRED = "手动填写的令牌已作废（它配对的一个浏览器已在助手控制台撤销）。" + REPAIR


def label_of(user_agent: str | None) -> str:
    return browser_of(user_agent or "") or "未知浏览器"


def legacy_retired(db: sqlite_utils.Database) -> bool:
    """Whether a browser paired by the pasted token was revoked: then that token works nowhere."""
    row = db.execute(
        "SELECT 1 FROM paired_browsers WHERE via = 'legacy' AND revoked_at IS NOT NULL LIMIT 1"
    ).fetchone()
    return row is not None


@dataclass
class AccessGuard:
    legacy_token: str

    def authenticate_api(
        self, db: sqlite_utils.Database, origin: str | None, presented: str, user_agent: str | None
    ) -> int | None:
        """The paired browser's id (None for a local tool), or a DomainError: nothing is written for
        a refused call."""
        if origin is not None and not is_extension_origin(origin):
            raise DomainError(403, "origin_not_allowed", "只接受本机浏览器扩展的请求。")
        if not presented:
            raise DomainError(401, "missing_token", "尚未配对：" + REPAIR)
        hashed = digest(presented)
        if same(presented, self.legacy_token):
            if legacy_retired(db):
                raise DomainError(401, "pairing_revoked", RETIRED)
            return None if origin is None else self._legacy_browser(db, origin, hashed, user_agent)
        rows = db.execute_returning_dicts(
            "SELECT id, origin, revoked_at, last_seen_at FROM paired_browsers WHERE token_hash = ?", [hashed]
        )
        if not rows:
            raise DomainError(401, "invalid_token", "访问令牌不正确或已失效：" + REPAIR)
        row = rows[0]
        if row["revoked_at"]:
            raise DomainError(401, "pairing_revoked", REVOKED)
        if origin is not None and origin != row["origin"]:
            raise DomainError(403, "origin_not_paired", "这个令牌属于另一个浏览器：" + REPAIR)
        self._seen(db, row)
        return row["id"]

    def _legacy_browser(
        self, db: sqlite_utils.Database, origin: str, hashed: str, user_agent: str | None
    ) -> int:
        rows = db.execute_returning_dicts(
            "SELECT id, revoked_at, last_seen_at FROM paired_browsers WHERE token_hash = ? AND origin = ?",
            [hashed, origin],
        )
        if rows and rows[0]["revoked_at"]:
            raise DomainError(401, "pairing_revoked", REVOKED)
        if rows:
            self._seen(db, rows[0])
            return rows[0]["id"]
        now = now_text()
        db.execute(
            "INSERT OR IGNORE INTO paired_browsers "
            "(origin, token_hash, via, label, created_at, last_seen_at) VALUES (?, ?, 'legacy', ?, ?, ?)",
            [origin, hashed, label_of(user_agent), now, now],
        )
        return db.execute(
            "SELECT id FROM paired_browsers WHERE token_hash = ? AND origin = ?", [hashed, origin]
        ).fetchone()[0]

    @staticmethod
    def _seen(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
        if (row.get("last_seen_at") or "") < now_text(-SEEN_EVERY):
            db.execute("UPDATE paired_browsers SET last_seen_at = ? WHERE id = ?", [now_text(), row["id"]])

    @staticmethod
    def cors_allowed(db: sqlite_utils.Database, origin: str | None, pairing_path: bool) -> bool:
        """Whether an answer (or a preflight) may be read by ``origin``: any extension origin for
        pairing, otherwise only a paired one not revoked. Web pages never."""
        if not is_extension_origin(origin):
            return False
        if pairing_path:
            return True
        row = db.execute(
            "SELECT 1 FROM paired_browsers WHERE origin = ? AND revoked_at IS NULL LIMIT 1", [origin]
        ).fetchone()
        return row is not None

    def page_allowed(self, db: sqlite_utils.Database, cookie: str | None, presented: str) -> bool:
        """A dashboard page or evidence file: the session cookie, or a token a local tool presents."""
        if sessions.session_valid(db, cookie):
            return True
        if not presented:
            return False
        if same(presented, self.legacy_token):
            return not legacy_retired(db)
        row = db.execute(
            "SELECT 1 FROM paired_browsers WHERE token_hash = ? AND revoked_at IS NULL", [digest(presented)]
        ).fetchone()
        return row is not None
