"""Campaigns: reading the archive (queries), the dashboard pages, the chart, thumbnails, and the
campaign API. Nothing here writes evidence.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from companion.campaigns import api, manage, thumbnail_jobs, thumbnails, views
    from companion.campaigns.chart_data import ChartCache
    from companion.core.services import services_of

    svc = services_of(app)
    svc.thumbnails = thumbnails.Thumbnails(svc.data_dir.thumbs, max_pixels=app.config["MAX_IMAGE_PIXELS"])
    svc.chart_cache = ChartCache()
    thumbnail_jobs.register(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(manage.bp)
