"""The dashboard (Simplified Chinese), server-rendered so it works without JavaScript.

Pages: the campaigns list (``/``), a campaign (``/campaigns/<id>``: chart, findings with their
before/after screenshots, a paginated timeline, newest first), a capture (``/captures/<id>``: the
original and every stored field), settings and pairing (``/settings``). Thumbnails are made on first
request and cached (``companion/thumbnails.py``); the chart is inline SVG (``companion/charts.py``).
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for
from markupsafe import Markup

from companion import __version__
from companion.analysis import current_findings
from companion.charts import (
    MAX_POINTS,
    MAX_POINTS_NARROW,
    NARROW,
    WIDE,
    ChartPoint,
    downsample_indices,
    parse_time,
    progress_percent,
    render_svg,
)
from companion.dashboard_queries import (
    campaign_stats,
    cards_by_id,
    chart_series,
    neighbours,
    newer_count,
    reading_rowids,
    readings_by_rowid,
    thumb_source,
    timeline_page,
)
from companion.db import close_db, get_db
from companion.describe import fmt_money
from companion.paths import EXTENSION_DIR
from companion.queries import get_campaign, get_capture, get_reading, list_campaigns
from companion.thumbnails import Thumbnails

bp = Blueprint("dashboard", __name__)

PER_PAGE = 100
SEVERITY_ZH = {"critical": "严重", "warning": "警告", "info": "提示"}
SEVERITY_RANK = {"critical": 0, "warning": 1, "info": 2}
TYPE_ZH = {
    "regression": "进度倒退",
    "swallowed_assist": "助力被吞",
    "stall": "进度停滞",
    "asymptote": "永远差一点",
    "deadline_risk": "可能无法按时完成",
    "rule_change": "规则被修改",
    "deadline_change": "截止时间变动",
}
SOURCE_ZH = {"extension": "浏览器扩展", "screen": "屏幕区域截图", "import": "导入"}


@bp.record_once
def _setup(state) -> None:
    ext = state.app.extensions["bargain_witness"]
    ext.setdefault("thumbnails", Thumbnails(Path(state.app.config["DATA_DIR"]) / "thumbs"))
    ext.setdefault("chart_cache", ChartCache())


def _thumbs() -> Thumbnails:
    return current_app.extensions["bargain_witness"]["thumbnails"]


def _not_found(message: str):
    return render_template("error.html", status=404, message=message), 404


# ---------------------------------------------------------------------------------------------
# Wording helpers, available in this blueprint's templates


def fmt_time(value: str | None) -> str:
    """'2026-11-20 14:03:05' in the clock the time was recorded with (its offset is on the capture page)."""
    return (value or "")[:19].replace("T", " ")


def fmt_pct(value: float) -> str:
    return f"{value:g}%"


def figures(row: dict[str, Any] | None, helpers_key: str = "helpers_seen") -> list[str]:
    """The displayed figures of a reading, in Chinese: ['已砍 99.9%', '还差 ¥0.52', '好友 12 人']."""
    if not row:
        return []
    unit = row.get("unit") or ""
    out = []
    if row.get("cut_percent") is not None:
        out.append(f"已砍 {fmt_pct(row['cut_percent'])}")
    elif row.get("remaining_percent") is not None:
        out.append(f"还差 {fmt_pct(row['remaining_percent'])}")
    if row.get("cut_amount") is not None:
        out.append(f"已砍 {fmt_money(row['cut_amount'], unit)}")
    if row.get("remaining_amount") is not None:
        out.append(f"还差 {fmt_money(row['remaining_amount'], unit)}")
    helpers = row.get(helpers_key)
    if helpers is None and helpers_key != "helper_count":
        helpers = row.get("helper_count")
    if helpers is not None:
        out.append(f"好友 {helpers} 人")
    return out


def progress_of(row: dict[str, Any] | None) -> float | None:
    if not row:
        return None
    return progress_percent(
        row.get("cut_amount"),
        row.get("remaining_amount"),
        row.get("cut_percent"),
        row.get("remaining_percent"),
        row.get("target_price"),
    )


def fmt_duration(seconds: float) -> str:
    sign = "−" if seconds < 0 else "+"
    s = abs(seconds)
    if s < 60:
        return f"{sign}{s:.3f} 秒".replace(".000 秒", " 秒")
    if s < 3600:
        return f"{sign}{int(s // 60)} 分 {s % 60:.0f} 秒"
    if s < 86400:
        return f"{sign}{int(s // 3600)} 小时 {int(s % 3600 // 60)} 分"
    return f"{sign}{int(s // 86400)} 天 {int(s % 86400 // 3600)} 小时"


def thumb_size(row: dict[str, Any]) -> tuple[int, int]:
    return Thumbnails.size_for(row.get("width"), row.get("height"))


def worst(findings: list[dict[str, Any]]) -> dict[str, Any] | None:
    """{'severity', 'label', 'count', 'total', 'counts'} of a campaign's findings, or None."""
    if not findings:
        return None
    counts = {s: sum(1 for f in findings if f.get("severity") == s) for s in SEVERITY_RANK}
    sev = min((f.get("severity") for f in findings), key=lambda s: SEVERITY_RANK.get(s, 3))
    sev = sev if sev in SEVERITY_ZH else "info"
    return {
        "severity": sev,
        "label": SEVERITY_ZH[sev],
        "count": counts.get(sev, 0),
        "total": len(findings),
        "counts": "，".join(f"{SEVERITY_ZH[s]} {n} 项" for s, n in counts.items() if n),
    }


