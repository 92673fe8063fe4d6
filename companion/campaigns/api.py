"""Reading the archive over the API: the campaign list and one campaign with its evidence."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from companion.analysis.incidents import group as group_incidents
from companion.campaigns.queries import campaign_captures, campaign_readings, get_campaign, list_campaigns
from companion.core.db import get_db
from companion.core.services import services
from companion.core.web import campaign_or_404, json_body
from companion.evidence import campaign_events

bp = Blueprint("campaigns_api", __name__, url_prefix="/api/v1")


@bp.get("/campaigns")
def campaigns():
    archived = request.args.get("archived") in ("1", "true")
    return jsonify({"campaigns": list_campaigns(get_db(), archived=archived)})


@bp.get("/campaigns/<campaign_id>")
def campaign(campaign_id: str):
    db = get_db()
    found = campaign_or_404(campaign_id)
    findings = services().analysis.findings(db, campaign_id)
    return jsonify(
        {
            **found,
            "readings": campaign_readings(db, campaign_id),
            "captures": campaign_captures(db, campaign_id, limit=100_000),
            "findings": findings,
            "incidents": group_incidents(findings),
            "events": campaign_events.events(db, campaign_id),
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
