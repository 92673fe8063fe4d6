"""Access: pairing browsers by a code the user confirms, tokens bound to an extension's origin (only
their hashes kept), dashboard sessions opened by one-time links, and the settings page's list of
paired browsers. ``core/security.py`` asks ``services().access`` (``guard.AccessGuard``) on every
request; see docs/security.md, "Pairing and sessions".
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from companion.access import api, views
    from companion.access.guard import AccessGuard
    from companion.core.services import services_of

    svc = services_of(app)
    svc.access = AccessGuard(legacy_token=app.config["API_TOKEN"])
    svc.on_capture_stored.append(views.note_capture)
    svc.settings_sections.append(views.settings_section)
    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
