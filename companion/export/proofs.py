"""What a campaign's bundle carries to prove itself: its records in chain order, and the trusted
timestamps that cover them (checkpoints, tokens, certificates). docs/evidence.md.

Checkpoints chosen: for each number of records the campaign had when one was time-stamped, the
earliest; the latest one that names the campaign; and every checkpoint a record names as its
``anchor`` (so removing one of those from the bundle is noticed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from companion.core.config import TsaSettings
from companion.evidence import campaign_events, capture_files, communications, tsa
from companion.evidence.chain import parse_checkpoint, prefix_leaves


@dataclass
class Proofs:
    records: list[dict[str, Any]]  # raw capture rows in chain order (+ taken_utc, clock_flag)
    checkpoints: list[dict[str, Any]] = field(default_factory=list)  # id, sha256, body, count, tokens
    certificates: list[Any] = field(default_factory=list)  # cryptography x509 certificates
    trusted_at: dict[str, str] = field(default_factory=dict)  # capture id -> earliest trusted time (UTC)
    events: list[dict[str, Any]] = field(default_factory=list)  # renames and archivings, chained (#12)
    communications: list[dict[str, Any]] = field(default_factory=list)  # chats, calls, e-mails (#16)
    # Full pages, page sources, recording chunks, in their side chain's order (#15).
    capture_files: list[dict[str, Any]] = field(default_factory=list)


def campaign_records(db: sqlite_utils.Database, campaign_id: str) -> list[dict[str, Any]]:
    return db.execute_returning_dicts(
        "SELECT k.*, r.taken_utc, r.clock_flag FROM captures k LEFT JOIN readings r ON r.capture_id = k.id "
        "WHERE k.campaign_id = ? ORDER BY k.seq",
        [campaign_id],
    )


def collect(db: sqlite_utils.Database, campaign_id: str, settings: TsaSettings) -> Proofs:
    records = campaign_records(db, campaign_id)
    proofs = Proofs(
        records,
        events=campaign_events.events(db, campaign_id),
        communications=communications.of_campaign(db, campaign_id),
        capture_files=capture_files.of_campaign(db, campaign_id),
    )
    stamped = db.execute(
        "SELECT l.checkpoint_id, l.count FROM checkpoint_leaves l WHERE l.campaign_id = ? AND EXISTS "
        "(SELECT 1 FROM timestamp_tokens t WHERE t.checkpoint_id = l.checkpoint_id) ORDER BY l.checkpoint_id",
        [campaign_id],
    ).fetchall()
    wanted: set[int] = set()
    first_per_count: dict[int, int] = {}
    for checkpoint_id, count in stamped:
        first_per_count.setdefault(count, checkpoint_id)
    wanted.update(first_per_count.values())
    if stamped:
        wanted.add(stamped[-1][0])
    anchors = sorted({r["anchor"] for r in records if r.get("anchor")})
    if anchors:
        marks = ",".join("?" * len(anchors))
        wanted.update(
            r[0] for r in db.execute(f"SELECT id FROM checkpoints WHERE sha256 IN ({marks})", anchors)
        )
    counts = dict(stamped)
    roots = tsa.certificates_from_file(settings.ca_file)
    certs = {tsa.fingerprint(c): c for c in roots}
    for checkpoint_id in sorted(wanted):
        row = db.execute(
            "SELECT sha256, body, created_at FROM checkpoints WHERE id = ?", [checkpoint_id]
        ).fetchone()
        tokens = db.execute_returning_dicts(
            "SELECT tsa_url, response, gen_time, tsa_name FROM timestamp_tokens "
            "WHERE checkpoint_id = ? ORDER BY id",
            [checkpoint_id],
        )
        for token in tokens:
            try:
                answer = tsa.decode_timestamp_response(token["response"])
            except ValueError:
                continue
            for cert in tsa.embedded_certificates(answer):
                certs.setdefault(tsa.fingerprint(cert), cert)
        proofs.checkpoints.append(
            {
                "id": checkpoint_id,
                "sha256": row[0],
                "body": row[1],
                "created_at": row[2],
                "count": counts.get(checkpoint_id),
                "tokens": tokens,
            }
        )
    proofs.certificates = list(certs.values())
    proofs.trusted_at = _earliest_cover(campaign_id, records, proofs.checkpoints)
    return proofs


def _earliest_cover(
    campaign_id: str, records: list[dict[str, Any]], checkpoints: list[dict[str, Any]]
) -> dict[str, str]:
    """The companion's own reading of which checkpoint covers which record (verify re-derives it)."""
    leaves = {leaf: k for k, leaf in prefix_leaves(campaign_id, (r["record_hash"] for r in records))}
    best: dict[int, str] = {}  # k -> earliest gen_time of a checkpoint that covers the first k
    for cp in checkpoints:
        times = [t["gen_time"] for t in cp["tokens"]]
        if not times:
            continue
        present = set((parse_checkpoint(bytes(cp["body"])) or {}).get("leaves", []))
        for leaf in present & leaves.keys():
            k = leaves[leaf]
            if k not in best or min(times) < best[k]:
                best[k] = min(times)
    found: dict[str, str] = {}
    earliest = None
    for k in range(len(records), 0, -1):  # a checkpoint covering k records covers every one before
        if k in best and (earliest is None or best[k] < earliest):
            earliest = best[k]
        if earliest is not None:
            found[records[k - 1]["id"]] = earliest
    return found
