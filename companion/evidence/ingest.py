"""Ingest one capture: the only write path for evidence, callable without Flask.

Three steps, in this order for crash safety and idempotency:
1. validate everything (``validate.py``: ``validate_payload``, ``decode_image``; then
   ``imaging.inspect_image``): nothing is written for bad input;
2. build the rows (``capture_row``, ``reading_row``): pure functions of the payload;
3. store (``store_capture``): capture, reading, answer and a small image's bytes in one IMMEDIATE
   transaction that extends the hash chain (one WAL sync; the file follows it, ``blobs.py``).
Errors are ``DomainError``s; the web layer maps them to HTTP, a command-line importer prints them.

Analysis runs inside the write transaction only when it is one O(1) step (the common case: a
capture later than every other in its campaign). Anything that needs a re-fold (an out-of-order
arrival, a cold cache) runs after the commit, so the write lock is never held for it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from companion import __version__
from companion.core import checks
from companion.core.db import group_write, insert_row, write_transaction
from companion.core.errors import DomainError
from companion.core.schema import Schema
from companion.core.timeutil import (
    add_seconds,
    format_rfc3339,
    now_local,
    parse_rfc3339,
    parse_rfc3339_or_none,
)
from companion.evidence.answers import (
    Analysis,
    IngestResult,
    answer_body,
    findings_or_none,
    previous_answer,
    save_answer,
)
from companion.evidence.blobs import BlobStore
from companion.evidence.campaign_events import initial_name, name_from_capture
from companion.evidence.chain import GENESIS_HASH, facts_json, record_hash_v2
from companion.evidence.environment import clock_flag, environment, utc_instant
from companion.evidence.identity import campaign_id_for, page_identity
from companion.evidence.imaging import ImageInfo, inspect_image
from companion.evidence.validate import decode_image, validate_payload

log = logging.getLogger(__name__)
READING_SCALARS = (
    "cut_amount",
    "remaining_amount",
    "cut_percent",
    "remaining_percent",
    "target_price",
    "countdown_seconds",
    "helper_count",
    "rules_text",
    "unit",
)


# Called inside the capture's write transaction with the new row (e.g. to queue a job): cheap only.
StoredHook = Callable[[sqlite_utils.Database, dict[str, Any]], None]


@dataclass(frozen=True)
class CheckedCapture:
    """A payload that passed every check, with its decoded image."""

    payload: dict[str, Any]
    capture_id: str
    data: bytes
    sha256: str
    image: ImageInfo
    user_agent: str | None = None


@dataclass(frozen=True)
class ChainPlace:
    """Where a new record goes: after the archive's head and after its campaign's last record."""

    seq: int
    prev_hash: str
    campaign_prev_hash: str
    campaign_seq: int
    anchor: str | None


def capture_row(
    checked: CheckedCapture, campaign_id: str, received_at: str, place: ChainPlace
) -> dict[str, Any]:
    """The evidence record (format 2), chained after ``place`` (pure)."""
    payload = checked.payload
    client = payload.get("client") or {}
    page = payload["page"]
    row = {
        "id": checked.capture_id,
        "campaign_id": campaign_id,
        "taken_at": payload["taken_at"],
        "received_at": received_at,
        "source": payload["source"],
        "page_url": page["url"],
        "page_title": page.get("title", ""),
        "sha256": checked.sha256,
        "mime": checked.image.mime,
        "width": checked.image.width,
        "height": checked.image.height,
        "bytes": len(checked.data),
        "client_name": client.get("name"),
        "client_version": client.get("version"),
        "client_browser": client.get("browser"),
        "facts_json": facts_json(payload.get("facts") or {}),
        "record_format": 2,
        "seq": place.seq,
        "campaign_seq": place.campaign_seq,
        "campaign_prev_hash": place.campaign_prev_hash,
        "anchor": place.anchor,
        **environment(checked.user_agent, __version__, client.get("sent_at")),
    }
    row["prev_hash"] = place.prev_hash
    row["record_hash"] = record_hash_v2(row, place.prev_hash)
    return row


def reading_facts(payload: dict[str, Any]) -> dict[str, Any]:
    """The facts as analysis sees them: as sent, plus a deadline derived from a countdown (pure)."""
    facts = dict(payload.get("facts") or {})
    if "countdown_seconds" in facts and "deadline" not in facts:
        facts["deadline"] = add_seconds(payload["taken_at"], facts["countdown_seconds"])
    return facts


def reading_row(
    capture_id: str, campaign_id: str, taken_at: str, facts: dict[str, Any], flag: str | None = None
) -> dict[str, Any]:
    """The typed readings row analysis and the dashboard query (pure); ``taken_utc`` orders them."""
    reading = {"capture_id": capture_id, "campaign_id": campaign_id, "taken_at": taken_at}
    reading["taken_utc"] = utc_instant(parse_rfc3339(taken_at))
    reading["clock_flag"] = flag
    reading.update({k: facts.get(k) for k in READING_SCALARS})
    reading["deadline"] = facts.get("deadline")
    reading["helpers_json"] = json.dumps(facts["helpers"], ensure_ascii=False) if "helpers" in facts else None
    reading["raw_json"] = json.dumps(facts["raw"], ensure_ascii=False) if "raw" in facts else None
    return reading


def ingest_capture(
    db: sqlite_utils.Database,
    blobs: BlobStore,
    schema: Schema,
    payload: Any,
    *,
    max_pixels: int,
    analysis: Analysis | None = None,
    on_stored: Sequence[StoredHook] = (),
    user_agent: str | None = None,
) -> IngestResult:
    """Validate, archive and answer one capture; a repeated capture_id answers the first result.

    ``user_agent`` is the sending browser's User-Agent header (recorded with the capture)."""
    validate_payload(schema, payload)
    capture_id = payload["capture_id"].lower()
    data = decode_image(payload["image"]["data_base64"])
    sha256 = hashlib.sha256(data).hexdigest()
    replay = previous_answer(db, capture_id, sha256, analysis, payload)
    if replay is not None:  # a retry: answered before the image is even decoded
        return replay
    image = inspect_image(data, payload["image"]["mime"], max_pixels)
    checked = CheckedCapture(
        payload=payload, capture_id=capture_id, data=data, sha256=sha256, image=image, user_agent=user_agent
    )
    explicit = payload.get("campaign_id")
    if explicit and not db["campaigns"].count_where("id = ?", [explicit]):
        raise DomainError(404, "campaign_not_found", f"找不到活动 {explicit}。")
    return store_capture(db, blobs, checked, analysis, on_stored)


