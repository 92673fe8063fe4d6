"""Migrations m005-m008: access and pairing (#11), the analysis index (#13), pixels (#14),
campaign names (#12)."""

from __future__ import annotations

from sqlite_utils import Database

from companion.core.migrations import migrations


@migrations()
def m005_access(db: Database) -> None:
    """Paired browsers (token hashes bound to an extension origin), pending pairing requests,
    dashboard sessions and their one-time login links (docs/security.md, "Pairing and sessions").
    Only hashes of secrets are stored: a copy of the database opens nothing."""
    db["paired_browsers"].create(
        {
            "id": int,
            "origin": str,  # chrome-extension://<id> or moz-extension://<per-install uuid>
            "token_hash": str,  # SHA-256 hex of the token
            "via": str,  # "code" (confirmed on the dashboard) or "legacy" (the pasted token file)
            "label": str,  # the browser as it named itself, e.g. "Chrome 156"
            "created_at": str,
            "last_seen_at": str,
            "last_capture_at": str,
            "revoked_at": str,
        },
        pk="id",
        not_null={"origin", "token_hash", "via", "created_at"},
    )
    db["paired_browsers"].create_index(["token_hash", "origin"], unique=True)
    db["pairing_requests"].create(
        {
            "id_hash": str,  # SHA-256 of the request's secret handle, which only the extension holds
            "origin": str,
            "code": str,
            "label": str,
            "created_at": str,
            "expires_at": str,
            "status": str,  # pending, confirmed, denied
        },
        pk="id_hash",
        not_null={"origin", "code", "created_at", "expires_at", "status"},
    )
    db["login_links"].create(
        {"secret_hash": str, "next": str, "created_at": str, "expires_at": str, "used_at": str},
        pk="secret_hash",
        not_null={"next", "created_at", "expires_at"},
    )
    db["sessions"].create(
        {"secret_hash": str, "created_at": str, "expires_at": str},
        pk="secret_hash",
        not_null={"created_at", "expires_at"},
    )


@migrations()
def m006_analysis_index(db: Database) -> None:
    """The readings analysis folds, indexed by campaign in insertion (rowid) order (#13).

    The analysis cache asks "which readings of this campaign came after the last one I folded?"
    (``analysis/cache.py``); with this partial index that is a seek, where counting the campaign's
    readings read every row of it on every capture (O(n) at 100,000 readings)."""
    db.execute(
        "CREATE INDEX IF NOT EXISTS readings_analysed ON readings (campaign_id) WHERE clock_flag IS NULL"
    )


@migrations()
def m007_pixels(db: Database) -> None:
    """Issue #14: figures read from pixels, and where a capture's time came from.

    - ``readings.origin``: NULL for figures the client read from the page text; ``pixels`` when
      the OCR job filled an empty reading (a phone screenshot, a screen frame).
    - ``ocr_results``: what OCR read of each capture (facts, fields it could not read and why, its
      disagreements with the page text); derived, recomputable, never evidence.
    - ``capture_times``: how an imported or watched capture's ``taken_at`` was found (EXIF, the
      file name, the user, the clock) and the file's name; written in the capture's transaction.
    """
    db["readings"].add_column("origin", str)
    db["ocr_results"].create(
        {
            "capture_id": str,
            "state": str,  # done | failed
            "facts_json": str,
            "missing_json": str,
            "disagreements_json": str,
            "engine": str,
            "seconds": float,
            "read_at": str,
        },
        pk="capture_id",
        foreign_keys=[("capture_id", "captures", "id")],
    )
    db["capture_times"].create(
        {"capture_id": str, "time_source": str, "file_name": str},
        pk="capture_id",
        foreign_keys=[("capture_id", "captures", "id")],
    )


@migrations()
def m008_campaign_names(db: Database) -> None:
    """Campaigns named by the product (``name_source``: page, product or user), archived or not, and
    the append-only, hash-chained log of the user's renames and archivings (docs/evidence.md)."""
    db["campaigns"].add_column("name_source", str)
    db["campaigns"].add_column("archived_at", str)
    db.execute("UPDATE campaigns SET name_source = 'page' WHERE name_source IS NULL")
    db["campaign_events"].create(
        {
            "seq": int,
            "campaign_id": str,
            "event_seq": int,  # 1, 2, ... within the campaign
            "kind": str,  # rename | archive | unarchive
            "name": str,  # the campaign's name after the event
            "at": str,
            "capture_head": str,  # the campaign's newest capture record hash at that moment
            "prev_hash": str,
            "record_hash": str,
        },
        pk="seq",
        foreign_keys=[("campaign_id", "campaigns", "id")],
        not_null={"campaign_id", "event_seq", "kind", "at", "prev_hash", "record_hash"},
    )
    db["campaign_events"].create_index(["campaign_id", "event_seq"], unique=True)
    db.execute(
        "CREATE TRIGGER campaign_events_no_update BEFORE UPDATE ON campaign_events "
        "BEGIN SELECT RAISE(ABORT, 'campaign events are append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER campaign_events_no_delete BEFORE DELETE ON campaign_events "
        "BEGIN SELECT RAISE(ABORT, 'campaign events are append-only'); END"
    )
