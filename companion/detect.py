"""Anomaly detection over one campaign's readings (DESIGN §5; rules and thresholds: docs/detection.md).

Pure functions, no Flask and no SQLite, so the same code serves the API, the popup, complaint
drafting and the tests. Every claim is made conservatively: a false accusation hurts the user more
than a missed one, and a truncating percent display ("99.9%") cannot show small cuts, so an
unchanged display is reported as "the displayed progress did not change", never "the cut was zero".
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from companion.describe import describe_display, fmt_money, fmt_span, fmt_time

FEN = 0.01
EPS = 1e-9


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
        known = {k: v for k, v in (values or {}).items() if k in cls.__dataclass_fields__}
        return replace(cls(), **known)


@dataclass
class Point:
    """One reading, normalised: sorted time, stage, displayed figures and what they can resolve."""

    capture_id: str
    taken_at: str
    t: datetime
    stage: str
    cut_amount: float | None = None
    remaining_amount: float | None = None
    cut_percent: float | None = None
    remaining_percent: float | None = None
    percent_step: float | None = None  # one unit of the last displayed decimal, in percent
    total: float | None = None
    helper_count: int | None = None
    helpers: list[dict[str, Any]] | None = None
    deadline: datetime | None = None
    rules: str | None = None
    rules_raw: str | None = None
    figures: dict[str, float] = field(default_factory=dict)

    @property
    def progress(self) -> float | None:
        """Share cut in [0, 1], from the finest figure shown (amounts are finer than 0.1 %)."""
        if self.cut_amount is not None and self.total:
            return min(1.0, self.cut_amount / self.total)
        if self.remaining_amount is not None and self.total:
            return max(0.0, 1 - self.remaining_amount / self.total)
        if self.cut_percent is not None:
            return self.cut_percent / 100
        if self.remaining_percent is not None:
            return 1 - self.remaining_percent / 100
        return None

    @property
    def resolution(self) -> float | None:
        """Smallest change of ``progress`` the page can display."""
        if (self.cut_amount is not None or self.remaining_amount is not None) and self.total:
            return FEN / self.total
        if self.percent_step is not None:
            return self.percent_step / 100
        return None

    @property
    def finished(self) -> bool:
        return (
            (self.remaining_amount is not None and self.remaining_amount < FEN / 2)
            or (self.remaining_percent is not None and self.remaining_percent <= 0)
            or (self.cut_percent is not None and self.cut_percent >= 100)
        )

    @property
    def helpers_seen(self) -> int | None:
        if self.helper_count is not None:
            return self.helper_count
        return len(self.helpers) if self.helpers is not None else None


# ---------------------------------------------------------------------------------------------
# Normalisation


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else None


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _percent_step(raw: Any, value: float) -> float:
    """Display resolution of a percent figure: from the page text when known, else the number."""
    text = raw if isinstance(raw, str) else ""
    m = re.search(r"(\d+)(?:[.．](\d+))?\s*[%％]", text)
    if m:
        decimals = len(m.group(2) or "")
    else:
        s = repr(float(value))
        decimals = 0 if s.endswith(".0") else len(s.split(".")[1]) if "." in s and "e" not in s else 4
    return 10.0**-decimals


def _normalise_rules(text: Any) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    return re.sub(r"\s+", "", text)


def to_point(reading: dict[str, Any]) -> Point | None:
    t = _parse_time(reading.get("taken_at"))
    if t is None:
        return None
    raw = reading.get("raw") if isinstance(reading.get("raw"), dict) else {}
    p = Point(
        capture_id=str(reading.get("capture_id", "")),
        taken_at=reading["taken_at"],
        t=t,
        stage=str(reading.get("unit") or ""),
    )
    p.cut_amount = _num(reading.get("cut_amount"))
    p.remaining_amount = _num(reading.get("remaining_amount"))
    p.cut_percent = _num(reading.get("cut_percent"))
    p.remaining_percent = _num(reading.get("remaining_percent"))
    if p.cut_percent is not None:
        p.percent_step = _percent_step(raw.get("cut_percent"), p.cut_percent)
    elif p.remaining_percent is not None:
        p.percent_step = _percent_step(raw.get("remaining_percent"), p.remaining_percent)
    target = _num(reading.get("target_price"))
    if p.cut_amount is not None and p.remaining_amount is not None and p.cut_amount + p.remaining_amount > 0:
        p.total = p.cut_amount + p.remaining_amount
    elif target and target > 0:
        p.total = target
    count = reading.get("helper_count")
    p.helper_count = count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else None
    helpers = reading.get("helpers")
    if isinstance(helpers, list):
        p.helpers = [h for h in helpers if isinstance(h, dict) and isinstance(h.get("name"), str)]
    deadline = _parse_time(reading.get("deadline"))
    countdown = reading.get("countdown_seconds")
    if deadline is None and isinstance(countdown, int) and not isinstance(countdown, bool) and countdown >= 0:
        deadline = t + timedelta(seconds=countdown)
    p.deadline = deadline
    p.rules_raw = reading.get("rules_text") if isinstance(reading.get("rules_text"), str) else None
    p.rules = _normalise_rules(p.rules_raw)
    p.figures = {
        k: v
        for k, v in (
            ("cut_amount", p.cut_amount),
            ("remaining_amount", p.remaining_amount),
            ("cut_percent", p.cut_percent),
            ("remaining_percent", p.remaining_percent),
        )
        if v is not None
    }
    return p


def to_points(readings: Iterable[dict[str, Any]]) -> list[Point]:
    """Normalised points in page order (taken_at, then capture id): late arrivals slot in place."""
    points = [p for p in (to_point(r) for r in readings if isinstance(r, dict)) if p is not None]
    points.sort(key=lambda p: (p.t, p.capture_id))
    return points


def stages(points: Sequence[Point]) -> list[list[Point]]:
    """Consecutive runs of one unit (yuan, 金币, 钻石...): figures of different stages never compare."""
    runs: list[list[Point]] = []
    for p in points:
        if runs and runs[-1][-1].stage == p.stage:
            runs[-1].append(p)
        else:
            runs.append([p])
    return runs


# ---------------------------------------------------------------------------------------------
# Comparisons between two points of one stage


def same_display(a: Point, b: Point) -> bool | None:
    """True when every figure both show is equal as displayed; None when they share no figure."""
    common = a.figures.keys() & b.figures.keys()
    if not common:
        return None
    return all(abs(a.figures[k] - b.figures[k]) < EPS + (FEN / 2 if "amount" in k else 1e-7) for k in common)


def assists_between(a: Point, b: Point) -> int | None:
    """How many assists arrived from a to b, from stated counts or else from the listed helpers."""
    if a.helper_count is not None and b.helper_count is not None:
        return b.helper_count - a.helper_count
    if a.helpers is not None and b.helpers is not None:
        return len(new_helpers(a, b))
    return None


def _helper_key(h: dict[str, Any]) -> tuple[str, float | None]:
    amount = _num(h.get("amount"))
    return (h["name"].strip(), round(amount, 2) if amount is not None else None)


def new_helpers(a: Point, b: Point) -> list[dict[str, Any]]:
    before = Counter(_helper_key(h) for h in a.helpers or [])
    fresh = []
    for h in b.helpers or []:
        key = _helper_key(h)
        if before[key] > 0:
            before[key] -= 1
        else:
            fresh.append(h)
    return fresh


def vanished_helpers(a: Point, b: Point) -> list[dict[str, Any]]:
    """Helpers listed in a but gone in b, unless the list merely scrolled (a fixed-size window)."""
    if not a.helpers or b.helpers is None:
        return []
    after = Counter(_helper_key(h) for h in b.helpers)
    keys = [_helper_key(h) for h in a.helpers]
    present = []
    for key in keys:
        present.append(after[key] > 0)
        if after[key] > 0:
            after[key] -= 1
    gone = [i for i, ok in enumerate(present) if not ok]
    if not gone:
        return []
    shrank = len(b.helpers) < len(a.helpers)
    first_kept = next((i for i, ok in enumerate(present) if ok), None)
    last_kept = max((i for i, ok in enumerate(present) if ok), default=None)
    middle = [i for i in gone if first_kept is not None and first_kept < i < last_kept]
    if shrank and (b.helper_count is None or a.helper_count is None or b.helper_count <= a.helper_count):
        return [a.helpers[i] for i in gone]
    return [a.helpers[i] for i in middle]


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
# Detectors


def find_regressions(stage: Sequence[Point]) -> list[dict[str, Any]]:
    out = []
    for a, b in pairwise(stage):
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
        if not drops:
            continue
        summary = (
            f"{fmt_span(a.t, b.t)} 期间，页面显示的砍价进度倒退："
            f"从{describe_display(a)}变为{describe_display(b)}。"
        )
        data = {k: {"before": v[0], "after": v[1]} for k, v in drops.items()}
        if a.progress is not None and b.progress is not None:
            data["progress_before"] = round(a.progress, 6)
            data["progress_after"] = round(b.progress, 6)
        out.append(_finding("regression", "critical", a, b, data, summary))
    return out


def find_swallowed_assists(stage: Sequence[Point]) -> list[dict[str, Any]]:
    out = []
    for a, b in pairwise(stage):
        if a.helper_count is not None and b.helper_count is not None and b.helper_count < a.helper_count:
            summary = (
                f"{fmt_span(a.t, b.t)} 期间，页面显示的助力好友人数从 {a.helper_count} 人减少到 "
                f"{b.helper_count} 人。"
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
            data = {
                "vanished": gone,
                "listed_before": len(a.helpers or []),
                "listed_after": len(b.helpers or []),
            }
            out.append(_finding("swallowed_assist", "critical", a, b, data, summary))
        fresh = [h for h in new_helpers(a, b) if (_num(h.get("amount")) or 0) >= FEN - EPS]
        amounts_shown = {"cut_amount", "remaining_amount"} & a.figures.keys() & b.figures.keys()
        if fresh and amounts_shown and same_display(a, b) and not a.finished:
            total = round(sum(_num(h.get("amount")) or 0 for h in fresh), 2)
            names = "、".join(
                f"{h['name']}（{fmt_money(_num(h.get('amount')) or 0, a.stage)}）" for h in fresh[:5]
            )
            summary = (
                f"{fmt_span(a.t, b.t)} 期间，助力列表新增 {len(fresh)} 位好友 {names}，合计 "
                f"{fmt_money(total, a.stage)}，但页面显示的{describe_display(b)}没有变化（金额精确到分）。"
            )
            data = {"new_helpers": fresh, "listed_sum": total, **{k: a.figures[k] for k in amounts_shown}}
            out.append(_finding("swallowed_assist", "warning", a, b, data, summary))
    out.extend(_sum_mismatches(stage))
    return out


def _sum_mismatches(stage: Sequence[Point]) -> list[dict[str, Any]]:
    """Listed helper amounts adding up to more than the total cut (less is normal: own first cut)."""
    out = []
    run: list[Point] = []

    def mismatch(p: Point) -> float | None:
        if p.cut_amount is None or not p.helpers:
            return None
        amounts = [_num(h.get("amount")) for h in p.helpers]
        if any(x is None for x in amounts):
            return None
        listed = sum(amounts)
        tolerance = FEN + FEN / 2 * len(amounts)  # each listed amount is rounded to the fen
        return listed if listed - p.cut_amount > tolerance else None

    def flush() -> None:
        if not run:
            return
        a, b = run[0], run[-1]
        listed = round(mismatch(b) or 0, 2)
        summary = (
            f"{fmt_span(a.t, b.t)}，页面助力列表中 {len(b.helpers or [])} 位好友的砍价金额合计 "
            f"{fmt_money(listed, b.stage)}，多于页面显示的已砍 {fmt_money(b.cut_amount or 0, b.stage)}。"
        )
        data = {"listed_sum": listed, "cut_amount": b.cut_amount, "listed_helpers": len(b.helpers or [])}
        out.append(_finding("swallowed_assist", "warning", a, b, data, summary))
        run.clear()

    for p in stage:
        if mismatch(p) is not None:
            run.append(p)
        else:
            flush()
    flush()
    return out


def find_stalls(stage: Sequence[Point], th: Thresholds) -> list[dict[str, Any]]:
    """Runs of unchanged displayed progress during which assists kept arriving."""
    out = []
    i = 0
    while i < len(stage):
        j = i
        assists = 0
        while j + 1 < len(stage) and same_display(stage[i], stage[j + 1]):
            assists += max(0, assists_between(stage[j], stage[j + 1]) or 0)
            j += 1
        a, b = stage[i], stage[j]
        if j > i and not a.finished:
            span_h = (b.t - a.t).total_seconds() / 3600
            if assists >= th.stall_min_assists or (assists >= 1 and span_h >= th.stall_long_span_hours):
                severity = "critical" if assists >= th.stall_critical_assists else "warning"
                summary = (
                    f"{fmt_span(a.t, b.t)} 期间新增 {assists} 位好友助力，"
                    f"页面显示的{describe_display(a)}始终没有变化。"
                )
                data = {
                    "assists": assists,
                    "captures": j - i + 1,
                    "hours": round(span_h, 2),
                    "display": dict(a.figures),
                }
                if a.resolution is not None:
                    data["display_resolution"] = a.resolution
                out.append(_finding("stall", severity, a, b, data, summary))
        i = j + 1 if j > i else i + 1
    return out


def _remaining_share(p: Point) -> tuple[float, float] | None:
    """(remaining share, finishing threshold) from the finest figure shown."""
    if p.total and (p.remaining_amount is not None or p.cut_amount is not None):
        rem = p.remaining_amount if p.remaining_amount is not None else p.total - (p.cut_amount or 0)
        return rem / p.total, FEN / p.total
    if p.progress is not None and p.resolution is not None:
        return 1 - p.progress, p.resolution / 2
    return None


def find_asymptote(stage: Sequence[Point], th: Thresholds) -> list[dict[str, Any]]:
    """Fit remaining = r0 · q^n over the assist count n; claim only a slow, well-fitting decay."""
    if any(p.finished for p in stage):
        return []
    by_n: dict[int, tuple[Point, float, float]] = {}
    for p in stage:
        share = _remaining_share(p)
        n = p.helpers_seen
        if share is None or n is None or share[0] <= 0:
            continue
        by_n[n] = (p, *share)  # the latest reading for each helper count
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
    last_p, last_r, eps = pts[-1][1]
    needed = math.ceil(math.log(eps / last_r) / slope) if last_r > eps else 0
    if needed < th.asymptote_implausible_assists:
        return []
    first_p = pts[0][1][0]
    severity = "critical" if needed >= th.asymptote_critical_assists else "warning"
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
        "points": len(pts),
    }
    return [_finding("asymptote", severity, first_p, last_p, data, summary)]


def find_deadline_risk(stage: Sequence[Point], th: Thresholds) -> list[dict[str, Any]]:
    with_progress = [p for p in stage if p.progress is not None]
    if len(with_progress) < 2:
        return []
    last = with_progress[-1]
    deadline = next((p.deadline for p in reversed(stage) if p.deadline is not None), None)
    if last.finished or deadline is None:
        return []
    first = with_progress[0]
    span_h = (last.t - first.t).total_seconds() / 3600
    if span_h * 60 < th.rate_min_span_minutes:
        return []
    gained = (last.progress or 0) - (first.progress or 0)
    rate = gained / span_h  # progress per hour over everything observed, idle time included
    left_h = (deadline - last.t).total_seconds() / 3600
    need = 1 - (last.progress or 0)
    hours_needed = need / rate if rate > 0 else math.inf
    if hours_needed <= left_h:
        return []
    severity = "warning" if left_h < th.deadline_risk_warning_hours else "info"
    when = (
        "已过截止时间"
        if left_h <= 0
        else f"距截止（{fmt_time(deadline.astimezone(last.t.tzinfo))}）还剩 {left_h:.1f} 小时"
    )
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


def find_rule_changes(points: Sequence[Point]) -> list[dict[str, Any]]:
    out = []
    with_rules = [p for p in points if p.rules]
    for a, b in pairwise(with_rules):
        if a.rules == b.rules:
            continue
        before = [line.strip() for line in (a.rules_raw or "").splitlines() if line.strip()]
        after = [line.strip() for line in (b.rules_raw or "").splitlines() if line.strip()]
        diff = list(difflib.unified_diff(before, after, lineterm="", n=0))
        added = [d[1:] for d in diff if d.startswith("+") and not d.startswith("+++")]
        removed = [d[1:] for d in diff if d.startswith("-") and not d.startswith("---")]
        example = (added or removed or [""])[0][:60]
        summary = (
            f"{fmt_span(a.t, b.t)} 期间，页面显示的活动规则发生了变化"
            f"（新增 {len(added)} 处、删除 {len(removed)} 处）"
            + (f"，例如新增：「{example}」。" if added else "。")
        )
        data = {"added": added[:20], "removed": removed[:20]}
        out.append(_finding("rule_change", "warning", a, b, data, summary))
    return out


def find_deadline_changes(points: Sequence[Point], th: Thresholds) -> list[dict[str, Any]]:
    out = []
    timed = [p for p in points if p.deadline is not None]
    for a, b in pairwise(timed):
        delta = (b.deadline - a.deadline).total_seconds()
        if abs(delta) <= th.deadline_tolerance_seconds:
            continue
        earlier = delta < 0
        tz = a.t.tzinfo
        minutes = abs(delta) / 60
        amount = f"{minutes / 60:.1f} 小时" if minutes >= 90 else f"{minutes:.0f} 分钟"
        summary = (
            f"{fmt_span(a.t, b.t)} 期间，按页面倒计时推算的截止时间从 {fmt_time(a.deadline.astimezone(tz))} "
            f"变为 {fmt_time(b.deadline.astimezone(tz))}，{'提前' if earlier else '推后'}了 {amount}。"
        )
        data = {
            "deadline_before": a.deadline.isoformat(),
            "deadline_after": b.deadline.isoformat(),
            "shift_seconds": round(delta),
        }
        out.append(_finding("deadline_change", "warning" if earlier else "info", a, b, data, summary))
    return out


SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


def find_anomalies(
    readings: Iterable[dict[str, Any]], thresholds: Thresholds | None = None
) -> list[dict[str, Any]]:
    """All findings for one campaign, most severe first, then in time order."""
    th = thresholds or Thresholds()
    points = to_points(readings)
    findings: list[dict[str, Any]] = []
    runs = stages(points)
    for stage in runs:
        findings += find_regressions(stage)
        findings += find_swallowed_assists(stage)
        findings += find_stalls(stage, th)
        findings += find_asymptote(stage, th)
    if runs:
        findings += find_deadline_risk(runs[-1], th)
    findings += find_rule_changes(points)
    findings += find_deadline_changes(points, th)
    findings.sort(key=lambda f: (SEVERITY_ORDER[f["severity"]], f["started_at"], f["type"]))
    return findings
