"""A campaign's name and whether it is archived, and the chained log of the user changing either.

A campaign is named by the product on its page (the ``product_name`` fact the extension reads),
not by the page title, which is often just "砍价免费拿"; before any capture names the product, the
title stands in (``name_source`` "page"). The user can rename a campaign and archive it: archived
campaigns are hidden from the lists, never deleted, and keep every capture. Both are evidence of
what the user did and when, so each is appended to the campaign's event chain (``chain.event_hash``,
append-only by trigger) and ``verify`` re-computes it (docs/evidence.md, "Campaign events").
"""

from __future__ import annotations

import unicodedata
from typing import Any

import sqlite_utils

from companion.core.db import write_transaction
from companion.core.errors import DomainError
from companion.core.timeutil import format_rfc3339, now_local
from companion.evidence.chain import EVENT_FIELDS, GENESIS_HASH, check_campaign_chains, event_hash

MAX_NAME = 200
NAME_SOURCES = ("page", "product", "user")


def clean_name(value: Any) -> str:
    """A name as the user typed it, trimmed, control characters dropped (a NUL would make an invisible
    heading); 422 (in Chinese) for an empty or too long one."""
    text = "".join(ch for ch in str(value or "") if ch.isspace() or unicodedata.category(ch) != "Cc")
    name = " ".join(text.split())
    if not name:
        raise DomainError(422, "empty_name", "活动名称不能为空。")
    if len(name) > MAX_NAME:
        raise DomainError(422, "name_too_long", f"活动名称最多 {MAX_NAME} 个字。")
    return name


def initial_name(page_title: str, facts: dict[str, Any]) -> tuple[str, str]:
    """(name, source) of a new campaign: the product when the page named it, else the page title."""
    product = " ".join(str(facts.get("product_name") or "").split())
    return (product, "product") if product else (page_title, "page")


def name_from_capture(db: sqlite_utils.Database, campaign: dict[str, Any], facts: dict[str, Any]) -> None:
    """Inside the capture's transaction: a campaign still named by its page title takes the product's
    name once a capture reads it. A name the user gave is never replaced."""
    product = " ".join(str(facts.get("product_name") or "").split())
    if product and campaign.get("name_source") in (None, "page"):
        db["campaigns"].update(campaign["id"], {"title": product, "name_source": "product"})


def rename(db: sqlite_utils.Database, campaign_id: str, name: str) -> dict[str, Any]:
    """The user names the campaign; recorded in its event chain. Returns the event."""
    name = clean_name(name)
    with write_transaction(db):
        _campaign(db, campaign_id)
        db["campaigns"].update(campaign_id, {"title": name, "name_source": "user"})
        return _append(db, campaign_id, "rename", name)


def set_archived(db: sqlite_utils.Database, campaign_id: str, archived: bool) -> dict[str, Any] | None:
    """Archive (hide from lists, keep everything) or bring back; recorded. None when nothing changed."""
    with write_transaction(db):
        campaign = _campaign(db, campaign_id)
        if bool(campaign.get("archived_at")) == archived:
            return None
        event = _append(db, campaign_id, "archive" if archived else "unarchive", campaign.get("title") or "")
        db["campaigns"].update(campaign_id, {"archived_at": event["at"] if archived else None})
        return event


def events(db: sqlite_utils.Database, campaign_id: str) -> list[dict[str, Any]]:
    return db.execute_returning_dicts(
        "SELECT * FROM campaign_events WHERE campaign_id = ? ORDER BY event_seq", [campaign_id]
    )


def check_events(rows: list[Any], captures: list[dict[str, Any]]) -> list[str]:
    """Every campaign's event chain re-computed (``rows`` in campaign, event order; from the database
    or a bundle's manifest, so any shape): a changed, inserted or removed event is named, and so is
    one pinned to a capture record that is not there."""
    heads = {(c.get("campaign_id"), c.get("record_hash")) for c in captures if isinstance(c, dict)}

    def pinned(row: dict, where: str) -> list[str]:
        head = row.get("capture_head")
        if head != GENESIS_HASH and (row.get("campaign_id"), head) not in heads:
            return [f"{where}：它所指向的截图记录不在存档中。"]
        return []

    return check_campaign_chains(rows, "event_seq", event_hash, "更名/归档记录", pinned)


def _campaign(db: sqlite_utils.Database, campaign_id: str) -> dict[str, Any]:
    rows = db.execute_returning_dicts("SELECT * FROM campaigns WHERE id = ?", [campaign_id])
    if not rows:
        raise DomainError(404, "campaign_not_found", f"找不到活动 {campaign_id}。")
    return rows[0]


def _append(db: sqlite_utils.Database, campaign_id: str, kind: str, name: str) -> dict[str, Any]:
    last = db.execute(
        "SELECT event_seq, record_hash FROM campaign_events WHERE campaign_id = ? "
        "ORDER BY event_seq DESC LIMIT 1",
        [campaign_id],
    ).fetchone()
    head = db.execute(
        "SELECT record_hash FROM captures WHERE campaign_id = ? ORDER BY seq DESC LIMIT 1", [campaign_id]
    ).fetchone()
    row: dict[str, Any] = {
        "campaign_id": campaign_id,
        "event_seq": (last[0] if last else 0) + 1,
        "kind": kind,
        "name": name,
        "at": format_rfc3339(now_local()),
        "capture_head": head[0] if head else GENESIS_HASH,
    }
    prev_hash = last[1] if last else GENESIS_HASH
    row.update(prev_hash=prev_hash, record_hash=event_hash(row, prev_hash))
    db["campaign_events"].insert(row)
    return {k: row[k] for k in (*EVENT_FIELDS, "record_hash")}
