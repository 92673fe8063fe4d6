"""RFC 3339 parsing and formatting; every stored time keeps its UTC offset."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


def parse_rfc3339(value: str) -> datetime:
    """Parse an RFC 3339 timestamp that must carry an offset (Z or ±hh:mm)."""
    dt = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError("timestamp has no UTC offset")
    return dt


def now_local() -> datetime:
    return datetime.now(timezone.utc).astimezone()


def format_rfc3339(dt: datetime) -> str:
    return dt.isoformat(timespec="milliseconds")


def add_seconds(value: str, seconds: int) -> str:
    return format_rfc3339(parse_rfc3339(value) + timedelta(seconds=seconds))
