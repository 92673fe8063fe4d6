"""What a stored capture or reading row may be trusted to hold; readers skip the rest, with a warning.

Only ``evidence/ingest.py`` writes these rows and it validates everything first, but an archive can
also hold rows of an older version, of another tool or of a damaged file. One odd value must never
break a page or a campaign (a deadline in year 9999 once overflowed the date arithmetic of every
later capture of its campaign), so every reader of captures and readings cleans its rows here:

- numbers must be numbers within what the schema accepts (amounts 0–10⁹, percents 0–100, counts);
- times that are computed with (a reading's ``taken_at``, ``deadline``) must be RFC 3339 in
  2000–2100 (``core/checks.py``); text columns must be text; JSON columns must be JSON of the
  right shape (a list of helpers, an object of page texts, an object of facts);
- an odd value is dropped (None, or "" where a column is required) and logged as a warning.

Pure: no Flask, no SQLite (``page_queries.py`` has the same limits as SQL for the chart's series).
"""

from __future__ import annotations

import logging
import math
from typing import Any

from companion.core.checks import json_or_none, time_or_none

log = logging.getLogger(__name__)

# column -> (lowest, highest, whole numbers only); the limits of shared/schema.json
NUMBERS: dict[str, tuple[float, float, bool]] = {
    "cut_amount": (0, 1e9, False),
    "remaining_amount": (0, 1e9, False),
    "target_price": (0, 1e9, False),
    "cut_percent": (0, 100, False),
    "remaining_percent": (0, 100, False),
    "helper_count": (0, 1e9, True),
    "helpers_seen": (0, 1e9, True),
    "countdown_seconds": (0, 31_622_400, True),
    "seq": (1, 2**62, True),
    "rid": (1, 2**62, True),
    "campaign_seq": (1, 2**62, True),
    "record_format": (1, 99, True),
    "width": (1, 2**31, True),
    "height": (1, 2**31, True),
    "bytes": (0, 2**40, True),
}
# Times a reader computes with; other times are only shown (as text) and stay as stored.
READING_TIMES = frozenset({"taken_at", "deadline"})
REQUIRED_TEXT = frozenset(
    {"id", "capture_id", "campaign_id", "taken_at", "received_at", "sha256", "record_hash"}
)
MIMES = frozenset({"image/png", "image/jpeg"})
HELPER_NUMBERS = {"amount": (0, 1e9), "percent": (0, 100)}


def skip(table: str, column: str, key: Any, value: Any) -> None:
    log.warning("odd stored value skipped: %s.%s of %s = %.80r", table, column, key, value)


def number(value: Any, low: float, high: float, whole: bool = False) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if whole and not isinstance(value, int):
        return False
    return math.isfinite(value) and low <= value <= high


def clean(row: dict[str, Any], table: str) -> dict[str, Any]:
    """``row`` with every odd column value dropped (None, or "" for a required text column)."""
    key = row.get("id") or row.get("capture_id")
    for column, value in row.items():
        if value is None:
            continue
        if column in NUMBERS:
            if not number(value, *NUMBERS[column]):
                skip(table, column, key, value)
                row[column] = None
        elif not isinstance(value, str):
            skip(table, column, key, value)
            row[column] = "" if column in REQUIRED_TEXT else None
        elif _odd_text(table, column, value):
            skip(table, column, key, value)
            row[column] = None
    return row


def _odd_text(table: str, column: str, value: str) -> bool:
    if column == "mime":
        return value not in MIMES
    return table == "readings" and column in READING_TIMES and time_or_none(value) is None


def capture(row: dict[str, Any]) -> dict[str, Any]:
    """A captures row as the readers use it: ``facts`` an object, ``client`` {name, version, browser}."""
    clean(row, "captures")
    text = row.pop("facts_json", None)
    facts = json_or_none(text) if text is not None else {}
    if not isinstance(facts, dict):
        skip("captures", "facts_json", row.get("id"), text)
        facts = {}
    row["facts"] = facts
    row["client"] = {k: row.pop(f"client_{k}", None) for k in ("name", "version", "browser")}
    return row


def reading(row: dict[str, Any]) -> dict[str, Any]:
    """A readings row as analysis and the pages use it: ``helpers`` a list of helpers, ``raw`` an
    object of page texts; None values left out."""
    clean(row, "readings")
    key = row.get("capture_id")
    helpers_text, raw_text = row.pop("helpers_json", None), row.pop("raw_json", None)
    row["helpers"] = _helpers(json_or_none(helpers_text), key, helpers_text) if helpers_text else None
    row["raw"] = _raw(json_or_none(raw_text), key, raw_text) if raw_text else None
    return {k: v for k, v in row.items() if v is not None}


def card(row: dict[str, Any]) -> dict[str, Any]:
    """A timeline card or chart tooltip row (columns of captures and readings)."""
    return clean(row, "cards")


def _helpers(value: Any, key: Any, text: str) -> list[dict[str, Any]] | None:
    if not isinstance(value, list):
        skip("readings", "helpers_json", key, text)
        return None
    out = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            skip("readings", "helpers_json", key, item)
            continue
        helper = {"name": item["name"]}
        for field, (low, high) in HELPER_NUMBERS.items():
            if field in item:
                if number(item[field], low, high):
                    helper[field] = item[field]
                else:
                    skip("readings", f"helpers_json.{field}", key, item[field])
        if isinstance(item.get("at"), str):
            helper["at"] = item["at"]
        out.append(helper)
    return out


def _raw(value: Any, key: Any, text: str) -> dict[str, str] | None:
    if not isinstance(value, dict):
        skip("readings", "raw_json", key, text)
        return None
    odd = {k: v for k, v in value.items() if not isinstance(v, str)}
    if odd:
        skip("readings", "raw_json", key, odd)
    return {k: v for k, v in value.items() if isinstance(v, str)}
