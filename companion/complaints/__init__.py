"""Complaints: the case, one module per channel, drafts with the user's edits, follow-up, the
complaint API and pages. Drafts are built only from archived facts and findings.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from companion.complaints import api, views
    from companion.complaints.followup import Calendar
    from companion.core.services import services_of

    svc = services_of(app)
    svc.calendar = Calendar.from_lists(
        svc.user_config.get("holidays", []), svc.user_config.get("extra_workdays", [])
    )
    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