def store_capture(
    db: sqlite_utils.Database,
    blobs: BlobStore,
    checked: CheckedCapture,
    analysis: Analysis | None,
    on_stored: Sequence[StoredHook] = (),
) -> IngestResult:
    # One sync per capture: a small original commits with its rows (blobs.py, docs/performance.md).
    staged = blobs.stageable(len(checked.data))
    if not staged:
        blobs.put(checked.data, checked.image.mime, checked.sha256)
    payload = checked.payload
    facts = reading_facts(payload)
    new_reading = {"capture_id": checked.capture_id, "taken_at": payload["taken_at"], **facts}

    def write(db: sqlite_utils.Database):  # maybe on another thread's connection: use only this db
        campaign_id = _campaign_for(db, payload)
        received = now_local()
        row = capture_row(checked, campaign_id, format_rfc3339(received), _chain_place(db, campaign_id))
        flag = _clock_flag(db, row, received)
        if staged:
            blobs.stage(db, checked.data, checked.image.mime, checked.sha256)
        insert_row(db, "captures", row)
        reading = reading_row(checked.capture_id, campaign_id, payload["taken_at"], facts, flag)
        insert_row(db, "readings", reading)
        db.execute("UPDATE campaigns SET updated_at = ? WHERE id = ?", [row["received_at"], campaign_id])
        for hook in on_stored:
            hook(db, row)
        # A flagged capture is left out of findings: the analysis re-folds without it.
        findings = None if flag is not None else _append(analysis, db, campaign_id, new_reading)
        body = answer_body(checked.capture_id, campaign_id, checked.sha256, findings)
        return campaign_id, findings, body, save_answer(db, body) if findings is not None else None

    try:  # concurrent captures share one commit, one sync (core/group_commit.py)
        campaign_id, findings, body, text = group_write(db, write)
    except sqlite_utils.db.sqlite3.IntegrityError:
        # A concurrent request with the same capture_id won the race: answer what it stored.
        replay = previous_answer(db, checked.capture_id, checked.sha256, analysis, checked.payload)
        if replay is None:
            raise
        return replay
    if staged:
        blobs.write_staged(checked.data, checked.image.mime, checked.sha256)
    if findings is None:  # needs a re-fold: done with the write lock released
        findings = findings_or_none(analysis, db, campaign_id)
        body = answer_body(checked.capture_id, campaign_id, checked.sha256, findings or [])
        if findings is not None:  # else a retry asks the analysis again
            with write_transaction(db):
                text = save_answer(db, body)
    return IngestResult(201, body, text)


