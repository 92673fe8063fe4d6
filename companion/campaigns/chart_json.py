"""The interactive chart's data (``static/chart.js`` draws it with uPlot): points, gaps and findings.

Keepa-like reading of a long bargain (issue #12):

- **Idle gaps collapsed.** The x axis is time, but a pause longer than ``gap_cap`` (several times
  the usual spacing of captures) is drawn as ``gap_cap`` wide and marked, so a night without
  captures does not squeeze the busy hours into a corner. Each point keeps its real time ``t``
  for the axis labels and the tooltip; ``x`` is the compressed position.
- **还差 on a log scale.** Every point carries the remaining share (100 − progress) for the second
  panel, where 10 % → 1 % → 0.1 % are equal steps and a stall at 99.9 % stays visible even when
  the series started at 0 %.
- **Hover and click.** Each point names its capture (the tooltip shows its thumbnail and
  figures; a click opens it); findings are spans on the compressed axis linking to their entry.

Pure: no Flask, no SQLite; URLs come in as functions.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Sequence
from statistics import median
from typing import Any

from companion.campaigns.charts import ChartPoint
from companion.core.checks import visible_controls
from companion.core.timeutil import parse_rfc3339_or_none
from companion.core.vocab import SEVERITY_ZH

# A pause is collapsed when longer than this many usual spacings (and at least MIN_GAP seconds).
GAP_FACTOR = 6
MIN_GAP = 30 * 60


def gap_cap(times: Sequence[float]) -> float:
    """How wide (seconds) a collapsed pause is drawn: GAP_FACTOR × the median spacing, ≥ MIN_GAP."""
    steps = [b - a for a, b in itertools.pairwise(times) if b > a]
    return max(MIN_GAP, GAP_FACTOR * median(steps)) if steps else MIN_GAP


def compress(times: Sequence[float], cap: float) -> tuple[list[float], list[int]]:
    """Compressed x positions (starting at the first real time) and the indices i where the pause
    between point i-1 and point i was collapsed."""
    xs: list[float] = []
    gaps: list[int] = []
    for i, t in enumerate(times):
        if i == 0:
            xs.append(t)
            continue
        step = max(0.0, t - times[i - 1])
        if step > cap:
            gaps.append(i)
            step = cap
        xs.append(xs[-1] + step)
    return xs, gaps


def to_x(t: float, times: Sequence[float], xs: Sequence[float]) -> float:
    """A real time on the compressed axis (linear within each stretch between two points)."""
    if not times:
        return t
    if t <= times[0]:
        return xs[0] - (times[0] - t)
    if t >= times[-1]:
        return xs[-1] + (t - times[-1])
    j = bisect.bisect_right(times, t)
    a, b = times[j - 1], times[j]
    share = (t - a) / (b - a) if b > a else 0.0
    return xs[j - 1] + share * (xs[j] - xs[j - 1])


def fmt_gap(seconds: float) -> str:
    """'中断 7 小时' / '中断 2 天 3 小时': the length of a collapsed pause, in words."""
    minutes = int(seconds // 60)
    if minutes < 120:
        return f"中断 {minutes} 分钟"
    hours = minutes // 60
    if hours < 48:
        return f"中断 {hours} 小时"
    return f"中断 {hours // 24} 天 {hours % 24} 小时"


def _remaining(progress: float | None) -> float | None:
    """The remaining share in percent, None when finished (a log scale has no 0)."""
    if progress is None:
        return None
    left = round(100.0 - progress, 6)
    return left if left > 0 else None


def chart_payload(
    points: Sequence[ChartPoint],
    findings: Sequence[dict[str, Any]],
    *,
    capture_url: str,
    thumb_url: str,
    finding_href: Callable[[int], str],
    total: int,
) -> dict[str, Any]:
    """What ``chart.js`` draws, as JSON-ready lists (one entry per drawn point, in page order); a
    point's capture page and thumbnail are the URL templates with ``CAPTURE_ID`` replaced."""
    times = [p.t.timestamp() for p in points]
    cap = gap_cap(times)
    xs, gap_at = compress(times, cap)
    offset = points[0].t.utcoffset() if points else None
    spans = []
    for i, f in enumerate(findings):
        a = parse_rfc3339_or_none(f.get("started_at") or "")
        b = parse_rfc3339_or_none(f.get("ended_at") or "") or a
        if a is None or b is None or not points:
            continue
        sev = f.get("severity") if f.get("severity") in SEVERITY_ZH else "info"
        spans.append(
            {
                "x0": to_x(a.timestamp(), times, xs),
                "x1": to_x(b.timestamp(), times, xs),
                "severity": sev,
                "href": finding_href(i),
                "label": visible_controls(f"{SEVERITY_ZH[sev]}：{f.get('summary_zh') or ''}"),
            }
        )
    return {
        "x": xs,
        "t": times,
        "progress": [_round(p.progress) for p in points],
        "remaining": [_remaining(p.progress) for p in points],
        "helpers": [p.helpers for p in points],
        "label": [visible_controls(p.label) for p in points],
        "id": [p.capture_id for p in points],
        "capture_url": capture_url,  # "CAPTURE_ID" in these two is replaced by a point's id
        "thumb_url": thumb_url,
        "gaps": [{"x": xs[i - 1] + cap / 2, "text": fmt_gap(times[i] - times[i - 1])} for i in gap_at],
        "spans": spans,
        "offset_minutes": int(offset.total_seconds() // 60) if offset is not None else 0,
        "total": total,
        "drawn": len(points),
    }


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 6)
