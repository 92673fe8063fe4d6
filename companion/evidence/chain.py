"""The hash chain over capture records: the rules ``verify`` and any third party re-compute.

Record format 1 (captures stored before issue #10): each record's hash covers the previous
record's hash (the archive-wide chain) and the record's own fields below, in this order, as compact
JSON (separators "," and ":", non-ASCII kept as is), so removing, inserting or editing a record
breaks every later link.

Record format 2 (``record_format`` = 2) also covers its place in the archive (``seq``) and in its
campaign's own chain
(``campaign_seq``, ``campaign_prev_hash``: so a campaign's bundle shows none of its records was left
out), the newest time-stamped checkpoint when it was made (``anchor``) and the capture environment.

Campaign events (issue #12: the user renamed or archived a campaign) form one more chain per
campaign (``event_hash``); each names the campaign's newest capture record at that moment.

Checkpoints (what a time-stamping authority signs) commit to every campaign's records at one moment
through one leaf per campaign. docs/evidence.md gives the rules with a worked example.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

GENESIS_HASH = "0" * 64
RECORD_V2 = "bargain-witness-record/2"
LEAF_FORMAT = "bargain-witness-leaf/1"
EVENT_FORMAT = "bargain-witness-campaign-event/1"
# Fields of a campaign event (a rename or an archiving by the user) covered by its hash, in order.
EVENT_FIELDS = ("campaign_id", "event_seq", "kind", "name", "at", "capture_head")
CHECKPOINT_FORMAT = "bargain-witness-checkpoint/1"
# Fields of a capture row covered by its record hash, in a fixed order (format 1).
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
# Format 2 adds these, after the format 1 fields.
CHAINED_FIELDS_V2 = (
    *CHAINED_FIELDS,
    "seq",
    "campaign_seq",
    "campaign_prev_hash",
    "anchor",
    "user_agent",
    "browser",
    "os",
    "companion_version",
    "client_sent_at",
)


def canonical(value: Any) -> bytes:
    """Compact JSON, non-ASCII kept, UTF-8: the one serialisation every hash here is taken over."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_hash(row: dict[str, Any], prev_hash: str) -> str:
    """Format 1: SHA-256 over the previous record's hash and this record's chained fields."""
    return sha256_hex(canonical([prev_hash, *(row.get(k) for k in CHAINED_FIELDS)]))


def record_hash_v2(row: dict[str, Any], prev_hash: str) -> str:
    """Format 2: SHA-256 over the format's name, the previous record's hash and the fields."""
    return sha256_hex(canonical([RECORD_V2, prev_hash, *(row.get(k) for k in CHAINED_FIELDS_V2)]))


def chain_hash(row: dict[str, Any], prev_hash: str) -> str:
    """The rule of the row's own format (``record_format`` 2, else 1)."""
    return record_hash_v2(row, prev_hash) if row.get("record_format") == 2 else record_hash(row, prev_hash)


def event_hash(row: dict[str, Any], prev_hash: str) -> str:
    """A campaign event: SHA-256 over the format's name, the campaign's previous event hash (or the
    genesis hash) and the fields; ``capture_head`` pins it after the campaign's records so far."""
    return sha256_hex(canonical([EVENT_FORMAT, prev_hash, *(row.get(k) for k in EVENT_FIELDS)]))


def facts_json(facts: dict[str, Any]) -> str:
    """The facts as they are chained: sorted keys, non-ASCII kept."""
    return json.dumps(facts, ensure_ascii=False, sort_keys=True)


def records_digest(record_hashes: Iterable[str]) -> str:
    """SHA-256 of a campaign's record hashes in chain order, each followed by a newline."""
    h = hashlib.sha256()
    for rh in record_hashes:
        h.update(f"{rh}\n".encode("ascii"))
    return h.hexdigest()


def leaf_hash(campaign_id: str, count: int, digest: str) -> str:
    """One campaign's leaf in a checkpoint: its first ``count`` records, through their digest."""
    return sha256_hex(canonical([LEAF_FORMAT, campaign_id, count, digest]))


def prefix_leaves(campaign_id: str, record_hashes: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(k, leaf of the first k records) for k = 1, 2, ...: every state the campaign has been in."""
    h = hashlib.sha256()
    for k, rh in enumerate(record_hashes, 1):
        h.update(f"{rh}\n".encode("ascii"))
        yield k, leaf_hash(campaign_id, k, h.hexdigest())


def checkpoint_body(global_count: int, global_head: str, leaves: Iterable[str], created_at: str) -> bytes:
    """The bytes sent (as their SHA-256) to the time-stamping authorities; leaves sorted."""
    return canonical(
        {
            "format": CHECKPOINT_FORMAT,
            "created_at": created_at,
            "global_count": global_count,
            "global_head": global_head,
            "leaves": sorted(leaves),
        }
    )


def parse_checkpoint(body: bytes) -> dict[str, Any] | None:
    """The checkpoint's fields, or None when the bytes are not a checkpoint."""
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(value, dict) or value.get("format") != CHECKPOINT_FORMAT:
        return None
    if not isinstance(value.get("leaves"), list):
        return None
    return value


def check_campaign_chains(
    rows: list[Any], seq_key: str, hash_of: Callable[[dict, str], str], noun: str, extra=None
) -> list[str]:
    """A per-campaign chain of side records re-computed (rows in campaign, seq order; from the
    database or a bundle's manifest, so any shape): a changed, inserted, removed or reordered record
    is named in Chinese. ``extra(row, where)`` adds the record kind's own checks (its file, its
    anchor). Shared by the rename/archive events and the communications."""
    problems: list[str] = []
    prev: dict[Any, tuple[Any, Any]] = {}
    for row in rows:
        if not isinstance(row, dict):
            problems.append(f"一条{noun}的格式不正确（已被改动）。")
            continue
        campaign = row.get("campaign_id")
        count, prev_hash = prev.get(campaign, (0, GENESIS_HASH))
        where = f"活动 {campaign} 的第 {row.get(seq_key)} 条{noun}"
        if row.get(seq_key) != count + 1:
            problems.append(f"{where}：序号应为 {count + 1}，前面的记录缺失或被调换。")
        if row.get("prev_hash") != prev_hash:
            problems.append(f"{where}：与上一条记录的链接不符（前一条被改动或删除）。")
        if hash_of(row, str(row.get("prev_hash"))) != row.get("record_hash"):
            problems.append(f"{where}：内容与哈希不符，记录被改动过。")
        if extra is not None:
            problems += extra(row, where)
        prev[campaign] = (row.get(seq_key), row.get("record_hash"))
    return problems
