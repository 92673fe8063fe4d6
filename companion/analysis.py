"""Glue between storage and the pure detector, with one live ``Analyzer`` per recent campaign.

The capture log is append-only, so an analyzer that has folded N readings of a campaign is current
exactly when the campaign has N readings; a new capture that comes later in page order is one
``add``. Anything else (an out-of-order arrival from the offline queue, another process writing,
a restart) re-folds the campaign from the database. Held in the app, guarded by a lock.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import sqlite_utils
from flask import Flask, current_app

from companion.detect import Analyzer, Thresholds
from companion.points import to_point, to_points
from companion.queries import campaign_readings

MAX_CACHED_CAMPAIGNS = 32


class AnalysisCache:
    def __init__(self, thresholds: Thresholds, size: int = MAX_CACHED_CAMPAIGNS) -> None:
        self.thresholds = thresholds
        self.size = size
        self._lock = threading.Lock()
        self._analyzers: OrderedDict[str, Analyzer] = OrderedDict()

    def findings(
        self, db: sqlite_utils.Database, campaign_id: str, new_reading: dict[str, Any] | None = None
    ):
        """Current findings; ``new_reading`` is the reading just inserted (the cheap path: it is
        folded in as the capture POST built it, without reading it back from the database)."""
        count = db.execute("SELECT COUNT(*) FROM readings WHERE campaign_id = ?", [campaign_id]).fetchone()[0]
        with self._lock:
            analyzer = self._analyzers.get(campaign_id)
            if analyzer is not None and new_reading and analyzer.count == count - 1:
                point = to_point(new_reading)
                if point is not None and analyzer.accepts(point):
                    analyzer.add(point)
            if analyzer is None or analyzer.count != count:
                analyzer = self._refold(db, campaign_id)
            self._analyzers[campaign_id] = analyzer
            self._analyzers.move_to_end(campaign_id)
            while len(self._analyzers) > self.size:
                self._analyzers.popitem(last=False)
            return analyzer.findings()

    def _refold(self, db: sqlite_utils.Database, campaign_id: str) -> Analyzer:
        analyzer = Analyzer(self.thresholds)
        readings = campaign_readings(db, campaign_id)
        for point in to_points(readings):
            analyzer.add(point)
        # Readings without a usable time still count, so the cache stays in step with the table.
        analyzer.count = len(readings)
        return analyzer


def init_app(app: Flask) -> None:
    """Bind the configured thresholds and the cache once, so a capture POST only pays for one fold step."""
    thresholds = Thresholds.from_mapping(app.config.get("DETECT_THRESHOLDS"))
    cache = AnalysisCache(thresholds)
    ext = app.extensions["bargain_witness"]
    ext["thresholds"] = thresholds
    ext["analysis"] = cache


def campaign_findings(
    db: sqlite_utils.Database, campaign_id: str, thresholds: Thresholds
) -> list[dict[str, Any]]:
    """Uncached: fold everything (benchmarks, exports)."""
    return AnalysisCache(thresholds, size=1)._refold(db, campaign_id).findings()


def current_findings(db: sqlite_utils.Database, campaign_id: str) -> list[dict[str, Any]]:
    """Findings through this app's cache, most severe first, then in time order."""
    return current_app.extensions["bargain_witness"]["analysis"].findings(db, campaign_id)
