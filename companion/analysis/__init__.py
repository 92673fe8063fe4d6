"""Analysis: pure detection over a campaign's readings, a per-campaign cache, and the findings API.

``points``, ``detect`` and ``wording`` know nothing of Flask or SQLite; ``cache`` reads readings
through ``campaigns.queries``; ``api`` serves the findings.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Bind the configured thresholds and the cache once, so a capture POST pays for one fold step."""
    from companion.analysis import api
    from companion.analysis.cache import AnalysisCache
    from companion.analysis.detect import Thresholds
    from companion.core.services import services_of

    svc = services_of(app)
    svc.thresholds = Thresholds.from_mapping(app.config.get("DETECT_THRESHOLDS"))
    svc.analysis = AnalysisCache(svc.thresholds)
    app.register_blueprint(api.bp)
