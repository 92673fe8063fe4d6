"""Dashboard pages for complaints: drafts with copy buttons and edit forms, and the follow-up list.

Plain HTML forms (work without JavaScript); same-origin POSTs only (security.check_same_origin).
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for

from companion.complaints import store
from companion.complaints.case import DEMANDS
from companion.complaints.channels import CHANNEL_NAMES, CHANNELS, COMPLAINT_NAMES
from companion.complaints.web import build_draft, calendar, load_case, today
from companion.core import checks
from companion.core.db import get_db
from companion.core.errors import DomainError
from companion.core.vocab import PROBLEM_ZH, PROBLEMS
from companion.core.web import PageError, campaign_or_404, safe_next

bp = Blueprint("complaints_ui", __name__, template_folder="templates")


@bp.get("/campaigns/<campaign_id>/complaints")
def drafts(campaign_id: str):
    campaign = campaign_or_404(campaign_id)
    case = load_case(campaign)
    return render_template(
        "complaints.html",
        campaign=campaign,
        drafts=[build_draft(campaign, ch, case) for ch in CHANNELS],
        problem=case.problem,
        problem_options=PROBLEM_ZH,
        filings=store.filings(get_db(), calendar(), today(), campaign_id),
        channel_names=CHANNEL_NAMES,
        today=today().isoformat(),
        saved=request.args.get("saved"),
    )


@bp.post("/campaigns/<campaign_id>/complaints/<channel>")
def save(campaign_id: str, channel: str):
    campaign = campaign_or_404(campaign_id)
    if channel not in CHANNELS:
        abort(404)
    if request.form.get("action") == "reset":
        store.discard_edits(get_db(), campaign_id, channel)
    else:
        current = {f["key"]: f for f in build_draft(campaign, channel)["fields"]}
        # Keep only what the user changed, so improvements to generated text still reach the rest.
        edits = {}
        for key, field in current.items():
            value = request.form.get(f"field:{key}")
            if value is None:
                continue
            value = value.replace("\r\n", "\n")
            edits[key] = None if value == field.get("generated", field["value"]) else value[:50000]
        demands = [d for d in request.form.getlist("demand") if d in DEMANDS]
        store.save_edits(get_db(), campaign_id, channel, edits, demands or None)
    return redirect(
        url_for("complaints_ui.drafts", campaign_id=campaign_id, saved=channel) + f"#ch-{channel}", 303
    )


@bp.post("/campaigns/<campaign_id>/complaint-problem")
def choose_problem(campaign_id: str):
    """What the campaign's complaint is about: every channel's draft follows it."""
    campaign_or_404(campaign_id)
    problem = request.form.get("problem", "")
    if problem not in PROBLEMS:
        raise PageError(400, "unknown_problem", "没有这个问题类型，请在投诉页面上重新选择。")
    store.save_problem(get_db(), campaign_id, problem)
    return redirect(url_for("complaints_ui.drafts", campaign_id=campaign_id, saved="problem"), 303)


@bp.post("/campaigns/<campaign_id>/filings")
def file(campaign_id: str):
    campaign_or_404(campaign_id)
    channel = request.form.get("channel", "")
    if channel not in CHANNELS:
        raise PageError(400, "unknown_channel", "没有这个投诉渠道，请在投诉页面上重新选择。")
    sent_on = _day(request.form.get("sent_on", ""), "投诉日期")
    store.add_filing(
        get_db(),
        campaign_id,
        {
            "channel": channel,
            "sent_on": sent_on.isoformat(),
            "ticket": request.form.get("ticket", "")[:200],
            "note": request.form.get("note", "")[:5000],
        },
    )
    return redirect(url_for("complaints_ui.drafts", campaign_id=campaign_id) + "#filings", 303)


def _day(value: str, what: str) -> date:
    """A real day in 2000–2100, or the error page saying what to fix (nothing is stored)."""
    try:
        return checks.require_day(value, what)
    except DomainError as err:
        raise PageError(400, err.code, err.message) from None


@bp.get("/followups")
def followups():
    return render_template(
        "followups.html",
        filings=store.filings(get_db(), calendar(), today()),
        channel_names=CHANNEL_NAMES,
        complaint_names=COMPLAINT_NAMES,
        today=today().isoformat(),
    )


@bp.post("/filings/<int:filing_id>/answered")
def answered(filing_id: int):
    db = get_db()
    if not store.filing_exists(db, filing_id):
        abort(404)
    on = _day(request.form.get("answered_on") or today().isoformat(), "答复日期")
    target = safe_next(request.form.get("next", ""))  # this site only, checked before saving
    if target == "/":
        target = url_for("complaints_ui.followups")
    store.update_filing(db, filing_id, {"answered_on": on.isoformat()})
    return redirect(target, 303)
