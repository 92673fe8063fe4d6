"""Communications kept as evidence of a campaign (issue #16): chat screenshots, call recordings, e-mails.

Each file is kept byte for byte under ``communications/`` in the data dir, named by its SHA-256,
and a record of it (kind, when it happened and where that time came from, the number dialled, the
agent's 工号, the user's note) is appended to the campaign's communications chain: each record's
hash covers the previous one's (``comm_hash``), the table is append-only by trigger, and ``verify``
re-computes the chain and re-hashes every file (docs/evidence.md, "Communications").
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import sqlite_utils

from companion.core.db import write_transaction
from companion.core.errors import DomainError
from companion.core.timeutil import format_rfc3339, now_local
from companion.evidence.blobs import atomic_write
from companion.evidence.chain import GENESIS_HASH, canonical, check_campaign_chains, sha256_hex

COMM_FORMAT = "bargain-witness-communication/1"
# Fields of a communication record covered by its hash, in order.
COMM_FIELDS = (
    "campaign_id",
    "comm_seq",
    "kind",
    "occurred_at",
    "time_source",
    "file_name",
    "sha256",
    "mime",
    "bytes",
    "phone_number",
    "agent_id",
    "note",
    "added_at",
)
SUFFIXES = {
    "audio/mp4": ".m4a",
    "audio/mpeg": ".mp3",
    "audio/amr": ".amr",
    "audio/aac": ".aac",
    "audio/wav": ".wav",
    "message/rfc822": ".eml",
    "image/png": ".png",
    "image/jpeg": ".jpg",
}
MAX_TEXT = {"phone_number": 40, "agent_id": 40, "note": 500, "file_name": 255}


def comm_hash(row: dict[str, Any], prev_hash: str) -> str:
    return sha256_hex(canonical([COMM_FORMAT, prev_hash, *(row.get(k) for k in COMM_FIELDS)]))


def file_name_of(row: dict[str, Any]) -> str:
    """The stored file's name (also its name in a bundle's ``communications/``)."""
    return f"{row['sha256']}{SUFFIXES.get(row['mime'], '.bin')}"


def path_of(root: Path, row: dict[str, Any]) -> Path:
    return root / row["sha256"][:2] / file_name_of(row)


def add(
    db: sqlite_utils.Database,
    root: Path,
    campaign_id: str,
    data: bytes,
    *,
    kind: str,
    mime: str,
    occurred_at: str,
    time_source: str,
    file_name: str = "",
    phone_number: str = "",
    agent_id: str = "",
    note: str = "",
) -> dict[str, Any]:
    """Keep the file (fsynced before the record commits) and append its record; returns the record."""
    texts = {"phone_number": phone_number, "agent_id": agent_id, "note": note, "file_name": file_name}
    for key, value in texts.items():
        if len(value or "") > MAX_TEXT[key]:
            raise DomainError(422, "too_long", f"{key} 最多 {MAX_TEXT[key]} 个字。")
    digest = hashlib.sha256(data).hexdigest()
    row: dict[str, Any] = {"campaign_id": campaign_id, "kind": kind, "sha256": digest, "mime": mime}
    target = path_of(root, row)
    if not (target.exists() and target.stat().st_size == len(data)):
        atomic_write(target, lambda fh: fh.write(data), mode=0o400)
    with write_transaction(db):
        if not db.execute("SELECT 1 FROM campaigns WHERE id = ?", [campaign_id]).fetchone():
            raise DomainError(404, "campaign_not_found", f"找不到活动 {campaign_id}。")
        same = db.execute_returning_dicts(
            "SELECT * FROM communications WHERE campaign_id = ? AND sha256 = ?", [campaign_id, digest]
        )
        if same:
            return {**same[0], "duplicate": True}
        last = db.execute(
            "SELECT comm_seq, record_hash FROM communications WHERE campaign_id = ? "
            "ORDER BY comm_seq DESC LIMIT 1",
            [campaign_id],
        ).fetchone()
        row.update(
            comm_seq=(last[0] if last else 0) + 1,
            occurred_at=occurred_at,
            time_source=time_source,
            bytes=len(data),
            added_at=format_rfc3339(now_local()),
            **{k: (v or "").strip() for k, v in texts.items()},
        )
        prev_hash = last[1] if last else GENESIS_HASH
        row.update(prev_hash=prev_hash, record_hash=comm_hash(row, prev_hash))
        db["communications"].insert(row)
    return {**row, "duplicate": False}


def of_campaign(db: sqlite_utils.Database, campaign_id: str) -> list[dict[str, Any]]:
    return db.execute_returning_dicts(
        "SELECT * FROM communications WHERE campaign_id = ? ORDER BY comm_seq", [campaign_id]
    )


def check_communications(rows: list[Any], read_sha256) -> list[str]:
    """Every campaign's communications chain re-computed (``rows`` in campaign, seq order, from the
    database or a bundle's manifest) and every file re-hashed: ``read_sha256(row)`` answers the file's
    SHA-256 now, or None when it is missing."""

    def original(row: dict, where: str) -> list[str]:
        now = read_sha256(row)
        if now is None:
            return [f"{where}：原件缺失（{row.get('file_name') or row.get('sha256')}）。"]
        if now != row.get("sha256"):
            return [f"{where}：原件被改动（{row.get('file_name') or row.get('sha256')}）。"]
        return []

    return check_campaign_chains(rows, "comm_seq", comm_hash, "沟通记录", original)
