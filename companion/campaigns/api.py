"""Reading the archive over the API: the campaign list and one campaign with its evidence.

A campaign's captures come a page at a time (docs/api.md, "Paging"): at 10,000 captures the whole
campaign was one 30 MB answer. A client that sends no paging parameters gets the first page, whose
``page.next_cursor`` says whether there is more.
"""

from __future__ import annotations

import base64
import binascii
import json

from flask import Blueprint, jsonify, request

from companion.analysis.incidents import group as group_incidents
from companion.campaigns.queries import capture_count, capture_page, get_campaign, list_campaigns, readings_of
from companion.core.db import get_db
from companion.core.errors import DomainError
from companion.core.services import services
from companion.core.web import campaign_or_404, json_body
from companion.evidence import campaign_events

bp = Blueprint("campaigns_api", __name__, url_prefix="/api/v1")
DEFAULT_PAGE = 500
MAX_PAGE = 2000


@bp.get("/campaigns")
def campaigns():
    archived = request.args.get("archived") in ("1", "true")
    return jsonify({"campaigns": list_campaigns(get_db(), archived=archived)})


@bp.get("/campaigns/<campaign_id>")
def campaign(campaign_id: str):
    db = get_db()
    found = campaign_or_404(campaign_id)
    limit = _limit(request.args.get("limit"))
    after = _cursor(request.args.get("cursor"))
    captures, last = capture_page(db, campaign_id, limit, after)
    findings = services().analysis.findings(db, campaign_id)
    return jsonify(
        {
            **found,
            "readings": readings_of(db, [c["id"] for c in captures]),
            "captures": captures,
            "findings": findings,
            "incidents": group_incidents(findings),
            "events": campaign_events.events(db, campaign_id),
            "page": {"limit": limit, "next_cursor": _encode(last), "total": capture_count(db, campaign_id)},
        }
    )


@bp.put("/campaigns/<campaign_id>/name")
def rename(campaign_id: str):
    """The user's name for the campaign; recorded in its event chain (docs/api.md)."""
    campaign_or_404(campaign_id)
    event = campaign_events.rename(get_db(), campaign_id, json_body("campaign_name")["name"])
    return jsonify({"campaign": get_campaign(get_db(), campaign_id), "event": event})


@bp.put("/campaigns/<campaign_id>/archived")
def archive(campaign_id: str):
    """Archive (hidden from lists, evidence kept) or bring back; recorded in the event chain."""
    campaign_or_404(campaign_id)
    archived = json_body("campaign_archived")["archived"]
    event = campaign_events.set_archived(get_db(), campaign_id, archived)
    return jsonify({"campaign": get_campaign(get_db(), campaign_id), "event": event})


def _limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_PAGE
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
        raise DomainError(400, "invalid_parameter", f"limit 必须是 1 到 {MAX_PAGE} 之间的整数。")
    return int(text)


def _encode(key: tuple[str, int] | None) -> str | None:
    if key is None:
        return None
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def _cursor(text: str | None) -> tuple[str, int] | None:
    """The opaque ``cursor`` a previous page gave; anything else is a 400, never a 500."""
    if not text:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key = None
    if not (isinstance(key, list) and len(key) == 2 and isinstance(key[0], str) and type(key[1]) is int):
        raise DomainError(400, "invalid_parameter", "cursor 无效：请使用上一页返回的 page.next_cursor。")
    return key[0], key[1]