def data_items(data: Any) -> list[tuple[str, str]]:
    if not isinstance(data, dict):
        return []
    return [(str(k), v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)) for k, v in data.items()]


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "fmt_time": fmt_time,
        "figures": figures,
        "thumb_size": thumb_size,
        "data_items": data_items,
        "SEVERITY_ZH": SEVERITY_ZH,
        "TYPE_ZH": TYPE_ZH,
    }


# ---------------------------------------------------------------------------------------------
# Pages


@bp.get("/")
def index():
    db = get_db()
    campaigns = list_campaigns(db)
    for c in campaigns:
        c["worst"] = worst(current_findings(db, c["id"]))
        c["progress"] = progress_of(c.get("latest_reading"))
    return render_template("index.html", campaigns=campaigns)


@bp.get("/campaigns/<campaign_id>")
def campaign(campaign_id: str):
    db = get_db()
    found = get_campaign(db, campaign_id)
    if found is None:
        return _not_found("找不到这个活动：链接可能有误，或它不在当前的数据目录中。")
    stats = campaign_stats(db, campaign_id)
    total = stats["capture_count"]
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(pages, max(1, request.args.get("page", 1, type=int) or 1))
    cards = timeline_page(db, campaign_id, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)

    findings = current_findings(db, campaign_id)
    evidence = cards_by_id(
        db, [i for f in findings for i in (f.get("before_capture_id"), f.get("after_capture_id"))]
    )
    chart, latest = _cached_chart(db, campaign_id, findings, total)
    return render_template(
        "campaign.html",
        campaign=found,
        stats=stats,
        latest=latest,
        latest_progress=progress_of(latest),
        findings=findings,
        summary=worst(findings),
        evidence=evidence,
        chart=chart,
        cards=cards,
        page=page,
        pages=pages,
        per_page=PER_PAGE,
        first_index=total - (page - 1) * PER_PAGE,
    )


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


