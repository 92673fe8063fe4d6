"""Reading the archive over the API: the campaign list and one campaign with its evidence."""

from __future__ import annotations

from flask import Blueprint, jsonify

from companion.analysis.incidents import group as group_incidents
from companion.campaigns.queries import campaign_captures, campaign_readings, list_campaigns
from companion.core.db import get_db
from companion.core.services import services
from companion.core.web import campaign_or_404

bp = Blueprint("campaigns_api", __name__, url_prefix="/api/v1")


@bp.get("/campaigns")
def campaigns():
    return jsonify({"campaigns": list_campaigns(get_db())})


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
        }
    )
