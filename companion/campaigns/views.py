"""The dashboard (Simplified Chinese), server-rendered so it works without JavaScript.

Pages: the campaigns list (``/``), a campaign (``/campaigns/<id>``: chart, findings with their
before/after screenshots, a paginated timeline, newest first), a capture (``/captures/<id>``: the
original and every stored field), settings and pairing (``/settings``), and the demo bargain page.
Thumbnails are made on first request and cached (``thumbnails.py``); the chart is inline SVG
(``charts.py``, fed by ``chart_data.py``); wording helpers are in ``formatting.py``.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for

from companion import __version__
from companion.analysis.incidents import group as group_incidents
from companion.campaigns.chart_data import cached_chart
from companion.campaigns.formatting import (
    data_items,
    figures,
    fmt_duration,
    fmt_local,
    fmt_size,
    fmt_time,
    progress_of,
    thumb_size,
    type_names,
    worst,
)
from companion.campaigns.page_queries import (
    campaign_stats,
    cards_by_id,
    case_timeline,
    neighbours,
    newer_count,
    thumb_source,
    timeline_page,
)
from companion.campaigns.queries import get_capture, get_reading, list_campaigns
from companion.campaigns.sources import source_text
from companion.campaigns.thumbnails import ThumbnailBusy, ThumbnailError
from companion.complaints.channels import CHANNEL_NAMES
from companion.core.checks import time_or_none
from companion.core.config import PUBLIC_TSAS, ConfigError, save_user_config, tsa_settings
from companion.core.db import close_db, get_db
from companion.core.resources import extension_dir
from companion.core.runtime import user_command
from companion.core.services import services
from companion.core.vocab import CAPTURE_SOURCE_ZH, FINDING_TYPE_ZH, SEVERITY_ZH
from companion.core.web import campaign_or_404, error_page
from companion.evidence import capture_files
from companion.evidence.environment import CLOCK_FLAG_ZH
from companion.intake.comm_files import KIND_WORDS as COMM_KIND_ZH
from companion.ocr.results import FIELD_ZH, MISSING_ZH, disagreeing_captures, ocr_result, time_source

bp = Blueprint("dashboard", __name__, template_folder="templates")

PER_PAGE = 100


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "fmt_time": fmt_time,
        "fmt_local": fmt_local,
        "figures": figures,
        "thumb_size": thumb_size,
        "data_items": data_items,
        "type_names": type_names,
        "SEVERITY_ZH": SEVERITY_ZH,
        "TYPE_ZH": FINDING_TYPE_ZH,
        "CLOCK_FLAG_ZH": CLOCK_FLAG_ZH,
        "fmt_size": fmt_size,
        "FILE_KIND_ZH": capture_files.KIND_ZH,
    }


@bp.get("/")
def index():
    db = get_db()
    show_archived = request.args.get("archived") == "1"  # archived campaigns: hidden unless asked
    campaigns = list_campaigns(db, archived=show_archived)
    for c in campaigns:
        c["worst"] = worst(group_incidents(services().analysis.findings(db, c["id"])))
        c["progress"] = progress_of(c.get("latest_reading"))
    return render_template("index.html", campaigns=campaigns, show_archived=show_archived)


@bp.get("/campaigns/<campaign_id>")
def campaign(campaign_id: str):
    db = get_db()
    found = campaign_or_404(campaign_id)
    stats = campaign_stats(db, campaign_id)
    total = stats["capture_count"]
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(pages, max(1, request.args.get("page", 1, type=int) or 1))
    cards = timeline_page(db, campaign_id, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)

    findings = services().analysis.findings(db, campaign_id)
    incidents = group_incidents(findings)
    evidence = cards_by_id(
        db, [i for x in incidents for i in (x.get("before_capture_id"), x.get("after_capture_id"))]
    )
    chart, chart_json, latest = cached_chart(db, campaign_id, incidents, total)
    return render_template(
        "campaign.html",
        campaign=found,
        stats=stats,
        latest=latest,
        latest_progress=progress_of(latest),
        findings=findings,
        incidents=incidents,
        summary=worst(incidents),
        evidence=evidence,
        chart=chart,
        chart_json=chart_json,
        cards=cards,
        page=page,
        pages=pages,
        per_page=PER_PAGE,
        first_index=total - (page - 1) * PER_PAGE,
        disagreeing=disagreeing_captures(db, campaign_id),
        case=case_timeline(db, campaign_id, incidents),
        channel_names=CHANNEL_NAMES,
        COMM_KIND_ZH=COMM_KIND_ZH,
        import_command=user_command("import"),
    )


@bp.get("/captures/<capture_id>")
def capture(capture_id: str):
    db = get_db()
    found = get_capture(db, capture_id)
    if found is None:
        return error_page(404, "找不到这条截图记录：链接可能有误，或它不在当前的数据目录中。")
    campaign_row = campaign_or_404(found["campaign_id"])
    reading = get_reading(db, found["id"]) or {}
    prev_id, next_id = neighbours(db, found)
    position = newer_count(db, found)
    related = [
        f
        for f in services().analysis.findings(db, found["campaign_id"])
        if found["id"] in (f.get("before_capture_id"), f.get("after_capture_id"))
    ]
    # Both in 2000–2100 or no gap shown: an odd stored time must not overflow the subtraction.
    taken, received = time_or_none(found["taken_at"]), time_or_none(found["received_at"])
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
        source_zh=CAPTURE_SOURCE_ZH.get(found["source"], found["source"]),
        ocr=ocr_result(db, found["id"]),
        time_source=time_source(db, found["id"]),
        FIELD_ZH=FIELD_ZH,
        MISSING_ZH=MISSING_ZH,
        # Other features' sections (the recording's player and chunks: companion/recording/views.py).
        extra_sections=[section(found["id"]) for section in services().capture_sections],
        **_files_context(db, found["id"]),
    )


def _files_context(db, capture_id: str) -> dict[str, Any]:
    """The capture's stored files (#15) for ``_capture_files.html``: every file, the full-page parts,
    and the recordings' chunks by recording (for ``_capture_recording.html``)."""
    stored = [capture_files.api_file(row) for row in capture_files.files_of(db, capture_id)]
    recordings: dict[str, list[dict[str, Any]]] = {}
    for f in stored:
        if f["kind"] == "video_chunk" and f["recording_id"]:
            recordings.setdefault(f["recording_id"], []).append(f)
    return {
        "stored_files": stored,
        "full_pages": [f for f in stored if f["kind"] == "full_page"],
        "recordings": recordings,
    }


