"""The detection rules on pairs of readings (docs/detection.md), the thresholds, and the finding shape.

Pure code, no Flask and no SQLite. Every claim is made conservatively: a false accusation hurts the
user more than a missed one, and a truncating percent display ("99.9%") cannot show small cuts, so
an unchanged display is reported as "the displayed progress did not change", never "the cut was zero".
A pair is a reading and the LAST KNOWN value of the figure it is compared with (a capture that lacks
a figure never hides a change across it). Rules on runs and on a whole stage are in ``trends.py``;
``detect.py`` folds readings through both.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from typing import Any

from companion.analysis.points import (
    AMOUNT_KEYS,
    EPS,
    FEN,
    PERCENT_KEYS,
    Point,
    normalise_rules,
    num,
    sort_key,
)
from companion.analysis.wording import (
    describe_display,
    display_value,
    fmt_duration,
    fmt_money,
    fmt_span,
    fmt_time,
)


@dataclass(frozen=True)
class Thresholds:
    """Every number a claim depends on; override per app with config ``DETECT_THRESHOLDS``."""

    stall_min_assists: int = 3  # assists with no visible progress before a stall is claimed
    stall_critical_assists: int = 6
    stall_long_span_hours: float = 6.0  # or this long unchanged (shown to the fen) with at least one assist
    asymptote_min_assists: int = 5  # assists the geometric fit must span
    asymptote_min_points: int = 3  # readings with distinct helper counts in the fit
    asymptote_min_r2: float = 0.8
    asymptote_min_ratio: float = 0.7  # per-assist remaining ratio; faster decay is a normal bargain
    asymptote_implausible_assists: int = 30
    asymptote_critical_assists: int = 100
    rate_min_span_minutes: float = 30.0
    rate_window_hours: float = 2.0  # the deadline risk uses the rate over this recent window
    deadline_risk_warning_hours: float = 6.0
    deadline_tolerance_seconds: int = 120  # beyond the countdown's own display resolution

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


def finding(
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


def progress_finding(
    kind: str, severity: str, a: Point, b: Point, data: dict[str, Any], summary: str, stage: str
) -> dict[str, Any]:
    """A finding about progress, with what ``incidents.py`` needs to word a whole period: the stage,
    the displays and the stated helper counts at both ends."""
    context = {
        "stage": stage,
        "display_before": display_value(a),
        "display_after": display_value(b),
        "helpers_before": a.helper_count,
        "helpers_after": b.helper_count,
    }
    return finding(kind, severity, a, b, {**data, **context}, summary)


# ---------------------------------------------------------------------------------------------
# Progress that went backwards


def _amounts_comparable(a: Point, b: Point) -> bool:
    """Both show an amount the other can be compared with: then the amounts (finer) decide."""
    return bool(set(AMOUNT_KEYS) & a.figures.keys() & b.figures.keys()) or (a.by_amounts and b.by_amounts)


def _both(a: Point, b: Point) -> float:
    return (a.resolution or 0) + (b.resolution or 0) + EPS


def regression_finding(
    known: dict[str, Point], last: Point | None, p: Point, stage: str
) -> list[dict[str, Any]]:
    """Progress went backwards against the last known value of a figure.

    Amounts: by at least ¥0.01. A percent: by at least one step of the coarser display, only between
    readings that show no comparable amount (a rounded 已砍100% beside 还差¥0.05 does not decide).
    Any two readings: the progress they imply fell by more than both resolutions together."""
    drops: dict[str, tuple[Point, float, float]] = {}
    for k in AMOUNT_KEYS:
        a = known.get(k)
        if a is not None and k in p.figures:
            x, y = a.figures[k], p.figures[k]
            if (x - y if k == "cut_amount" else y - x) >= FEN - EPS:
                drops[k] = (a, x, y)
    for k in PERCENT_KEYS:
        a = known.get(k)
        if a is None or k not in p.figures or _amounts_comparable(a, p):
            continue
        step = max(a.percent_step_of(k) or 0, p.percent_step_of(k) or 0)  # each figure's own step
        x, y = a.figures[k], p.figures[k]
        if (x - y if k == "cut_percent" else y - x) >= step - EPS:
            drops[k] = (a, x, y)
    pa, pb = (last.progress, p.progress) if last is not None else (None, None)
    if last is not None and pa is not None and pb is not None and pa - pb > _both(last, p):
        drops["progress"] = (last, round(pa, 6), round(pb, 6))
    if not drops:
        return []
    a = max((v[0] for v in drops.values()), key=sort_key)  # the latest: the tightest pair
    data: dict[str, Any] = {k: {"before": x, "after": y} for k, (pt, x, y) in drops.items() if pt is a}
    if a.progress is not None and p.progress is not None:
        data["progress_before"] = round(a.progress, 6)
        data["progress_after"] = round(p.progress, 6)
    summary = (
        f"{fmt_span(a.t, p.t)} 期间，页面显示的砍价进度倒退："
        f"从{describe_display(a)}变为{describe_display(p)}。"
    )
    return [progress_finding("regression", "critical", a, p, data, summary, stage)]


# ---------------------------------------------------------------------------------------------
# Helpers that vanished, or whose cut the total does not show


def count_fell_finding(a: Point, b: Point, stage: str) -> dict[str, Any]:
    summary = (
        f"{fmt_span(a.t, b.t)} 期间，页面显示的助力好友人数从 {a.helper_count} 人减少到 {b.helper_count} 人。"
    )
    data = {"helper_count_before": a.helper_count, "helper_count_after": b.helper_count}
    return progress_finding("swallowed_assist", "critical", a, b, data, summary, stage)


def vanished_finding(a: Point, b: Point, gone: list[dict[str, Any]], stage: str) -> dict[str, Any]:
    names = "、".join(h["name"] for h in gone[:5])
    summary = (
        f"{fmt_span(a.t, b.t)} 期间，好友 {names} 的助力记录从页面的助力列表中消失"
        f"（列表由 {len(a.helpers or [])} 条变为 {len(b.helpers or [])} 条）。"
    )
    data = {"vanished": gone, "listed_before": len(a.helpers or []), "listed_after": len(b.helpers or [])}
    return progress_finding("swallowed_assist", "critical", a, b, data, summary, stage)


def unmoved_finding(a: Point, b: Point, fresh: list[dict[str, Any]], stage: str) -> list[dict[str, Any]]:
    """Helpers with a listed cut of ¥0.01 or more arrived after a, but 已砍/还差 (to the fen) stayed."""
    fresh = [h for h in fresh if (num(h.get("amount")) or 0) >= FEN - EPS]
    if not fresh or a.finished:
        return []
    amounts_shown = sorted(set(AMOUNT_KEYS) & a.figures.keys() & b.figures.keys())
    total = round(sum(num(h.get("amount")) or 0 for h in fresh), 2)
    names = "、".join(f"{h['name']}（{fmt_money(num(h.get('amount')) or 0, b.stage)}）" for h in fresh[:5])
    summary = (
        f"{fmt_span(a.t, b.t)} 期间，助力列表新增 {len(fresh)} 位好友 {names}，合计 "
        f"{fmt_money(total, b.stage)}，但页面显示的{describe_display(b)}没有变化（金额精确到分）。"
    )
    data = {"new_helpers": fresh, "listed_sum": total, **{k: b.figures[k] for k in amounts_shown}}
    return [progress_finding("swallowed_assist", "warning", a, b, data, summary, stage)]


# ---------------------------------------------------------------------------------------------
# Rules and deadlines


def rule_change_between(a: Point, b: Point) -> list[dict[str, Any]]:
    """The rules changed, compared after NFKC and without whitespace (``points.normalise_rules``)."""
    if a.rules == b.rules:
        return []
    before = [line.strip() for line in (a.rules_raw or "").splitlines() if normalise_rules(line)]
    after = [line.strip() for line in (b.rules_raw or "").splitlines() if normalise_rules(line)]
    # Lines are matched as compared (NFKC, no whitespace), and quoted as the page showed them.
    matcher = difflib.SequenceMatcher(
        None, [normalise_rules(x) for x in before], [normalise_rules(x) for x in after], autojunk=False
    )
    added, removed = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed += before[i1:i2]
            added += after[j1:j2]
    example = (added or [""])[0][:60]
    summary = (
        f"{fmt_span(a.t, b.t)} 期间，页面显示的活动规则发生了变化"
        f"（新增 {len(added)} 处、删除 {len(removed)} 处）"
        + (f"，例如新增：「{example}」。" if added else "。")
    )
    return [finding("rule_change", "warning", a, b, {"added": added[:20], "removed": removed[:20]}, summary)]


_UNITS = ((86400, "天"), (3600, "小时"), (60, "分钟"))


def deadline_change_finding(a: Point, b: Point) -> dict[str, Any]:
    assert a.deadline is not None and b.deadline is not None
    delta = (b.deadline - a.deadline).total_seconds()
    earlier = delta < 0
    tz = a.t.tzinfo
    source = "页面显示" if a.deadline_stated and b.deadline_stated else "按页面倒计时推算"
    resolution = max(a.deadline_resolution, b.deadline_resolution)
    coarse = next((f"（倒计时只显示到{u}，已计入该误差）" for s, u in _UNITS if resolution >= s), "")
    summary = (
        f"{fmt_span(a.t, b.t)} 期间，{source}的截止时间从 {fmt_time(a.deadline.astimezone(tz))} "
        f"变为 {fmt_time(b.deadline.astimezone(tz))}，"
        f"{'提前' if earlier else '推后'}了 {fmt_duration(delta)}{coarse}。"
    )
    data = {
        "deadline_before": a.deadline.isoformat(),
        "deadline_after": b.deadline.isoformat(),
        "shift_seconds": round(delta),
        "resolution_seconds": resolution,
    }
    return finding("deadline_change", "warning" if earlier else "info", a, b, data, summary)
