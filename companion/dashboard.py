"""The dashboard (Simplified Chinese), server-rendered so it works without JavaScript."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, send_file, url_for

from companion import __version__
from companion.db import get_db
from companion.paths import EXTENSION_DIR
from companion.queries import campaign_captures, campaign_readings, get_campaign, get_capture, list_campaigns

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index():
    return render_template("index.html", campaigns=list_campaigns(get_db()))


@bp.get("/campaigns/<campaign_id>")
def campaign(campaign_id: str):
    db = get_db()
    found = get_campaign(db, campaign_id)
    if found is None:
        abort(404)
    readings = {r["capture_id"]: r for r in campaign_readings(db, campaign_id)}
    return render_template(
        "campaign.html", campaign=found, captures=campaign_captures(db, campaign_id), readings=readings
    )


@bp.get("/captures/<capture_id>/image")
def capture_image(capture_id: str):
    """The original bytes, unchanged; nosniff + CSP come from the security layer."""
    found = get_capture(get_db(), capture_id)
    if found is None:
        abort(404)
    blobs = current_app.extensions["bargain_witness"]["blobs"]
    path = blobs.path_for(found["sha256"], found["mime"])
    if not path.exists():
        abort(404)
    resp = send_file(path, mimetype=found["mime"], max_age=31536000)
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
