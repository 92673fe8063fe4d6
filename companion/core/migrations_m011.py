"""Migration m011 (issue #16, friends' proofs), kept apart from ``migrations.py`` for its size.

Registered on the same ``migrations`` object after everything in ``migrations.py`` (``db.py``
imports this module right after that one), so it applies in its place, after m010.
Never edit an applied migration: add a new one."""

from __future__ import annotations

from sqlite_utils import Database

from companion.core.migrations import migrations


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
