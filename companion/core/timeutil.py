"""RFC 3339 times: the one parser and formatter every module uses; every stored time keeps its offset."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any


def parse_rfc3339(value: str) -> datetime:
    """Parse an RFC 3339 timestamp that must carry an offset (Z or ±hh:mm); ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError("timestamp is not a string")
    dt = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError("timestamp has no UTC offset")
    return dt


def parse_rfc3339_or_none(value: Any) -> datetime | None:
    """The same rule for stored values that may be odd: None instead of an exception."""
    try:
        return parse_rfc3339(value)
    except ValueError:
        return None


def now_local() -> datetime:
    return datetime.now(timezone.utc).astimezone()


def format_rfc3339(dt: datetime) -> str:
    return dt.isoformat(timespec="milliseconds")


def add_seconds(value: str, seconds: int) -> str:
    return format_rfc3339(parse_rfc3339(value) + timedelta(seconds=seconds))
