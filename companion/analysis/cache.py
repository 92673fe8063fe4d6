"""Glue between storage and the pure detector, with one live ``Analyzer`` per recent campaign.

The capture log is append-only, so an analyzer that has folded N readings of a campaign is current
exactly when the campaign has N readings; a new capture that comes later in page order is one
``add`` (``append``, cheap enough to run inside the capture's write transaction). Anything else (an
out-of-order arrival from the offline queue, another process writing, a restart) re-folds the
campaign from the database in ``findings``, which the write path calls only after its commit.
Held by the app's services, guarded by a lock.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import sqlite_utils

from companion.analysis.detect import Analyzer, Thresholds
from companion.analysis.points import to_point, to_points
from companion.campaigns.queries import campaign_readings

MAX_CACHED_CAMPAIGNS = 32


class AnalysisCache:
    def __init__(self, thresholds: Thresholds, size: int = MAX_CACHED_CAMPAIGNS) -> None:
        self.thresholds = thresholds
        self.size = size
        self._lock = threading.Lock()
        self._analyzers: OrderedDict[str, Analyzer] = OrderedDict()

    def _count(self, db: sqlite_utils.Database, campaign_id: str) -> int:
        """Readings analysis sees: a capture whose time can't be trusted (``clock_flag``) is left out,
        as ``campaign_readings`` leaves it out, so the two stay in step and no re-fold repeats."""
        return db.execute(
            "SELECT COUNT(*) FROM readings WHERE campaign_id = ? AND clock_flag IS NULL", [campaign_id]
        ).fetchone()[0]

    def _keep(self, campaign_id: str, analyzer: Analyzer) -> None:
        self._analyzers[campaign_id] = analyzer
        self._analyzers.move_to_end(campaign_id)
        while len(self._analyzers) > self.size:
            self._analyzers.popitem(last=False)

    def append(
        self, db: sqlite_utils.Database, campaign_id: str, reading: dict[str, Any]
    ) -> list[dict[str, Any]] | None:
        """Fold in the reading just inserted, as the capture POST built it (no read-back), when that
        is one step; None when it needs a re-fold (call ``findings`` after the commit)."""
        count = self._count(db, campaign_id)
        with self._lock:
            analyzer = self._analyzers.get(campaign_id)
            if analyzer is None or analyzer.count != count - 1:
                return None
            point = to_point(reading)
            if point is None:
                analyzer.count += 1  # a reading without a usable time still counts
            elif analyzer.accepts(point):
                analyzer.add(point)
            else:
                return None
            self._keep(campaign_id, analyzer)
            return analyzer.findings()

    def forget(self, campaign_id: str) -> None:
        """Drop the campaign's analyzer: a reading was rewritten in place (OCR filled it), which
        the count alone can't see; the next ``findings`` re-folds."""
        with self._lock:
            self._analyzers.pop(campaign_id, None)

    def findings(self, db: sqlite_utils.Database, campaign_id: str) -> list[dict[str, Any]]:
        """Current findings, re-folding the campaign when the cached analyzer is not current."""
        count = self._count(db, campaign_id)
        with self._lock:
            analyzer = self._analyzers.get(campaign_id)
            if analyzer is not None and analyzer.count == count:
                self._keep(campaign_id, analyzer)
                return analyzer.findings()
        analyzer = refold(db, campaign_id, self.thresholds)  # outside the lock: other campaigns go on
        with self._lock:
            current = self._analyzers.get(campaign_id)
            if current is None or current.count <= analyzer.count:
                self._keep(campaign_id, analyzer)
            return analyzer.findings()


def refold(db: sqlite_utils.Database, campaign_id: str, thresholds: Thresholds) -> Analyzer:
    """An analyzer that has folded every stored reading of the campaign."""
    analyzer = Analyzer(thresholds)
    readings = campaign_readings(db, campaign_id)
    for point in to_points(readings):
        analyzer.add(point)
    # Readings without a usable time still count, so the cache stays in step with the table.
    analyzer.count = len(readings)
    return analyzer


def campaign_findings(
    db: sqlite_utils.Database, campaign_id: str, thresholds: Thresholds
) -> list[dict[str, Any]]:
    """Uncached: fold everything (benchmarks, exports)."""
    return refold(db, campaign_id, thresholds).findings()
