"""The detection rules (docs/detection.md): what each finding type claims and when, and the thresholds.

Pure code, no Flask and no SQLite. Every claim is made conservatively: a false accusation hurts the
user more than a missed one, and a truncating percent display ("99.9%") cannot show small cuts, so
an unchanged display is reported as "the displayed progress did not change", never "the cut was zero".
``detect.py`` folds readings through these rules.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any

from companion.analysis.points import (
    EPS,
    FEN,
    Point,
    new_helpers,
    num,
    same_display,
    vanished_helpers,
)
from companion.analysis.wording import describe_display, fmt_money, fmt_span, fmt_time


@dataclass(frozen=True)
class Thresholds:
    """Every number a claim depends on; override per app with config ``DETECT_THRESHOLDS``."""

    stall_min_assists: int = 3  # assists with no visible progress before a stall is claimed
    stall_critical_assists: int = 6
    stall_long_span_hours: float = 6.0  # or this long unchanged with at least one assist
    asymptote_min_assists: int = 5  # assists the geometric fit must span
    asymptote_min_points: int = 3  # readings with distinct helper counts in the fit
    asymptote_min_r2: float = 0.8
    asymptote_min_ratio: float = 0.7  # per-assist remaining ratio; faster decay is a normal bargain
    asymptote_implausible_assists: int = 30
    asymptote_critical_assists: int = 100
    rate_min_span_minutes: float = 30.0
    deadline_risk_warning_hours: float = 6.0
    deadline_tolerance_seconds: int = 120

    @classmethod
    def from_mapping(cls, values: dict[str, Any] | None) -> Thresholds:
        """Overrides by name; an unknown name or a non-number is refused (a typo must not pass silently)."""
        values = values or {}
        unknown = sorted(set(values) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f"未知的检测阈值：{', '.join(unknown)}")
        for key, value in values.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"检测阈值 {key} 必须是非负数字，而不是 {value!r}")
        return replace(cls(), **values)


def _finding(
    kind: str, severity: str, a: Point, b: Point, data: dict[str, Any], summary: str
) -> dict[str, Any]:
    return {
        "type": kind,
        "severity": severity,
        "started_at": a.taken_at,
        "ended_at": b.taken_at,
        "before_capture_id": a.capture_id,
        "after_capture_id": b.capture_id,
        "data": data,
        "summary_zh": summary,
    }


# ---------------------------------------------------------------------------------------------
# Rules on two consecutive readings of one stage


def regression_between(a: Point, b: Point) -> list[dict[str, Any]]:
    """Progress went backwards by at least one step of the coarser display."""
    drops = {}
    if a.cut_amount is not None and b.cut_amount is not None and a.cut_amount - b.cut_amount >= FEN - EPS:
        drops["cut_amount"] = (a.cut_amount, b.cut_amount)
    if (
        a.remaining_amount is not None
        and b.remaining_amount is not None
        and b.remaining_amount - a.remaining_amount >= FEN - EPS
    ):
        drops["remaining_amount"] = (a.remaining_amount, b.remaining_amount)
    step = max(a.percent_step or 0, b.percent_step or 0)
    if (
        a.cut_percent is not None
        and b.cut_percent is not None
        and a.cut_percent - b.cut_percent >= step - EPS
    ):
        drops["cut_percent"] = (a.cut_percent, b.cut_percent)
    if (
        a.remaining_percent is not None
        and b.remaining_percent is not None
        and b.remaining_percent - a.remaining_percent >= step - EPS
    ):
        drops["remaining_percent"] = (a.remaining_percent, b.remaining_percent)
    if not drops and not (a.figures.keys() & b.figures.keys()):
        # Different figures on each side (a percent, then amounts): compare the progress they imply,
        # allowing a full display step of each.
        pa, pb = a.progress, b.progress
        if pa is not None and pb is not None and pa - pb > (a.resolution or 0) + (b.resolution or 0) + EPS:
            drops["progress"] = (round(pa, 6), round(pb, 6))
    if not drops:
        return []
    summary = (
        f"{fmt_span(a.t, b.t)} 期间，页面显示的砍价进度倒退："
        f"从{describe_display(a)}变为{describe_display(b)}。"
    )
    data: dict[str, Any] = {k: {"before": v[0], "after": v[1]} for k, v in drops.items()}
    if a.progress is not None and b.progress is not None:
        data["progress_before"] = round(a.progress, 6)
        data["progress_after"] = round(b.progress, 6)
    return [_finding("regression", "critical", a, b, data, summary)]


def swallowed_between(a: Point, b: Point) -> list[dict[str, Any]]:
    """Helpers that disappeared, or listed cuts (to the fen) that the total does not show."""
    out = []
    if a.helper_count is not None and b.helper_count is not None and b.helper_count < a.helper_count:
        summary = (
            f"{fmt_span(a.t, b.t)} 期间，页面显示的助力好友人数"
            f"从 {a.helper_count} 人减少到 {b.helper_count} 人。"
        )
        data = {"helper_count_before": a.helper_count, "helper_count_after": b.helper_count}
        out.append(_finding("swallowed_assist", "critical", a, b, data, summary))
    gone = vanished_helpers(a, b)
    if gone:
        names = "、".join(h["name"] for h in gone[:5])
        summary = (
            f"{fmt_span(a.t, b.t)} 期间，好友 {names} 的助力记录从页面的助力列表中消失"
            f"（列表由 {len(a.helpers or [])} 条变为 {len(b.helpers or [])} 条）。"
        )
        data = {"vanished": gone, "listed_before": len(a.helpers or []), "listed_after": len(b.helpers or [])}
        out.append(_finding("swallowed_assist", "critical", a, b, data, summary))
    fresh = [h for h in new_helpers(a, b) if (num(h.get("amount")) or 0) >= FEN - EPS]
    amounts_shown = {"cut_amount", "remaining_amount"} & a.figures.keys() & b.figures.keys()
    if fresh and amounts_shown and same_display(a, b) and not a.finished:
        total = round(sum(num(h.get("amount")) or 0 for h in fresh), 2)
        names = "、".join(
            f"{h['name']}（{fmt_money(num(h.get('amount')) or 0, a.stage)}）" for h in fresh[:5]
        )
        summary = (
            f"{fmt_span(a.t, b.t)} 期间，助力列表新增 {len(fresh)} 位好友 {names}，合计 "
            f"{fmt_money(total, a.stage)}，但页面显示的{describe_display(b)}没有变化（金额精确到分）。"
        )
        data = {"new_helpers": fresh, "listed_sum": total, **{k: a.figures[k] for k in sorted(amounts_shown)}}
        out.append(_finding("swallowed_assist", "warning", a, b, data, summary))
    return out


def rule_change_between(a: Point, b: Point) -> list[dict[str, Any]]:
    if a.rules == b.rules:
        return []
    before = [line.strip() for line in (a.rules_raw or "").splitlines() if line.strip()]
    after = [line.strip() for line in (b.rules_raw or "").splitlines() if line.strip()]
    diff = list(difflib.unified_diff(before, after, lineterm="", n=0))
    added = [d[1:] for d in diff if d.startswith("+") and not d.startswith("+++")]
    removed = [d[1:] for d in diff if d.startswith("-") and not d.startswith("---")]
    example = (added or [""])[0][:60]
    summary = (
        f"{fmt_span(a.t, b.t)} 期间，页面显示的活动规则发生了变化"
        f"（新增 {len(added)} 处、删除 {len(removed)} 处）"
        + (f"，例如新增：「{example}」。" if added else "。")
    )
    return [_finding("rule_change", "warning", a, b, {"added": added[:20], "removed": removed[:20]}, summary)]


def deadline_change_between(a: Point, b: Point, th: Thresholds) -> list[dict[str, Any]]:
    assert a.deadline is not None and b.deadline is not None
    delta = (b.deadline - a.deadline).total_seconds()
    if abs(delta) <= th.deadline_tolerance_seconds:
        return []
    earlier = delta < 0
    tz = a.t.tzinfo
    minutes = abs(delta) / 60
    amount = f"{minutes / 60:.1f} 小时" if minutes >= 90 else f"{minutes:.0f} 分钟"
    source = "页面显示" if a.deadline_stated and b.deadline_stated else "按页面倒计时推算"
    summary = (
        f"{fmt_span(a.t, b.t)} 期间，{source}的截止时间从 {fmt_time(a.deadline.astimezone(tz))} "
        f"变为 {fmt_time(b.deadline.astimezone(tz))}，{'提前' if earlier else '推后'}了 {amount}。"
    )
    data = {
        "deadline_before": a.deadline.isoformat(),
        "deadline_after": b.deadline.isoformat(),
        "shift_seconds": round(delta),
    }
    return [_finding("deadline_change", "warning" if earlier else "info", a, b, data, summary)]


# ---------------------------------------------------------------------------------------------
# Rules on runs and on a whole stage


def listed_sum_excess(p: Point) -> float | None:
    """Listed helper amounts adding up to more than the total cut (less is normal: own first cut)."""
    if p.cut_amount is None or not p.helpers:
        return None
    amounts = [num(h.get("amount")) for h in p.helpers]
    if any(x is None for x in amounts):
        return None
    listed = sum(amounts)
    tolerance = FEN + FEN / 2 * len(amounts)  # each listed amount is rounded to the fen
    return listed if listed - p.cut_amount > tolerance else None


def sum_mismatch_finding(a: Point, b: Point) -> dict[str, Any]:
    listed = round(listed_sum_excess(b) or 0, 2)
    summary = (
        f"{fmt_span(a.t, b.t)}，页面助力列表中 {len(b.helpers or [])} 位好友的砍价金额合计 "
        f"{fmt_money(listed, b.stage)}，多于页面显示的已砍 {fmt_money(b.cut_amount or 0, b.stage)}。"
    )
    data = {"listed_sum": listed, "cut_amount": b.cut_amount, "listed_helpers": len(b.helpers or [])}
    return _finding("swallowed_assist", "warning", a, b, data, summary)


def stall_finding(a: Point, b: Point, assists: int, captures: int, th: Thresholds) -> list[dict[str, Any]]:
    """A run of unchanged displayed progress during which assists kept arriving."""
    if a is b or a.finished:
        return []
    span_h = (b.t - a.t).total_seconds() / 3600
    if not (assists >= th.stall_min_assists or (assists >= 1 and span_h >= th.stall_long_span_hours)):
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
    }
    if a.resolution is not None:
        data["display_resolution"] = a.resolution
    return [_finding("stall", severity, a, b, data, summary)]


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


def asymptote_finding(by_n: dict[int, tuple[Point, float, float]], th: Thresholds) -> list[dict[str, Any]]:
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
    return [_finding("asymptote", severity, first_p, last_p, data, summary)]


def deadline_risk_finding(first: Point, last: Point, deadline, th: Thresholds) -> list[dict[str, Any]]:
    """At the rate observed so far (idle time included), the rest cannot be cut before the deadline."""
    if first is last or last.finished or deadline is None:
        return []
    span_h = (last.t - first.t).total_seconds() / 3600
    if span_h * 60 < th.rate_min_span_minutes:
        return []
    rate = ((last.progress or 0) - (first.progress or 0)) / span_h
    left_h = (deadline - last.t).total_seconds() / 3600
    hours_needed = (1 - (last.progress or 0)) / rate if rate > 0 else math.inf
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
        "progress": round(last.progress or 0, 6),
        "deadline": deadline.isoformat(),
    }
    return [_finding("deadline_risk", severity, first, last, data, summary)]
