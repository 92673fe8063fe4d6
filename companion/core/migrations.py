"""Schema history. Never edit an applied migration: add a new one."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("bargain_witness")


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
