"""The versioned REST API (/api/v1), the contract outside clients rely on (DESIGN §3)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from companion import __version__
from companion.analysis import current_findings
from companion.captures import ingest_capture
from companion.db import get_db
from companion.errors import ApiError
from companion.queries import (
    campaign_captures,
    campaign_readings,
    get_campaign,
    get_capture,
    list_campaigns,
)
from companion.timeutil import format_rfc3339, now_local

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _services():
    ext = current_app.extensions["bargain_witness"]
    return ext["blobs"], ext["schema"]


@bp.get("/status")
def status():
    """Lets the extension's settings page test the URL and token in one call."""
    return jsonify(
        {
            "ok": True,
            "name": "bargain-witness",
            "version": __version__,
            "server_time": format_rfc3339(now_local()),
        }
    )


@bp.post("/captures")
def post_capture():
    payload = request.get_json(silent=True)
    if payload is None:
        raise ApiError(400, "invalid_json", "请求体不是有效的 JSON。")
    blobs, schema = _services()
    result = ingest_capture(
        get_db(),
        blobs,
        schema,
        payload,
        max_pixels=current_app.config["MAX_IMAGE_PIXELS"],
        analyse=current_app.extensions["bargain_witness"]["analysis"].findings,
    )
    return jsonify(result.body), result.status


@bp.get("/campaigns")
def campaigns():
    return jsonify({"campaigns": list_campaigns(get_db())})


def campaign_or_404(campaign_id: str):
    campaign = get_campaign(get_db(), campaign_id)
    if campaign is None:
        raise ApiError(404, "campaign_not_found", f"找不到活动 {campaign_id}。")
    return campaign


@bp.get("/campaigns/<campaign_id>")
def campaign(campaign_id: str):
    db = get_db()
    found = campaign_or_404(campaign_id)
    return jsonify(
        {
            **found,
            "readings": campaign_readings(db, campaign_id),
            "captures": campaign_captures(db, campaign_id, limit=100_000),
            "findings": current_findings(db, campaign_id),
        }
    )


@bp.get("/campaigns/<campaign_id>/findings")
def findings(campaign_id: str):
    campaign_or_404(campaign_id)
    return jsonify({"campaign_id": campaign_id, "findings": current_findings(get_db(), campaign_id)})


@bp.get("/captures/<capture_id>")
def capture(capture_id: str):
    found = get_capture(get_db(), capture_id)
    if found is None:
        raise ApiError(404, "capture_not_found", f"找不到截图记录 {capture_id}。")
    return jsonify(found)
