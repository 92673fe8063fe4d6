"""A campaign's current findings over the API (most severe first, then in time order)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from companion.analysis.incidents import group
from companion.core.db import get_db
from companion.core.services import services
from companion.core.web import campaign_or_404

bp = Blueprint("analysis_api", __name__, url_prefix="/api/v1")


@bp.get("/campaigns/<campaign_id>/findings")
def findings(campaign_id: str):
    campaign_or_404(campaign_id)
    found = services().analysis.findings(get_db(), campaign_id)
    return jsonify({"campaign_id": campaign_id, "findings": found, "incidents": group(found)})
