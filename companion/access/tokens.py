"""The secrets of access (tokens, pairing handles, session cookies, login links): made with
``secrets``, stored only as SHA-256 hex, compared in constant time, with UTC times as sortable text.

A SHA-256 of 32 random bytes needs no salt or slow hash: nobody can guess its way back, and a copy
of the database (or a backup) then opens nothing (docs/security.md, "Pairing and sessions").
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta, timezone


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_code() -> str:
    """The six digits both the extension and the dashboard show while a pairing waits."""
    return f"{secrets.randbelow(1_000_000):06d}"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))


def utc_text(moment: datetime) -> str:
    """UTC, to the second, ``Z``: text that sorts as time does, so SQL can compare it."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_text(later_seconds: float = 0) -> str:
    return utc_text(datetime.now(timezone.utc) + timedelta(seconds=later_seconds))