# Analysis is derived and can be redone; the capture is evidence. A failed analysis is logged and
# never refuses or fails a capture (a 500 would be retried forever, blocking the extension's queue).


def _append(analysis: Analysis | None, db, campaign_id: str, reading: dict[str, Any]):
    if analysis is None:
        return []
    try:
        return analysis.append(db, campaign_id, reading)
    except Exception:
        log.exception("analysis step failed for campaign %s; it will be re-folded", campaign_id)
        return None


def _chain_place(db: sqlite_utils.Database, campaign_id: str) -> ChainPlace:
    """Read inside the write transaction, so two writers can't fork either chain."""
    head = db.execute("SELECT record_hash, seq FROM captures ORDER BY seq DESC LIMIT 1").fetchone()
    last = db.execute(
        "SELECT record_hash, campaign_seq FROM captures WHERE campaign_id = ? ORDER BY seq DESC LIMIT 1",
        [campaign_id],
    ).fetchone()
    # The campaign's last record says how many came before (one seek); counting them read every
    # one (O(n) per capture). A record from before format 2 has no campaign_seq: count then.
    if last is not None and isinstance(last[1], int):
        count = last[1]
    else:
        count = db.execute("SELECT COUNT(*) FROM captures WHERE campaign_id = ?", [campaign_id]).fetchone()[0]
    anchor = db.execute(
        "SELECT sha256 FROM checkpoints WHERE id = (SELECT MAX(checkpoint_id) FROM timestamp_tokens)"
    ).fetchone()
    return ChainPlace(
        seq=head[1] + 1 if head else 1,
        prev_hash=head[0] if head else GENESIS_HASH,
        campaign_prev_hash=last[0] if last else GENESIS_HASH,
        campaign_seq=count + 1,
        anchor=anchor[0] if anchor else None,
    )


def _clock_flag(db: sqlite_utils.Database, row: dict[str, Any], received) -> str | None:
    newest = db.execute(
        "SELECT MAX(taken_utc) FROM readings WHERE campaign_id = ? AND clock_flag IS NULL",
        [row["campaign_id"]],
    ).fetchone()[0]
    return clock_flag(
        row["source"],
        parse_rfc3339(row["taken_at"]),
        received,
        parse_rfc3339_or_none(row["client_sent_at"]),
        checks.time_or_none(newest),  # a stored row that is odd doesn't count
    )


def _campaign_for(db: sqlite_utils.Database, payload: dict[str, Any]) -> str:
    facts = payload.get("facts") or {}
    explicit = payload.get("campaign_id")
    page = payload["page"]
    identity = page_identity(page["url"])
    key, value = ("id", explicit) if explicit else ("identity", identity)
    found = db.execute(f"SELECT id, name_source FROM campaigns WHERE {key} = ?", [value]).fetchone()
    if found:
        name_from_capture(db, {"id": found[0], "name_source": found[1]}, facts)
        return found[0]
    if explicit:
        return explicit
    name, name_source = initial_name(page.get("title", ""), facts)
    campaign_id = campaign_id_for(identity)
    host, _, rest = identity.partition("/")
    now = format_rfc3339(now_local())
    db["campaigns"].insert(
        {
            "id": campaign_id,
            "identity": identity,
            "host": host,
            "path": "/" + rest.split("?")[0],
            "title": name,
            "name_source": name_source,
            "first_url": page["url"],
            "created_at": now,
            "updated_at": now,
        }
    )
    return campaign_id
