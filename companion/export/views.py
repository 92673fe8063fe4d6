"""Downloads of the evidence bundle: through the API (token) and from the dashboard (same origin)."""

from __future__ import annotations

import tempfile

from flask import Blueprint, send_file

from companion.core.db import get_db
from companion.core.services import services
from companion.core.web import campaign_or_404
from companion.export.assemble import write_campaign_bundle
from companion.export.bundle import top_folder

api_bp = Blueprint("export_api", __name__, url_prefix="/api/v1")
ui_bp = Blueprint("export_ui", __name__)


def _bundle_response(campaign: dict):
    """Built into an anonymous temp file (gone when closed) and streamed from there."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to send_file, which closes it when sent
    try:
        write_campaign_bundle(get_db(), services(), campaign, out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    name = f"{top_folder(campaign['id'])}.zip"
    resp = send_file(out, mimetype="application/zip", as_attachment=True, download_name=name, max_age=0)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@api_bp.get("/campaigns/<campaign_id>/export")
def export_api(campaign_id: str):
    return _bundle_response(campaign_or_404(campaign_id))


@ui_bp.get("/campaigns/<campaign_id>/export")
def export_ui(campaign_id: str):
    return _bundle_response(campaign_or_404(campaign_id))
