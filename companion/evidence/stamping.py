"""Trusted timestamps of the archive, off the request path (docs/evidence.md, "Trusted timestamps").

After each new capture (``Services.on_capture_stored``) one job ``tsa_stamp`` is queued with a short
delay under one key, so a burst of captures costs one request per authority. The job builds the
checkpoint of the archive as it is then (``chain.checkpoint_body``: every campaign's leaf), stores
it, and asks every configured authority that has not yet answered for it; a failure (offline)
raises, so the job table retries it with back-off, and ``serve`` queues it again at start-up.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import sqlite_utils
from flask import Flask, current_app

from companion.core.config import tsa_settings
from companion.core.db import get_db, write_transaction
from companion.core.services import Services, services, services_of
from companion.core.timeutil import format_rfc3339, now_local
from companion.evidence import tsa
from companion.evidence.chain import checkpoint_body, leaf_hash, records_digest, sha256_hex

log = logging.getLogger(__name__)
STAMP_JOB = "tsa_stamp"
STAMP_KEY = "head"


@dataclass(frozen=True)
class Checkpoint:
    id: int
    sha256: str
    body: bytes
    global_count: int
    global_head: str


def configured_urls(svc: Services) -> tuple[str, ...]:
    return tsa_settings(svc.user_config, svc.data_dir).urls


def build_checkpoint(db: sqlite_utils.Database) -> Checkpoint | None:
    """The checkpoint of the archive's current head, stored once; None for an empty archive."""
    with write_transaction(db):  # a consistent view of every record, and one writer of checkpoints
        head = db.execute("SELECT seq, record_hash FROM captures ORDER BY seq DESC LIMIT 1").fetchone()
        if head is None:
            return None
        found = _checkpoint_where(db, "global_head = ?", [head[1]])
        if found is not None:
            return found
        per_campaign: dict[str, list[str]] = defaultdict(list)
        count = 0
        for campaign_id, record_hash in db.execute(
            "SELECT campaign_id, record_hash FROM captures ORDER BY seq"
        ):
            per_campaign[campaign_id].append(record_hash)
            count += 1
        leaves = {
            cid: (len(hashes), leaf_hash(cid, len(hashes), records_digest(hashes)))
            for cid, hashes in per_campaign.items()
        }
        body = checkpoint_body(count, head[1], (leaf for _, leaf in leaves.values()), _now())
        checkpoint_id = (
            db["checkpoints"]
            .insert(
                {
                    "sha256": sha256_hex(body),
                    "body": body,
                    "global_count": count,
                    "global_head": head[1],
                    "created_at": _now(),
                }
            )
            .last_pk
        )
        db["checkpoint_leaves"].insert_all(
            {"checkpoint_id": checkpoint_id, "campaign_id": cid, "count": n, "leaf": leaf}
            for cid, (n, leaf) in leaves.items()
        )
        return Checkpoint(checkpoint_id, sha256_hex(body), body, count, head[1])


def _checkpoint_where(db: sqlite_utils.Database, where: str, args: list[Any]) -> Checkpoint | None:
    row = db.execute(
        f"SELECT id, sha256, body, global_count, global_head FROM checkpoints WHERE {where} "
        "ORDER BY id DESC LIMIT 1",
        args,
    ).fetchone()
    return Checkpoint(*row) if row else None


def _now() -> str:
    return format_rfc3339(now_local())


def missing_urls(db: sqlite_utils.Database, checkpoint: Checkpoint, urls: tuple[str, ...]) -> list[str]:
    have = {
        r[0]
        for r in db.execute("SELECT tsa_url FROM timestamp_tokens WHERE checkpoint_id = ?", [checkpoint.id])
    }
    return [u for u in urls if u not in have]


def stamp_head(db: sqlite_utils.Database, urls: tuple[str, ...], timeout: float) -> Checkpoint | None:
    """Time-stamp the current head with every authority still missing; raises when one failed."""
    checkpoint = build_checkpoint(db)
    if checkpoint is None:
        return None
    errors = []
    for url in missing_urls(db, checkpoint, urls):
        try:
            token = tsa.request_token(url, checkpoint.body, timeout=timeout)
        except tsa.TsaError as exc:
            errors.append(str(exc))
            continue
        with write_transaction(db):
            db.execute(
                "INSERT OR IGNORE INTO timestamp_tokens (checkpoint_id, tsa_url, response, gen_time, serial, "
                "tsa_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [checkpoint.id, url, token.response, token.gen_time, token.serial, token.tsa_name, _now()],
            )
    if errors:
        raise tsa.TsaError("；".join(errors))
    return checkpoint


def _run_job(payload: dict[str, Any]) -> None:
    urls = configured_urls(services())
    if urls:
        stamp_head(get_db(), urls, current_app.config.get("TSA_TIMEOUT", 15.0))


def register(app: Flask) -> None:
    svc = services_of(app)
    # Offline: retried after 5 s, 10 s, 20 s, ... about 3 hours in all; the next capture or the
    # next start of `serve` queues it again after that.
    svc.jobs.register(STAMP_JOB, _run_job, max_attempts=12, backoff_seconds=5.0)
    delay = float(app.config.get("TSA_BATCH_SECONDS", 5.0))

    def queue_stamp(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
        if configured_urls(svc):
            svc.jobs.enqueue(db, STAMP_JOB, {}, key=STAMP_KEY, delay=delay)

    def queue_if_unstamped(db: sqlite_utils.Database) -> None:
        urls = configured_urls(svc)
        head = db.execute("SELECT record_hash FROM captures ORDER BY seq DESC LIMIT 1").fetchone()
        if not urls or head is None:
            return
        checkpoint = _checkpoint_where(db, "global_head = ?", [head[0]])
        if checkpoint is None or missing_urls(db, checkpoint, urls):
            svc.jobs.enqueue(db, STAMP_JOB, {}, key=STAMP_KEY)

    svc.on_capture_stored.append(queue_stamp)
    svc.jobs.on_start.append(queue_if_unstamped)
