"""Intake: evidence that did not come from the browser extension (docs/ocr.md).

Phone screenshots brought to the computer (``bargain-witness import``, the dashboard's drop page)
and a watched screen region (``bargain-witness watch``, with a region picker on the dashboard).
Both build ordinary capture payloads (``source`` ``import`` / ``screen``, no facts) and go through
the one write path, ``evidence/ingest.py``; the OCR job then reads their figures.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from companion.intake import views

    app.register_blueprint(views.bp)
