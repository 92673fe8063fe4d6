"""What the complaint API and pages share: today's date, the calendar, the case, a draft with edits."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app

from companion.complaints import store
from companion.complaints.case import CaseFacts
from companion.complaints.drafts import draft
from companion.complaints.followup import Calendar
from companion.core.db import get_db
from companion.core.services import services


def today() -> date:
    """Today, or the fixed day a test configures with ``TODAY``."""
    return current_app.config.get("TODAY") or date.today()


def calendar() -> Calendar:
    return services().calendar


def load_case(campaign: dict[str, Any]) -> CaseFacts:
    """What every channel's draft is built from; load it once when drafting several channels."""
    db = get_db()
    return store.load_case(db, campaign, services().analysis.findings(db, campaign["id"]))


def build_draft(campaign: dict[str, Any], channel: str, case: CaseFacts | None = None) -> dict[str, Any]:
    """The draft as the user last left it: generated from the evidence, with their edits applied."""
    case = case or load_case(campaign)
    edits, demands = store.load_edits(get_db(), campaign["id"], channel)
    return {"campaign_id": campaign["id"], **draft(channel, case, demands, edits)}
