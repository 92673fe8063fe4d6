"""Glue between storage and the pure detector: load a campaign's readings, run find_anomalies."""

from __future__ import annotations

from typing import Any

import sqlite_utils
from flask import Flask

from companion.detect import Thresholds, find_anomalies
from companion.queries import campaign_readings


def campaign_findings(
    db: sqlite_utils.Database, campaign_id: str, thresholds: Thresholds
) -> list[dict[str, Any]]:
    return find_anomalies(campaign_readings(db, campaign_id), thresholds)


def init_app(app: Flask) -> None:
    """Bind the configured thresholds once, so a capture POST only pays for the analysis itself."""
    thresholds = Thresholds.from_mapping(app.config.get("DETECT_THRESHOLDS"))
    ext = app.extensions["bargain_witness"]
    ext["thresholds"] = thresholds
    ext["analyse"] = lambda db, campaign_id: campaign_findings(db, campaign_id, thresholds)