def _cached_chart(db, campaign_id: str, findings: list[dict[str, Any]], total: int):
    state = db.execute(
        "SELECT COUNT(*), MAX(rowid) FROM readings WHERE campaign_id = ?", [campaign_id]
    ).fetchone()
    drawn = tuple(
        tuple(
            f.get(k)
            for k in (
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
    cache: ChartCache = current_app.extensions["bargain_witness"]["chart_cache"]
    value = cache.get(campaign_id, key)
    if value is None:
        value = _chart(db, campaign_id, findings, total)
        cache.put(campaign_id, key, value)
    return value


def _chart(db, campaign_id: str, findings: list[dict[str, Any]], total: int):
    """The chart (two drawings, one shown by CSS) and the latest reading (for the page header).

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
            t = parse_time(row["taken_at"])
            made[i] = t and ChartPoint(row["capture_id"], t, progress[i], helpers[i], _point_label(row))
        return made[i]

    base = url_for("dashboard.capture", capture_id="CAPTURE_ID")

    def href(cid: str) -> str:
        return base.replace("CAPTURE_ID", cid)

    def draw(indices: list[int], layout) -> Markup:
        points = [p for p in map(point, indices) if p is not None]
        return render_svg(points, findings, href=href, total=total, layout=layout)

    latest = details[series[-1][0]] if series else None
    return draw(wide, WIDE) + draw(narrow, NARROW), latest


def _point_label(row: dict[str, Any]) -> str:
    return " · ".join([fmt_time(row["taken_at"]), *figures(row)])


@bp.get("/captures/<capture_id>")
def capture(capture_id: str):
    db = get_db()
    found = get_capture(db, capture_id)
    if found is None:
        return _not_found("找不到这条截图记录：链接可能有误，或它不在当前的数据目录中。")
    campaign_row = get_campaign(db, found["campaign_id"])
    reading = get_reading(db, found["id"]) or {}
    prev_id, next_id = neighbours(db, found)
    position = newer_count(db, found)
    related = [
        f
        for f in current_findings(db, found["campaign_id"])
        if found["id"] in (f.get("before_capture_id"), f.get("after_capture_id"))
    ]
    taken, received = parse_time(found["taken_at"]), parse_time(found["received_at"])
    clock_gap = fmt_duration((received - taken).total_seconds()) if taken and received else None
    derived_deadline = reading.get("deadline") if "deadline" not in found["facts"] else None
    url = found["page_url"] or ""
    return render_template(
        "capture.html",
        capture=found,
        campaign=campaign_row,
        reading=reading,
        prev_id=prev_id,
        next_id=next_id,
        timeline_page=position // PER_PAGE + 1,
        related=related,
        clock_gap=clock_gap,
        derived_deadline=derived_deadline,
        page_url_is_web=url.startswith(("http://", "https://")),
        facts_pretty=json.dumps(found["facts"], ensure_ascii=False, indent=2, sort_keys=True),
        source_zh=SOURCE_ZH.get(found["source"], found["source"]),
    )


def _original_path(sha256: str, mime: str):
    blobs = current_app.extensions["bargain_witness"]["blobs"]
    return blobs.path_for(sha256, mime)


@bp.get("/captures/<capture_id>/image")
def capture_image(capture_id: str):
    """The original bytes, unchanged; nosniff + CSP come from the security layer."""
    found = get_capture(get_db(), capture_id)
    if found is None:
        abort(404)
    path = _original_path(found["sha256"], found["mime"])
    if not path.exists():
        abort(404)
    resp = send_file(path, mimetype=found["mime"], max_age=31536000)
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp


@bp.get("/captures/<capture_id>/thumb")
def capture_thumb(capture_id: str):
    """A cached thumbnail (≤ 320 px wide), made on first request; the original is only read."""
    source = thumb_source(get_db(), capture_id)
    # Decoding and encoding take tens of milliseconds: hold no database connection meanwhile.
    close_db()
    if source is None:
        abort(404)
    sha256, mime = source
    original = _original_path(sha256, mime)
    if not original.exists():
        abort(404)
    path = _thumbs().get(sha256, original)
    resp = send_file(path, mimetype=_thumbs().mime, max_age=31536000)
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp


@bp.get("/settings")
def settings():
    return render_template(
        "settings.html",
        token=current_app.config["API_TOKEN"],
        data_dir=current_app.config["DATA_DIR"],
        version=__version__,
        extension_dir=str(EXTENSION_DIR),
    )


@bp.get("/demo")
def demo_redirect():
    return redirect(url_for("dashboard.demo", filename="index.html"))


@bp.get("/demo/")
@bp.get("/demo/<path:filename>")
def demo(filename: str = "index.html"):
    """The simulated bargain page for newcomers (no Pinduoduo needed)."""
    resp = current_app.send_static_file(f"demo/{filename}")
    # A page imitating a shop may use inline styles; scripts still come only from our own files.
    resp.headers["Content-Security-Policy"] = (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'"
    )
    return resp
