"""The campaign chart: progress and helper count over time, as server-rendered inline SVG.

No JavaScript and no CDN (the user may be offline; the CSP allows scripts only from our own
files). Every capture drawn is a link to its page with a ``<title>`` tooltip; findings are shaded
over their time span and link to their card on the page. All text goes through ``escape``.

Long campaigns are downsampled to about ``MAX_POINTS`` points: the series is cut into buckets in
page order and each bucket keeps its min/max progress and min/max helper count; the first and last
captures and every capture a finding cites as before/after are always kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup
from markupsafe import escape as _escape

from companion.analysis.points import progress_percent as shared_progress_percent
from companion.analysis.points import total_of
from companion.core.checks import visible_controls
from companion.core.timeutil import parse_rfc3339_or_none
from companion.core.vocab import SEVERITY_ZH


def escape(value: object) -> Markup:
    """Text into the SVG: escaped, and its control and bidi characters made visible as everywhere on
    the dashboard (``core/web.py shown``; this Markup skips the templates' own)."""
    return _escape(visible_controls(str(value)))


MAX_POINTS = 1000
# The narrow drawing is ~360 px wide: more points than that cannot be told apart.
MAX_POINTS_NARROW = 300


@dataclass(frozen=True)
class ChartPoint:
    capture_id: str
    t: datetime
    progress: float | None  # percent, 0–100
    helpers: int | None
    label: str  # tooltip: time and figures


def progress_percent(
    cut_amount: float | None,
    remaining_amount: float | None,
    cut_percent: float | None,
    remaining_percent: float | None,
    target_price: float | None,
) -> float | None:
    """Progress in percent of a stored reading row (the detector's rule, ``points.progress_percent``)."""
    total = total_of(cut_amount, remaining_amount, target_price)
    return shared_progress_percent(cut_amount, remaining_amount, cut_percent, remaining_percent, total)


def downsample_indices(
    progress: Sequence[float | None],
    helpers: Sequence[int | None],
    max_points: int = MAX_POINTS,
    keep: Iterable[int] = (),
) -> list[int]:
    """Indices of at most about ``max_points`` points (more only if ``keep`` alone is more), sorted.

    Each bucket keeps the index of its min and max progress and min and max helper count. Progress
    and helper count mostly rise together, so first try buckets of half the budget (two points
    each); if that overshoots, use a quarter (up to four points each).
    """
    n = len(progress)
    if n <= max_points:
        return list(range(n))
    base = {0, n - 1} | set(keep)
    room = max(4, max_points - len(base))
    chosen = base
    for per_bucket in (2, 4):
        chosen = set(base)
        size = math.ceil(n / max(1, room // per_bucket))
        for start in range(0, n, size):
            for series in (progress, helpers):
                seg = series[start : start + size]
                values = [v for v in seg if v is not None]
                if values:
                    chosen.add(start + seg.index(min(values)))
                    chosen.add(start + seg.index(max(values)))
        if len(chosen) <= max(max_points, len(base)):
            break
    return sorted(chosen)


def downsample(points: Sequence[ChartPoint], max_points: int = MAX_POINTS, keep: Iterable[str] = ()):
    """The points ``downsample_indices`` keeps; ``keep`` names capture ids."""
    wanted = set(keep)
    idx = downsample_indices(
        [p.progress for p in points],
        [p.helpers for p in points],
        max_points,
        [i for i, p in enumerate(points) if p.capture_id in wanted],
    )
    return [points[i] for i in idx]


# ---------------------------------------------------------------------------------------------
# Scales and ticks


def nice_step(span: float, count: int) -> float:
    raw = span / max(1, count)
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag + 1e-12:
            return m * mag
    return 10 * mag


def _decimals(step: float) -> int:
    return max(0, min(6, -math.floor(math.log10(step) + 1e-9)))


def progress_domain(values: list[float]) -> tuple[float, float, float]:
    """(low, high, step) of the progress axis: 0–100 %, zoomed in when every value is ≥ 50 %."""
    if not values or min(values) < 50:
        return 0.0, 100.0, 20.0
    lo = min(values)
    pad = max((100 - lo) * 0.2, 0.02)
    step = nice_step(100 - (lo - pad), 4)
    low = math.floor((lo - pad) / step + 1e-9) * step
    return max(0.0, low), 100.0, step


TIME_STEPS = [
    timedelta(seconds=s)
    for s in (
        60,
        120,
        300,
        600,
        900,
        1800,
        3600,
        7200,
        10800,
        21600,
        43200,
        86400,
        172800,
        604800,
        1209600,
        2592000,
    )
]


def time_ticks(t0: datetime, t1: datetime, count: int = 6) -> list[datetime]:
    span = t1 - t0
    step = next((s for s in TIME_STEPS if span / s <= count), TIME_STEPS[-1])
    # Align ticks to whole steps of the local clock the captures were taken with.
    base = t0.replace(hour=0, minute=0, second=0, microsecond=0)
    first = base + step * math.ceil((t0 - base) / step)
    ticks, t = [], first
    while t <= t1 and len(ticks) < 50:
        ticks.append(t)
        t += step
    return ticks


def fmt_tick(t: datetime, span: timedelta) -> str:
    if span <= timedelta(hours=20):
        return t.strftime("%H:%M")
    if t.hour == 0 and t.minute == 0:
        return t.strftime("%m-%d")
    return t.strftime("%m-%d %H:%M")


def _n(v: float) -> str:
    return f"{v:.1f}"


# ---------------------------------------------------------------------------------------------
# Rendering


@dataclass(frozen=True)
class Layout:
    """Sizes in viewBox units; CSS sets the font sizes (13–14 units), so a layout is for one display width."""

    name: str = "wide"
    width: int = 960
    left: int = 64
    right: int = 20
    top: int = 34
    progress_h: int = 160
    gap: int = 30
    helpers_h: int = 76
    bottom: int = 30
    time_ticks: int = 6
    legend_gap: int = 150

    @property
    def height(self) -> int:
        return self.top + self.progress_h + self.gap + self.helpers_h + self.bottom

    @property
    def plot_w(self) -> int:
        return self.width - self.left - self.right

    @property
    def helpers_top(self) -> int:
        return self.top + self.progress_h + self.gap


WIDE = Layout()
# Shown instead of WIDE on narrow windows (CSS media query): drawn at about 1:1 on a 390 px phone.
NARROW = Layout(
    name="narrow", width=400, left=52, right=10, progress_h=190, helpers_h=90, time_ticks=3, legend_gap=134
)


def render_svg(
    points: Sequence[ChartPoint],
    findings: Sequence[dict[str, Any]] = (),
    *,
    href: Callable[[str], str],
    finding_href: Callable[[int], str] = lambda i: f"#finding-{i}",
    total: int | None = None,
    layout: Layout = WIDE,
) -> Markup:
    """The chart as one ``<svg>`` element; ``points`` in page order (already downsampled)."""
    L = layout
    ids = f"chart-{L.name}"
    out: list[str] = []
    shown = len(points)
    desc = f"砍价进度与助力好友数随时间变化，共 {total if total is not None else shown} 次截图"
    if total is not None and total > shown:
        desc += f"（图中抽样显示 {shown} 个点）"
    classes = f"chart {L.name}" + (" dense" if shown > 200 else "")
    out.append(
        f'<svg class="{classes}" viewBox="0 0 {L.width} {L.height}" role="img" '
        f'aria-labelledby="{ids}-title {ids}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ids}-title">进度与好友数</title><desc id="{ids}-desc">{escape(desc)}</desc>'
    )
    if not points:
        out.append(
            f'<text class="empty" x="{L.width / 2}" y="{L.height / 2}" text-anchor="middle">暂无截图</text>'
            "</svg>"
        )
        return Markup("".join(out))

    t0, t1 = points[0].t, points[-1].t
    for p in points:
        t0, t1 = min(t0, p.t), max(t1, p.t)
    if t1 <= t0:
        t0, t1 = t0 - timedelta(minutes=5), t1 + timedelta(minutes=5)
    span_s = (t1 - t0).total_seconds()
    tz = points[0].t.tzinfo

    def x(t: datetime) -> float:
        return L.left + (t - t0).total_seconds() / span_s * L.plot_w

    prog_values = [p.progress for p in points if p.progress is not None]
    lo, hi, pstep = progress_domain(prog_values)

    def y_prog(v: float) -> float:
        v = min(hi, max(lo, v))
        return L.top + (hi - v) / (hi - lo) * L.progress_h

    help_values = [p.helpers for p in points if p.helpers is not None]
    hmax = max(help_values, default=0)
    hstep = max(1.0, nice_step(max(hmax, 1), 3))
    htop = max(hstep, math.ceil(max(hmax, 1) / hstep) * hstep)
    h_base = L.helpers_top + L.helpers_h

    def y_help(v: float) -> float:
        return h_base - v / htop * L.helpers_h

    # Legend
    lx = L.left + L.legend_gap
    out.append(
        f'<g class="legend"><line class="line-p" x1="{L.left}" y1="14" x2="{L.left + 22}" y2="14"/>'
        f'<text x="{L.left + 28}" y="18">砍价进度（%）</text>'
        f'<line class="line-h" x1="{lx}" y1="14" x2="{lx + 22}" y2="14"/>'
        f'<text x="{lx + 28}" y="18">助力好友数（人）</text></g>'
    )

    # Panels and grid
    out.append('<g class="grid">')
    out.append(
        f'<rect class="panel" x="{L.left}" y="{L.top}" width="{L.plot_w}" height="{L.progress_h}"/>'
        f'<rect class="panel" x="{L.left}" y="{L.helpers_top}" width="{L.plot_w}" height="{L.helpers_h}"/>'
    )
    dec = _decimals(pstep)
    v = lo
    while v <= hi + 1e-9:
        yy = _n(y_prog(v))
        out.append(
            f'<line x1="{L.left}" y1="{yy}" x2="{L.width - L.right}" y2="{yy}"/>'
            f'<text class="tick" x="{L.left - 6}" y="{yy}" dy="4" text-anchor="end">{v:.{dec}f}%</text>'
        )
        v += pstep
    v = 0.0
    while v <= htop + 1e-9:
        yy = _n(y_help(v))
        out.append(
            f'<line x1="{L.left}" y1="{yy}" x2="{L.width - L.right}" y2="{yy}"/>'
            f'<text class="tick" x="{L.left - 6}" y="{yy}" dy="4" text-anchor="end">{v:g}</text>'
        )
        v += hstep
    span = t1 - t0
    for tick in time_ticks(t0.astimezone(tz), t1.astimezone(tz), L.time_ticks):
        xx = _n(x(tick))
        out.append(
            f'<line x1="{xx}" y1="{L.top}" x2="{xx}" y2="{h_base}"/>'
            f'<text class="tick" x="{xx}" y="{h_base + 18}" text-anchor="middle">'
            f"{escape(fmt_tick(tick, span))}</text>"
        )
    if lo > 0:
        # Zoomed axis: say so, in the empty band the zoom leaves under the lowest value.
        out.append(
            f'<text class="note" x="{L.width - L.right - 6}" y="{L.top + L.progress_h - 8}" '
            f'text-anchor="end">纵轴从 {lo:.{_decimals(pstep)}f}% 起</text>'
        )
    out.append("</g>")

    # Findings: shaded spans (under the lines), each a link to its card
    for i, f in enumerate(findings):
        a, b = (
            parse_rfc3339_or_none(f.get("started_at") or ""),
            parse_rfc3339_or_none(f.get("ended_at") or ""),
        )
        if a is None:
            continue
        b = b or a
        xa, xb = max(L.left, x(a)), min(L.width - L.right, x(b))
        if xb < xa:
            continue
        w = max(4.0, xb - xa)
        sev = f.get("severity") if f.get("severity") in SEVERITY_ZH else "info"
        title = f"{SEVERITY_ZH[sev]}：{f.get('summary_zh') or f.get('type') or ''}"
        out.append(
            f'<a class="finding sev-{sev}" href="{escape(finding_href(i))}"><title>{escape(title)}</title>'
            f'<rect x="{_n(xa - (w - (xb - xa)) / 2)}" y="{L.top}" width="{_n(w)}" height="{L.progress_h}"/>'
            "</a>"
        )

    # Lines
    for cls, ys in (
        ("line-p", [(x(p.t), y_prog(p.progress)) for p in points if p.progress is not None]),
        ("line-h", [(x(p.t), y_help(p.helpers)) for p in points if p.helpers is not None]),
    ):
        if len(ys) > 1:
            pts = " ".join(f"{_n(a)},{_n(b)}" for a, b in ys)
            out.append(f'<polyline class="{cls}" points="{pts}"/>')

    # Points: one link per capture, a circle on each panel, one tooltip
    r = 4 if shown <= 200 else 2.5
    out.append('<g class="points">')
    for p in points:
        xx = _n(x(p.t))
        circles = ""
        if p.progress is not None:
            circles += f'<circle class="pt-p" cx="{xx}" cy="{_n(y_prog(p.progress))}" r="{r}"/>'
        if p.helpers is not None:
            circles += f'<circle class="pt-h" cx="{xx}" cy="{_n(y_help(p.helpers))}" r="{r}"/>'
        if not circles:
            circles = f'<circle class="pt-none" cx="{xx}" cy="{_n(h_base)}" r="{r}"/>'
        out.append(f'<a href="{escape(href(p.capture_id))}"><title>{escape(p.label)}</title>{circles}</a>')
    out.append("</g></svg>")
    return Markup("".join(out))
