"""Migrations m009-m011: the case file (#16): complaint problem types, communications, friends'
proofs."""

from __future__ import annotations

from sqlite_utils import Database

from companion.core.migrations import migrations


@migrations()
def m009_complaint_problem(db: Database) -> None:
    """What each campaign's complaint is about (progress, goods, account), the user's choice."""
    db["complaint_problems"].create(
        {"campaign_id": str, "problem": str, "updated_at": str},
        pk="campaign_id",
        foreign_keys=[("campaign_id", "campaigns", "id")],
        not_null={"problem"},
    )


@migrations()
def m010_communications(db: Database) -> None:
    """Issue #16: chat screenshots, call recordings and e-mails as evidence of a campaign, each file
    named by its SHA-256 (kept under ``communications/``), chained per campaign, append-only
    (``evidence/communications.py``: what each column holds)."""
    texts = ("kind", "occurred_at", "time_source", "file_name", "sha256", "mime", "phone_number")
    texts += ("agent_id", "note", "added_at", "prev_hash", "record_hash")
    db["communications"].create(
        {"campaign_id": str, "comm_seq": int, **dict.fromkeys(texts, str), "bytes": int},
        pk=("campaign_id", "comm_seq"),
        foreign_keys=[("campaign_id", "campaigns", "id")],
        not_null={"campaign_id", "comm_seq", "kind", "occurred_at", "sha256", "prev_hash", "record_hash"},
    )
    db["communications"].create_index(["campaign_id", "occurred_at"])
    for action in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER communications_no_{action.lower()} BEFORE {action} ON communications "
            "BEGIN SELECT RAISE(ABORT, 'communications are append-only'); END"
        )


@migrations()
def m011_friend_proofs(db: Database) -> None:
    """Imported captures the user marked as a friend's proof (the friend's own 助力成功 page), with
    what OCR read from it: the friend's name, the amount as shown and the time of the assist."""
    db["friend_proofs"].create(
        {
            "capture_id": str,
            "campaign_id": str,
            "given_name": str,  # the name the user typed when importing, if any
            "state": str,  # pending | done | unreadable
            "name": str,  # the name read from the page, if shown
            "amount": float,
            "amount_raw": str,  # the text as the page showed it (已帮好友砍掉0.03元)
            "assisted_at": str,
            "time_source": str,  # page | capture
            "marked_at": str,
        },
        pk="capture_id",
        foreign_keys=[("capture_id", "captures", "id"), ("campaign_id", "campaigns", "id")],
        not_null={"campaign_id", "state", "marked_at"},
    )
    db["friend_proofs"].create_index(["campaign_id"])
