"""Session recording (issue #15, docs/recording.md): the companion's side of a tab recording.

The chunks themselves arrive through the generic files API (``capture_files``, kind
``video_chunk``) and are evidence there. This feature adds what is specific to a recording: the
finish call, the derived, fixed-up copy (one WebM with a duration and a seek index, made by a job,
never evidence), the player and the chunk list on the capture page, and the derived copy in the
bundle as a convenience.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from companion.core.services import services_of
    from companion.recording import api, jobs, views

    svc = services_of(app)
    jobs.register(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
    svc.capture_sections.append(views.capture_section)
    svc.bundle_extras.append(jobs.bundle_copies)