@bp.get("/captures/<capture_id>/files/<int:file_id>/source")
def capture_source(capture_id: str, file_id: int):
    """A page source as escaped text (never rendered as a page: it is the shop's content)."""
    db = get_db()
    found = get_capture(db, capture_id)
    row = capture_files.get_file(db, capture_id, file_id) if found else None
    if row is None or row["kind"] != "page_source":
        return error_page(404, "找不到这个网页源文件：链接可能有误，或它不在当前的数据目录中。")
    path = services().blobs.path_for(row["sha256"], capture_files.base_mime(row["mime"]))
    try:
        data = path.read_bytes()
    except OSError:
        return error_page(404, "这个网页源文件的原件缺失（请运行 verify 检查存档）。")
    return render_template(
        "capture_source.html",
        capture=found,
        file=capture_files.api_file(row),
        source=source_text(data, row["mime"]),
    )


def _original_path(sha256: str, mime: str):
    return services().blobs.path(sha256, mime)  # a pending original is written first (blobs.py)


@bp.get("/captures/<capture_id>/image")
def capture_image(capture_id: str):
    """The original bytes, unchanged; nosniff + CSP come from the security layer."""
    source = thumb_source(get_db(), capture_id)  # None too for a row whose hash or type is odd
    if source is None:
        abort(404)
    path = _original_path(*source)
    if not path.exists():
        abort(404)
    resp = send_file(path, mimetype=source[1], max_age=31536000)
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
    try:
        path = services().thumbnails.get(sha256, original, wait=current_app.config["THUMBNAIL_WAIT"])
    except ThumbnailBusy:
        abort(503, retry_after=2)
    except ThumbnailError as exc:
        current_app.logger.warning("no thumbnail of capture %s: %s", capture_id, exc)
        abort(404)
    resp = send_file(path, mimetype=services().thumbnails.mime, max_age=31536000)
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp


@bp.get("/settings")
def settings():
    svc = services()
    return render_template(
        "settings.html",
        sections=svc.settings_sections,
        verify_command=user_command("verify"),
        data_dir=current_app.config["DATA_DIR"],
        version=__version__,
        extension_dir=str(extension_dir()),
        tsa=tsa_settings(svc.user_config, svc.data_dir),
        tsa_ca_text=svc.user_config.get("tsa_ca_file") or "",
        public_tsas=PUBLIC_TSAS,
        saved=request.args.get("saved") == "1",
    )


@bp.post("/settings/tsa")
def settings_tsa():
    """Trusted timestamps (docs/evidence.md): which authorities to ask, and the user's own roots."""
    svc = services()
    chosen = [u for u in request.form.getlist("tsa") if u in dict(PUBLIC_TSAS)]
    extra = [line.strip() for line in request.form.get("tsa_extra", "").splitlines() if line.strip()]
    ca = request.form.get("tsa_ca_file", "").strip() or None
    update = {"tsa_urls": list(dict.fromkeys(chosen + extra)) or None, "tsa_ca_file": ca}
    try:
        tsa_settings({**svc.user_config, **{k: v for k, v in update.items() if v is not None}}, svc.data_dir)
    except ConfigError as exc:
        return error_page(400, str(exc))
    svc.user_config = save_user_config(svc.data_dir, update)
    return redirect(url_for("dashboard.settings", saved=1) + "#tsa")


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
