"""Migrations m001-m004: the evidence log, complaints, jobs, evidence that holds up (#1-#10)."""

from __future__ import annotations

from sqlite_utils import Database

from companion.core.migrations import migrations


@migrations()
def m001_initial(db: Database) -> None:
    """Campaigns, captures (the append-only evidence log) and readings (facts typed for analysis)."""
    db["campaigns"].create(
        {
            "id": str,
            "identity": str,
            "host": str,
            "path": str,
            "title": str,
            "first_url": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
    )
    db["campaigns"].create_index(["identity"], unique=True)
    db["captures"].create(
        {
            "seq": int,
            "id": str,
            "campaign_id": str,
            "taken_at": str,
            "received_at": str,
            "source": str,
            "page_url": str,
            "page_title": str,
            "sha256": str,
            "mime": str,
            "width": int,
            "height": int,
            "bytes": int,
            "client_name": str,
            "client_version": str,
            "client_browser": str,
            "facts_json": str,
            "prev_hash": str,
            "record_hash": str,
        },
        pk="seq",
        foreign_keys=[("campaign_id", "campaigns", "id")],
        not_null={"id", "campaign_id", "taken_at", "received_at", "sha256", "record_hash"},
    )
    db["captures"].create_index(["id"], unique=True)
    db["captures"].create_index(["campaign_id", "taken_at"])
    db["readings"].create(
        {
            "capture_id": str,
            "campaign_id": str,
            "taken_at": str,
            "cut_amount": float,
            "remaining_amount": float,
            "cut_percent": float,
            "remaining_percent": float,
            "target_price": float,
            "countdown_seconds": int,
            "deadline": str,
            "helper_count": int,
            "helpers_json": str,
            "rules_text": str,
            "unit": str,
            "raw_json": str,
        },
        pk="capture_id",
        foreign_keys=[("capture_id", "captures", "id"), ("campaign_id", "campaigns", "id")],
    )
    db["readings"].create_index(["campaign_id", "taken_at"])
    # The first answer to each capture_id, replayed verbatim when a client retries (idempotency).
    db["capture_answers"].create(
        {"capture_id": str, "response_json": str},
        pk="capture_id",
        foreign_keys=[("capture_id", "captures", "id")],
    )
    # The evidence log is append-only: refuse UPDATE/DELETE at the database level too.
    db.execute(
        "CREATE TRIGGER captures_no_update BEFORE UPDATE ON captures "
        "BEGIN SELECT RAISE(ABORT, 'captures are append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER captures_no_delete BEFORE DELETE ON captures "
        "BEGIN SELECT RAISE(ABORT, 'captures are append-only'); END"
    )


@migrations()
def m002_complaints(db: Database) -> None:
    """The user's edits of complaint drafts, and the complaints they filed (for follow-up)."""
    db["complaint_edits"].create(
        {"campaign_id": str, "channel": str, "fields_json": str, "demands_json": str, "updated_at": str},
        pk=("campaign_id", "channel"),
        foreign_keys=[("campaign_id", "campaigns", "id")],
    )
    db["filings"].create(
        {
            "id": int,
            "campaign_id": str,
            "channel": str,
            "sent_on": str,
            "ticket": str,
            "note": str,
            "answered_on": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("campaign_id", "campaigns", "id")],
        not_null={"campaign_id", "channel", "sent_on"},
    )
    db["filings"].create_index(["campaign_id"])


@migrations()
def m003_jobs(db: Database) -> None:
    """Work that must not run on the request path (thumbnails now; timestamps and OCR next).

    ``run_after`` is a Unix time so that due jobs are one indexed range scan; ``key`` lets a feature
    queue "the thumbnail of this capture" once however often it asks.
    """
    db["jobs"].create(
        {
            "id": int,
            "kind": str,
            "key": str,
            "payload_json": str,
            "state": str,  # queued | running | done | failed
            "attempts": int,
            "run_after": float,
            "last_error": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"kind", "payload_json", "state", "attempts", "run_after"},
        defaults={"attempts": 0},
    )
    db["jobs"].create_index(["state", "run_after"])
    db.execute(
        "CREATE UNIQUE INDEX jobs_pending_key ON jobs (kind, key) WHERE state = 'queued' AND key IS NOT NULL"
    )


@migrations()
def m004_evidence_that_holds_up(db: Database) -> None:
    """Issue #10: record format 2, captures ordered by a UTC instant, trusted timestamps.

    - captures gain the fields of record format 2 (``companion/evidence/chain.py``): the
      per-campaign chain (``campaign_seq``, ``campaign_prev_hash``), the newest time-stamped
      checkpoint when the record was made (``anchor``) and the capture environment. Old rows keep
      NULL there and verify with the format 1 rule; no captured row is rewritten.
    - readings (derived, not evidence) gain ``taken_utc``, the instant captures are ordered by, and
      ``clock_flag``, set when the capture's own time can't be trusted (docs/evidence.md, "Time
      order"); both are filled in here for existing rows with the rule of that version, frozen.
    - checkpoints (what is sent to a time-stamping authority), the leaves they commit to, and the
      tokens the authorities answered.
    """
    from datetime import timedelta, timezone

    from companion.core.timeutil import parse_rfc3339_or_none

    for column, kind in (
        ("record_format", int),
        ("campaign_seq", int),
        ("campaign_prev_hash", str),
        ("anchor", str),
        ("user_agent", str),
        ("browser", str),
        ("os", str),
        ("companion_version", str),
        ("client_sent_at", str),
    ):
        db["captures"].add_column(column, kind)
    db["captures"].create_index(["campaign_id", "seq"])
    db["readings"].add_column("taken_utc", str)
    db["readings"].add_column("clock_flag", str)

    def utc(value):
        dt = parse_rfc3339_or_none(value)
        return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if dt else None

    ahead, grace = timedelta(minutes=5), timedelta(hours=1)
    newest: dict = {}  # campaign -> the latest unflagged taken_at so far (as an aware datetime)
    rows = db.execute("SELECT id, campaign_id, taken_at, received_at, source FROM captures ORDER BY seq")
    for capture_id, campaign_id, taken_at, received_at, source in rows.fetchall():
        taken, received = parse_rfc3339_or_none(taken_at), parse_rfc3339_or_none(received_at)
        flag = None
        if source == "extension" and taken and received:
            if taken - received > ahead:
                flag = "clock_ahead"
            elif campaign_id in newest and taken + grace < newest[campaign_id]:
                flag = "out_of_order"
        if flag is None and taken and (campaign_id not in newest or taken > newest[campaign_id]):
            newest[campaign_id] = taken
        db.execute(
            "UPDATE readings SET taken_utc = ?, clock_flag = ? WHERE capture_id = ?",
            [utc(taken_at) or taken_at, flag, capture_id],
        )
    db["readings"].create_index(["campaign_id", "taken_utc"])

    db["checkpoints"].create(
        {
            "id": int,
            "sha256": str,  # of body: what the tokens' message imprint is
            "body": bytes,  # the exact bytes time-stamped (canonical JSON)
            "global_count": int,
            "global_head": str,
            "created_at": str,
        },
        pk="id",
        not_null={"sha256", "body", "global_count", "global_head", "created_at"},
    )
    db["checkpoints"].create_index(["sha256"], unique=True)
    db["checkpoint_leaves"].create(
        {"checkpoint_id": int, "campaign_id": str, "count": int, "leaf": str},
        pk=("checkpoint_id", "campaign_id"),
        foreign_keys=[("checkpoint_id", "checkpoints", "id")],
    )
    db["checkpoint_leaves"].create_index(["campaign_id", "count"])
    db["timestamp_tokens"].create(
        {
            "id": int,
            "checkpoint_id": int,
            "tsa_url": str,
            "response": bytes,  # the TimeStampResp as the authority sent it (DER)
            "gen_time": str,  # the authority's time (UTC), read from the token
            "serial": str,
            "tsa_name": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("checkpoint_id", "checkpoints", "id")],
        not_null={"checkpoint_id", "tsa_url", "response", "gen_time"},
    )
    db["timestamp_tokens"].create_index(["checkpoint_id", "tsa_url"], unique=True)
