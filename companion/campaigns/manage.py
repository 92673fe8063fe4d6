"""The campaign page's rename and archive forms (docs/dashboard.md, "Naming and archiving").

The API does the same through ``PUT /api/v1/campaigns/<id>/name`` and ``.../archived``
(``campaigns/api.py``); both go through ``evidence/campaign_events.py``, which records every change
in the campaign's event chain. A refused name is the dashboard's error page, never a 500.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, request, url_for

from companion.campaigns.queries import archived_count
from companion.core.db import get_db
from companion.core.errors import DomainError
from companion.core.web import PageError, campaign_or_404
from companion.evidence import campaign_events

bp = Blueprint("campaign_manage", __name__)

EVENT_KIND_ZH = {"rename": "更名", "archive": "归档", "unarchive": "取消归档"}


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {
        "campaign_events_of": lambda campaign_id: campaign_events.events(get_db(), campaign_id),
        "archived_campaigns": lambda: archived_count(get_db()),
        "EVENT_KIND_ZH": EVENT_KIND_ZH,
    }


@bp.post("/campaigns/<campaign_id>/name")
def rename(campaign_id: str):
    campaign_or_404(campaign_id)
    try:
        campaign_events.rename(get_db(), campaign_id, request.form.get("name", ""))
    except DomainError as err:
        raise PageError(err.status, err.code, err.message) from None
    return redirect(url_for("dashboard.campaign", campaign_id=campaign_id) + "#manage", 303)


@bp.post("/campaigns/<campaign_id>/archive")
def archive(campaign_id: str):
    campaign_or_404(campaign_id)
    archived = request.form.get("archived") == "1"
    campaign_events.set_archived(get_db(), campaign_id, archived)
    if archived:  # it left the list: show where it went
        return redirect(url_for("dashboard.index", archived=1), 303)
    return redirect(url_for("dashboard.campaign", campaign_id=campaign_id), 303)
