"""Complaint drafts, edits and follow-up over the API (docs/api.md, docs/complaints.md)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from companion.complaints import store
from companion.complaints.channels import CHANNELS
from companion.complaints.web import build_draft, calendar, today
from companion.core import checks
from companion.core.db import get_db
from companion.core.errors import DomainError
from companion.core.web import campaign_or_404, json_body

bp = Blueprint("complaints_api", __name__, url_prefix="/api/v1")


def _channel_or_404(channel: str) -> str:
    if channel not in CHANNELS:
        raise DomainError(
            404, "unknown_channel", f"没有这个投诉渠道：{channel}（可用：{'、'.join(CHANNELS)}）。"
        )
    return channel


def check_days(body: dict) -> None:
    """Real days in 2000–2100 before anything is stored (the schema only checks the digits)."""
    if "sent_on" in body:
        checks.require_day(body["sent_on"], "sent_on（投诉日期）")
    if body.get("answered_on") is not None:
        checks.require_day(body["answered_on"], "answered_on（答复日期）")


@bp.get("/campaigns/<campaign_id>/complaints/<channel>")
def get_draft(campaign_id: str, channel: str):
    return jsonify(build_draft(campaign_or_404(campaign_id), _channel_or_404(channel)))


@bp.put("/campaigns/<campaign_id>/complaints/<channel>")
def put_draft(campaign_id: str, channel: str):
    campaign = campaign_or_404(campaign_id)
    _channel_or_404(channel)
    body = json_body("complaint_edit")
    if "problem" in body:  # the campaign's problem type, for every channel: first, so fields fit it
        store.save_problem(get_db(), campaign_id, body["problem"])
    current = build_draft(campaign, channel)
    known = {f["key"] for f in current["fields"]}
    unknown = sorted(set(body.get("fields", {})) - known)
    if unknown:
        raise DomainError(422, "unknown_field", f"此渠道没有这些字段：{'、'.join(unknown)}。")
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
    return jsonify({"filings": store.filings(get_db(), calendar(), today(), campaign_id)})


@bp.post("/campaigns/<campaign_id>/filings")
def add_filing(campaign_id: str):
    campaign_or_404(campaign_id)
    body = json_body("filing")
    if "channel" not in body or "sent_on" not in body:
        raise DomainError(400, "schema_violation", "需要 channel 和 sent_on（投诉渠道和投诉日期）。")
    check_days(body)
    filing_id = store.add_filing(get_db(), campaign_id, body)
    found = next(f for f in store.filings(get_db(), calendar(), today(), campaign_id) if f["id"] == filing_id)
    return jsonify(found), 201


@bp.put("/filings/<int:filing_id>")
def update_filing(filing_id: int):
    body = json_body("filing")
    db = get_db()
    if not store.filing_exists(db, filing_id):
        raise DomainError(404, "filing_not_found", f"找不到投诉记录 {filing_id}。")
    check_days(body)
    store.update_filing(db, filing_id, body)
    return jsonify(next(f for f in store.filings(db, calendar(), today()) if f["id"] == filing_id))


@bp.get("/followups")
def followups():
    """Every filed complaint with its state (overdue first) and the suggested next channel."""
    return jsonify({"filings": store.filings(get_db(), calendar(), today())})
