"""Ingest one capture: the only write path for evidence.

Order matters for crash safety and idempotency: validate everything first (nothing is written for
bad input), write the image file (content-addressed, fsynced), then insert the capture, its reading
and the answer in one IMMEDIATE transaction that also extends the hash chain, then reply.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from companion.db import write_transaction
from companion.errors import ApiError
from companion.identity import campaign_id_for, page_identity
from companion.imaging import inspect_image
from companion.schema import Schema
from companion.storage import BlobStore
from companion.timeutil import add_seconds, format_rfc3339, now_local, parse_rfc3339

GENESIS_HASH = "0" * 64
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
# Fields of a capture row covered by its record hash, in a fixed order (verify re-computes this).
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


@dataclass(frozen=True)
class IngestResult:
    status: int
    body: dict[str, Any]


def record_hash(row: dict[str, Any], prev_hash: str) -> str:
    """SHA-256 over the previous record's hash and this record's chained fields (canonical JSON)."""
    material = json.dumps(
        [prev_hash, *(row.get(k) for k in CHAINED_FIELDS)], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def decode_image(data_base64: str) -> bytes:
    text = data_base64.strip()
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, "invalid_base64", "image.data_base64 不是有效的 Base64 数据。") from None


def validate_payload(schema: Schema, payload: Any) -> None:
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_json", "请求体必须是一个 JSON 对象。")
    problem = schema.first_error("capture", payload)
    if problem:
        status = 400 if any(k not in payload for k in ("capture_id", "taken_at", "image", "page")) else 422
        raise ApiError(status, "schema_violation", f"请求内容不符合 shared/schema.json：{problem}")
    try:
        taken = parse_rfc3339(payload["taken_at"])
    except ValueError:
        raise ApiError(422, "invalid_time", "taken_at 必须是带时区偏移的 RFC 3339 时间。") from None
    # No real capture is from outside this range, and the deadline arithmetic must not overflow.
    if not 2000 <= taken.year <= 2099:
        raise ApiError(422, "invalid_time", f"taken_at 的年份 {taken.year} 不合理，请检查电脑的日期设置。")


def ingest_capture(
    db: sqlite_utils.Database,
    blobs: BlobStore,
    schema: Schema,
    payload: Any,
    *,
    max_pixels: int,
    analyse=None,
) -> IngestResult:
    """Validate, archive and answer one capture; a repeated capture_id answers the first result."""
    validate_payload(schema, payload)
    capture_id = payload["capture_id"].lower()
    image = payload["image"]
    data = decode_image(image["data_base64"])
    sha256 = hashlib.sha256(data).hexdigest()

    replay = _previous_answer(db, capture_id, sha256)
    if replay is not None:
        return replay

    info = inspect_image(data, image["mime"], max_pixels)
    explicit = payload.get("campaign_id")
    if explicit and not db["campaigns"].count_where("id = ?", [explicit]):
        raise ApiError(404, "campaign_not_found", f"找不到活动 {explicit}。")
    blobs.put(data, info.mime)

    sent_facts = payload.get("facts") or {}
    facts = dict(sent_facts)
    if "countdown_seconds" in facts and "deadline" not in facts:
        facts["deadline"] = add_seconds(payload["taken_at"], facts["countdown_seconds"])
    client = payload.get("client") or {}
    page = payload["page"]
    try:
        with write_transaction(db):
            campaign_id = _campaign_for(db, payload, page)
            head = db.execute("SELECT record_hash FROM captures ORDER BY seq DESC LIMIT 1").fetchone()
            row = {
                "id": capture_id,
                "campaign_id": campaign_id,
                "taken_at": payload["taken_at"],
                "received_at": format_rfc3339(now_local()),
                "source": payload["source"],
                "page_url": page["url"],
                "page_title": page.get("title", ""),
                "sha256": sha256,
                "mime": info.mime,
                "width": info.width,
                "height": info.height,
                "bytes": len(data),
                "client_name": client.get("name"),
                "client_version": client.get("version"),
                "client_browser": client.get("browser"),
                "facts_json": json.dumps(sent_facts, ensure_ascii=False, sort_keys=True),
            }
            prev = head[0] if head else GENESIS_HASH
            row["prev_hash"] = prev
            row["record_hash"] = record_hash(row, prev)
            db["captures"].insert(row)
            db["readings"].insert(_reading(capture_id, campaign_id, payload["taken_at"], facts))
            db["campaigns"].update(campaign_id, {"updated_at": row["received_at"]})
            # The reading as analysis sees it (what the readings row decodes to), without a re-read.
            new_reading = {"capture_id": capture_id, "taken_at": payload["taken_at"], **facts}
            findings = analyse(db, campaign_id, new_reading) if analyse else []
            body = {
                "capture_id": capture_id,
                "campaign_id": campaign_id,
                "sha256": sha256,
                "findings": findings,
            }
            db["capture_answers"].insert(
                {"capture_id": capture_id, "response_json": json.dumps(body, ensure_ascii=False)}
            )
    except sqlite_utils.db.sqlite3.IntegrityError:
        # A concurrent request with the same capture_id won the race: answer what it stored.
        replay = _previous_answer(db, capture_id, sha256)
        if replay is None:
            raise
        return replay
    return IngestResult(201, body)


def _previous_answer(db: sqlite_utils.Database, capture_id: str, sha256: str) -> IngestResult | None:
    row = db.execute(
        "SELECT c.sha256, a.response_json FROM captures c JOIN capture_answers a ON a.capture_id = c.id "
        "WHERE c.id = ?",
        [capture_id],
    ).fetchone()
    if row is None:
        return None
    if row[0] != sha256:
        raise ApiError(
            409, "capture_id_conflict", "这个 capture_id 已用于另一张截图；每次截图请使用新的 UUID。"
        )
    return IngestResult(200, {**json.loads(row[1]), "duplicate": True})


def _campaign_for(db: sqlite_utils.Database, payload: dict[str, Any], page: dict[str, str]) -> str:
    explicit = payload.get("campaign_id")
    if explicit:
        return explicit
    identity = page_identity(page["url"])
    found = db.execute("SELECT id FROM campaigns WHERE identity = ?", [identity]).fetchone()
    if found:
        return found[0]
    campaign_id = campaign_id_for(identity)
    host, _, rest = identity.partition("/")
    now = format_rfc3339(now_local())
    db["campaigns"].insert(
        {
            "id": campaign_id,
            "identity": identity,
            "host": host,
            "path": "/" + rest.split("?")[0],
            "title": page.get("title", ""),
            "first_url": page["url"],
            "created_at": now,
            "updated_at": now,
        }
    )
    return campaign_id


def _reading(capture_id: str, campaign_id: str, taken_at: str, facts: dict[str, Any]) -> dict[str, Any]:
    reading = {"capture_id": capture_id, "campaign_id": campaign_id, "taken_at": taken_at}
    reading.update({k: facts.get(k) for k in READING_SCALARS})
    reading["deadline"] = facts.get("deadline")
    reading["helpers_json"] = json.dumps(facts["helpers"], ensure_ascii=False) if "helpers" in facts else None
    reading["raw_json"] = json.dumps(facts["raw"], ensure_ascii=False) if "raw" in facts else None
    return reading
