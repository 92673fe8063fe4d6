"""Complaint drafts, edits and follow-up over the API (DESIGN §3, §6)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from companion import complaint_store as store
from companion.analysis import current_findings
from companion.api import campaign_or_404
from companion.complaints import CHANNELS, draft
from companion.db import get_db
from companion.errors import ApiError

bp = Blueprint("complaints_api", __name__, url_prefix="/api/v1")


def _channel_or_404(channel: str) -> str:
    if channel not in CHANNELS:
        raise ApiError(
            404, "unknown_channel", f"没有这个投诉渠道：{channel}（可用：{'、'.join(CHANNELS)}）。"
        )
    return channel


def _json_body(schema_name: str) -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "请求体必须是一个 JSON 对象。")
    problem = current_app.extensions["bargain_witness"]["schema"].first_error(schema_name, body)
    if problem:
        raise ApiError(422, "schema_violation", f"请求内容不符合 shared/schema.json：{problem}")
    return body


def load_case(campaign: dict[str, Any]):
    """What every channel's draft is built from; load it once when drafting several channels."""
    db = get_db()
    return store.load_case(db, campaign, current_findings(db, campaign["id"]))


def build_draft(campaign: dict[str, Any], channel: str, case=None) -> dict[str, Any]:
    """The draft as the user last left it: generated from the evidence, with their edits applied."""
    db = get_db()
    case = case or load_case(campaign)
    edits, demands = store.load_edits(db, campaign["id"], channel)
    return {"campaign_id": campaign["id"], **draft(channel, case, demands, edits)}


def _today() -> date:
    return current_app.config.get("TODAY") or date.today()


@bp.get("/campaigns/<campaign_id>/complaints/<channel>")
def get_draft(campaign_id: str, channel: str):
    return jsonify(build_draft(campaign_or_404(campaign_id), _channel_or_404(channel)))


@bp.put("/campaigns/<campaign_id>/complaints/<channel>")
def put_draft(campaign_id: str, channel: str):
    campaign = campaign_or_404(campaign_id)
    _channel_or_404(channel)
    body = _json_body("complaint_edit")
    current = build_draft(campaign, channel)
    known = {f["key"] for f in current["fields"]}
    unknown = sorted(set(body.get("fields", {})) - known)
    if unknown:
        raise ApiError(422, "unknown_field", f"此渠道没有这些字段：{'、'.join(unknown)}。")
    store.save_edits(get_db(), campaign_id, channel, body.get("fields"), body.get("demands"))
    return jsonify(build_draft(campaign, channel))


@bp.delete("/campaigns/<campaign_id>/complaints/<channel>")
def reset_draft(campaign_id: str, channel: str):
    campaign = campaign_or_404(campaign_id)
    store.discard_edits(get_db(), campaign_id, _channel_or_404(channel))
    return jsonify(build_draft(campaign, channel))


@bp.get("/campaigns/<campaign_id>/filings")
def list_filings(campaign_id: str):
    campaign_or_404(campaign_id)
    cal = current_app.extensions["bargain_witness"]["calendar"]
    return jsonify({"filings": store.filings(get_db(), cal, _today(), campaign_id)})


@bp.post("/campaigns/<campaign_id>/filings")
def add_filing(campaign_id: str):
    campaign_or_404(campaign_id)
    body = _json_body("filing")
    if "channel" not in body or "sent_on" not in body:
        raise ApiError(400, "schema_violation", "需要 channel 和 sent_on（投诉渠道和投诉日期）。")
    filing_id = store.add_filing(get_db(), campaign_id, body)
    cal = current_app.extensions["bargain_witness"]["calendar"]
    found = next(f for f in store.filings(get_db(), cal, _today(), campaign_id) if f["id"] == filing_id)
    return jsonify(found), 201


@bp.put("/filings/<int:filing_id>")
def update_filing(filing_id: int):
    body = _json_body("filing")
    db = get_db()
    if not db["filings"].count_where("id = ?", [filing_id]):
        raise ApiError(404, "filing_not_found", f"找不到投诉记录 {filing_id}。")
    store.update_filing(db, filing_id, body)
    cal = current_app.extensions["bargain_witness"]["calendar"]
    return jsonify(next(f for f in store.filings(db, cal, _today()) if f["id"] == filing_id))


@bp.get("/followups")
def followups():
    """Every filed complaint with its state (overdue first) and the suggested next channel."""
    cal = current_app.extensions["bargain_witness"]["calendar"]
    return jsonify({"filings": store.filings(get_db(), cal, _today())})
