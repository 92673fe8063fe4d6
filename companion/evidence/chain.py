"""The hash chain over capture records: the rule ``verify`` and any third party re-compute.

Each record's hash covers the previous record's hash and the record's own fields below, in this
order, as compact JSON (separators "," and ":", non-ASCII kept as is), so removing, inserting or
editing a record breaks every later link (docs/evidence.md).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS_HASH = "0" * 64
# Fields of a capture row covered by its record hash, in a fixed order.
CHAINED_FIELDS = (
    "id",
    "campaign_id",
    "taken_at",
    "received_at",
    "source",
    "page_url",
    "page_title",
    "sha256",
    "mime",
    "width",
    "height",
    "bytes",
    "client_name",
    "client_version",
    "client_browser",
    "facts_json",
)


def record_hash(row: dict[str, Any], prev_hash: str) -> str:
    """SHA-256 over the previous record's hash and this record's chained fields (canonical JSON)."""
    material = json.dumps(
        [prev_hash, *(row.get(k) for k in CHAINED_FIELDS)], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def facts_json(facts: dict[str, Any]) -> str:
    """The facts as they are chained: sorted keys, non-ASCII kept."""
    return json.dumps(facts, ensure_ascii=False, sort_keys=True)
