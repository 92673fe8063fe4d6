"""The campaign chart as the campaign page needs it: numbers from SQLite, drawn by ``charts``.

Only the numbers of every reading are loaded; times, figures and tooltips only for the points
drawn (at most about MAX_POINTS). Drawn charts of recent campaigns are cached, so paging through
a long timeline doesn't redraw the chart.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from flask import request, url_for
from markupsafe import Markup

from companion.campaigns.chart_json import chart_payload
from companion.campaigns.charts import (
    MAX_POINTS,
    MAX_POINTS_NARROW,
    NARROW,
    WIDE,
    ChartPoint,
    downsample_indices,
    progress_percent,
    render_svg,
)
from companion.campaigns.formatting import figures, fmt_time
from companion.campaigns.page_queries import chart_series, reading_rowids, readings_by_rowid
from companion.core.checks import time_or_none
from companion.core.services import services


class ChartCache:
    """Drawn charts of recent campaigns, so paging through a long timeline doesn't redraw the chart.

    The readings are append-only, so (count, max rowid) of a campaign's readings names its state;
    the findings drawn on the chart are part of the key too. Small, per app, guarded by a lock.
    """

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[tuple, Any]] = OrderedDict()

    def get(self, campaign_id: str, key: tuple):
        with self._lock:
            hit = self._entries.get(campaign_id)
            if hit is not None and hit[0] == key:
                self._entries.move_to_end(campaign_id)
                return hit[1]
        return None

    def put(self, campaign_id: str, key: tuple, value: Any) -> None:
        with self._lock:
            self._entries[campaign_id] = (key, value)
            self._entries.move_to_end(campaign_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def cached_chart(db, campaign_id: str, findings: list[dict[str, Any]], total: int):
    """``findings``: the spans to shade, each linking to ``#incident-<incident_id>`` on the page (the
    campaign page passes its incidents: one shaded span per incident)."""
    state = db.execute(
        "SELECT COUNT(*), MAX(rowid) FROM readings WHERE campaign_id = ?", [campaign_id]
    ).fetchone()
    drawn = tuple(
        tuple(
            f.get(k)
            for k in (
                "incident_id",
                "type",
                "severity",
                "started_at",
                "ended_at",
                "before_capture_id",
                "after_capture_id",
                "summary_zh",
            )
        )
        for f in findings
    )
    key = (*state, total, request.script_root, drawn)
    cache = services().chart_cache
    value = cache.get(campaign_id, key)
    if value is None:
        value = _chart(db, campaign_id, findings, total)
        cache.put(campaign_id, key, value)
    return value


def _chart(db, campaign_id: str, findings: list[dict[str, Any]], total: int):
    """The chart: the interactive chart's data (``chart_json``), its no-script fallback (two SVG
    drawings, one shown by CSS) and the latest reading (for the page header).

    Only the numbers of every reading are loaded; times, figures and tooltips only for the points
    drawn (at most about MAX_POINTS).
    """
    series = chart_series(db, campaign_id)
    progress = [progress_percent(r[1], r[2], r[3], r[4], r[5]) for r in series]
    helpers = [r[6] for r in series]
    cited = reading_rowids(
        db, [i for f in findings for i in (f.get("before_capture_id"), f.get("after_capture_id"))]
    )
    keep = [i for i, r in enumerate(series) if r[0] in cited]
    wide = downsample_indices(progress, helpers, MAX_POINTS, keep)
    narrow = downsample_indices(progress, helpers, MAX_POINTS_NARROW, keep)
    details = readings_by_rowid(db, [series[i][0] for i in {*wide, *narrow}])
    made: dict[int, ChartPoint | None] = {}

    def point(i: int) -> ChartPoint | None:
        if i not in made:
            row = details[series[i][0]]
            t = time_or_none(row["taken_at"])  # 2000–2100: the axis arithmetic can't overflow
            made[i] = t and ChartPoint(row["capture_id"], t, progress[i], helpers[i], _point_label(row))
        return made[i]

    base = url_for("dashboard.capture", capture_id="CAPTURE_ID")

    def href(cid: str) -> str:
        return base.replace("CAPTURE_ID", cid)

    def draw(indices: list[int], layout) -> Markup:
        points = [p for p in map(point, indices) if p is not None]
        return render_svg(
            points,
            findings,
            href=href,
            total=total,
            layout=layout,
            finding_href=lambda i: f"#incident-{findings[i].get('incident_id', i)}",
        )

    payload = chart_payload(
        [p for p in map(point, wide) if p is not None],
        findings,
        capture_url=base,
        thumb_url=url_for("dashboard.capture_thumb", capture_id="CAPTURE_ID"),
        finding_href=lambda i: f"#incident-{findings[i].get('incident_id', i)}",
        total=total,
    )
    latest = details[series[-1][0]] if series else None
    return draw(wide, WIDE) + draw(narrow, NARROW), payload, latest


def _point_label(row: dict[str, Any]) -> str:
    return " · ".join([fmt_time(row["taken_at"]), *figures(row)])
