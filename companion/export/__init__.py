"""Export: the evidence bundle (a ZIP anyone can check) and its download routes."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from companion.export import views

    app.register_blueprint(views.api_bp)
    app.register_blueprint(views.ui_bp)
