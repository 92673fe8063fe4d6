"""The detection rules on runs and on a whole stage (docs/detection.md): stall, listed sum, asymptote,
deadline risk. Pure code, no Flask and no SQLite; ``detect.py`` keeps the state these rules read.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from companion.analysis.points import FEN, Point, num
from companion.analysis.rules import Thresholds, progress_finding
from companion.analysis.wording import describe_display, fmt_money, fmt_span, fmt_time

# ---------------------------------------------------------------------------------------------
# Helper amounts adding up to more than the total


def listed_sum_excess(p: Point) -> float | None:
    """Listed helper amounts adding up to more than the total cut (less is normal: own first cut)."""
    if p.cut_amount is None or not p.helpers:
        return None
    amounts = [num(h.get("amount")) for h in p.helpers]
    if any(x is None for x in amounts):
        return None
    listed = sum(x for x in amounts if x is not None)
    tolerance = FEN + FEN / 2 * len(amounts)  # each listed amount is rounded to the fen
    return listed if listed - p.cut_amount > tolerance else None


def sum_mismatch_finding(a: Point, b: Point, stage: str) -> dict[str, Any]:
    listed = round(listed_sum_excess(b) or 0, 2)
    summary = (
        f"{fmt_span(a.t, b.t)}，页面助力列表中 {len(b.helpers or [])} 位好友的砍价金额合计 "
        f"{fmt_money(listed, b.stage)}，多于页面显示的已砍 {fmt_money(b.cut_amount or 0, b.stage)}。"
    )
    data = {"listed_sum": listed, "cut_amount": b.cut_amount, "listed_helpers": len(b.helpers or [])}
    return progress_finding("swallowed_assist", "warning", a, b, data, summary, stage)


# ---------------------------------------------------------------------------------------------
# Stall


def stall_finding(
    a: Point,
    b: Point,
    assists: int,
    captures: int,
    arrivals: list[dict[str, Any]],
    th: Thresholds,
    stage: str,
) -> list[dict[str, Any]]:
    """A run of unchanged displayed progress during which assists kept arriving.

    ``assists`` counts only what the run's own readings prove (stated counts inside the run, or helpers
    first listed inside it). One assist over a long span is claimed only where the display shows the
    fen: a percent display can hide a single small cut however long one waits."""
    if a is b or a.finished:
        return []
    span_h = (b.t - a.t).total_seconds() / 3600
    long_enough = a.by_amounts and span_h >= th.stall_long_span_hours
    if not (assists >= th.stall_min_assists or (assists >= 1 and long_enough)):
        return []
    severity = "critical" if assists >= th.stall_critical_assists else "warning"
    summary = (
        f"{fmt_span(a.t, b.t)} 期间新增 {assists} 位好友助力，页面显示的{describe_display(a)}始终没有变化。"
    )
    data: dict[str, Any] = {
        "assists": assists,
        "captures": captures,
        "hours": round(span_h, 2),
        "display": a.figures,
        "new_helpers": arrivals[:50],
    }
    if a.resolution is not None:
        data["display_resolution"] = a.resolution
    return [progress_finding("stall", severity, a, b, data, summary, stage)]


# ---------------------------------------------------------------------------------------------
# Asymptote


def remaining_share(p: Point) -> tuple[float, float] | None:
    """(remaining share, finishing threshold) from the finest figure shown."""
    if p.total and (p.remaining_amount is not None or p.cut_amount is not None):
        rem = p.remaining_amount if p.remaining_amount is not None else p.total - (p.cut_amount or 0)
        return rem / p.total, FEN / p.total
    if p.progress is not None and p.resolution is not None:
        return 1 - p.progress, p.resolution / 2
    return None


def _cut_ratio(pts: list[tuple[int, tuple[Point, float, float]]]) -> float | None:
    """How each assist's cut compares with the previous one's (log-linear fit of cut per assist)."""
    xs, ys = [], []
    for (n0, (_, r0, _)), (n1, (_, r1, _)) in pairwise(pts):
        cut = (r0 - r1) / (n1 - n0)
        if cut > 0:
            xs.append((n0 + n1) / 2)
            ys.append(math.log(cut))
    if len(xs) < 3:
        return None
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx <= 0:
        return None
    return math.exp(sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx)


def asymptote_finding(
    by_n: dict[int, tuple[Point, float, float]], th: Thresholds, stage: str
) -> list[dict[str, Any]]:
    """Fit remaining = r0 · q^n over the assist count n; claim only a slow, well-fitting decay."""
    pts = sorted(by_n.items())
    if len(pts) < th.asymptote_min_points or pts[-1][0] - pts[0][0] < th.asymptote_min_assists:
        return []
    if len({round(r, 9) for _, (_, r, _) in pts}) < th.asymptote_min_points:
        return []  # no visible progress to fit: that is a stall, not an asymptote
    xs = [float(n) for n, _ in pts]
    ys = [math.log(r) for _, (_, r, _) in pts]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 0 or syy <= 0:
        return []
    slope = sxy / sxx
    r2 = sxy * sxy / (sxx * syy)
    q = math.exp(slope)
    if slope >= 0 or r2 < th.asymptote_min_r2 or q < th.asymptote_min_ratio:
        return []
    cut_ratio = _cut_ratio(pts)
    # Over a short range a steady (linear) bargain also fits a geometric curve; only cuts that
    # themselves shrink, at least half as fast as the fit says, show the "永远差一点" pattern.
    if cut_ratio is None or cut_ratio > 1 - (1 - q) / 2:
        return []
    last_p, last_r, eps = pts[-1][1]
    needed = math.ceil(math.log(eps / last_r) / slope) if last_r > eps else 0
    if needed < th.asymptote_implausible_assists:
        return []
    first_p = pts[0][1][0]
    observed = pts[-1][0] - pts[0][0]
    summary = (
        f"{fmt_span(first_p.t, last_p.t)} 期间的 {observed} 次助力中，每次助力后剩余进度约为之前的 "
        f"{q * 100:.1f}%（拟合 R²={r2:.2f}）；照此推算，还需约 {needed} 次助力才能砍完"
        f"（当前{describe_display(last_p)}）。"
    )
    data = {
        "ratio_per_assist": round(q, 4),
        "r2": round(r2, 4),
        "assists_observed": observed,
        "projected_assists_needed": needed,
        "remaining_share": round(last_r, 6),
        "cut_ratio_per_assist": round(cut_ratio, 4),
        "points": len(pts),
    }
    severity = "critical" if needed >= th.asymptote_critical_assists else "warning"
    return [progress_finding("asymptote", severity, first_p, last_p, data, summary, stage)]


# ---------------------------------------------------------------------------------------------
# Deadline risk


def rate_start(recent: list[Point], last: Point, th: Thresholds) -> Point | None:
    """Where the recent rate is measured from: the earliest reading of the last ``rate_window_hours``,
    or, when that is too close to ``last``, the latest reading before the window."""
    window_start = last.t - timedelta(hours=th.rate_window_hours)
    min_span = timedelta(minutes=th.rate_min_span_minutes)
    inside = next((p for p in recent if p.t >= window_start), None)
    if inside is not None and last.t - inside.t >= min_span:
        return inside
    before = [p for p in recent if p.t < window_start]
    if before and last.t - before[-1].t >= min_span:
        return before[-1]
    return None


def deadline_risk_finding(
    first: Point | None,
    last: Point,
    deadline: datetime | None,
    slack_seconds: int,
    th: Thresholds,
    stage: str,
) -> list[dict[str, Any]]:
    """At the RECENT rate, the rest cannot be cut before the deadline.

    The rate may be up to one display step per end faster than shown, and a coarse countdown may end
    up to one unit later than it implies: the claim holds only at the most favourable of both."""
    if first is None or first is last or last.finished or deadline is None:
        return []
    if first.progress is None or last.progress is None:
        # No share of the whole shown (还差 alone, no price): no rate to claim from; treating the
        # unknown as 0 said "没有可见进展" of a bargain whose 还差 was falling fast.
        return []
    span_h = (last.t - first.t).total_seconds() / 3600
    if span_h <= 0 or span_h * 60 < th.rate_min_span_minutes:
        return []
    progress, before = last.progress, first.progress
    rate = (progress - before) / span_h
    fastest = (progress - before + (first.resolution or 0) + (last.resolution or 0)) / span_h
    latest_end = deadline + timedelta(seconds=slack_seconds)
    left_h = (latest_end - last.t).total_seconds() / 3600
    hours_needed = (1 - progress) / fastest if fastest > 0 else math.inf
    if hours_needed <= left_h:
        return []
    severity = "warning" if left_h < th.deadline_risk_warning_hours else "info"
    local_deadline = fmt_time(deadline.astimezone(last.t.tzinfo))
    when = "已过截止时间" if left_h <= 0 else f"距截止（{local_deadline}）还剩 {left_h:.1f} 小时"
    speed = f"每小时约 {rate * 100:.2f}%" if rate > 0 else "没有可见进展"
    summary = (
        f"{fmt_span(first.t, last.t)} 期间砍价进度{speed}，当前{describe_display(last)}，{when}；"
        f"按此速度无法在截止前砍完。"
    )
    data = {
        "rate_per_hour": round(rate, 6),
        "hours_left": round(left_h, 2),
        "hours_needed": None if math.isinf(hours_needed) else round(hours_needed, 2),
        "progress": round(progress, 6),
        "deadline": deadline.isoformat(),
    }
    return [progress_finding("deadline_risk", severity, first, last, data, summary, stage)]
