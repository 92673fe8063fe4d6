"""The capture API (/api/v1): the write path's door, the status check, and one capture's record.

This is the contract outside clients rely on (docs/api.md); routes only parse and answer, the work
is in ``ingest.py``.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from companion import __version__
from companion.campaigns.queries import get_capture
from companion.core.db import get_db
from companion.core.errors import DomainError
from companion.core.services import services
from companion.core.timeutil import format_rfc3339, now_local
from companion.core.web import request_json
from companion.evidence.capture_files import api_file, files_of
from companion.evidence.ingest import ingest_capture
from companion.ocr.results import ocr_result, time_source

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/status")
def status():
    """Lets the extension's settings page test the URL and token in one call."""
    return jsonify(
        {
            "ok": True,
            "name": "bargain-witness",
            "version": __version__,
            "server_time": format_rfc3339(now_local()),
        }
    )


@bp.post("/captures")
def post_capture():
    payload = request_json()
    svc = services()
    result = ingest_capture(
        get_db(),
        svc.blobs,
        svc.schema,
        payload,
        max_pixels=current_app.config["MAX_IMAGE_PIXELS"],
        analysis=svc.analysis,
        on_stored=svc.on_capture_stored,
        user_agent=request.headers.get("User-Agent"),
    )
    return jsonify(result.body), result.status


@bp.get("/captures/<capture_id>")
def capture(capture_id: str):
    found = get_capture(get_db(), capture_id)
    if found is None:
        raise DomainError(404, "capture_not_found", f"找不到截图记录 {capture_id}。")
    db = get_db()
    found["ocr"] = ocr_result(db, found["id"])  # null until the OCR job has read the picture
    found["time_source"] = (time_source(db, found["id"]) or {}).get("time_source")
    found["files"] = capture_file_list(db, found)
    return jsonify(found)


def capture_file_list(db, found: dict) -> list[dict]:
    """The capture's own image first (kind ``visible``), then its stored files (issue #15)."""
    visible = {
        "id": None,
        "kind": "visible",
        "mime": found["mime"],
        "sha256": found["sha256"],
        "size": found["bytes"],
        "part": 0,
        "recording_id": None,
        "meta": {"width": found.get("width"), "height": found.get("height")},
        "received_at": found["received_at"],
        "url": f"/captures/{found['id']}/image",
    }
    return [visible, *(api_file(row) for row in files_of(db, found["id"]))]
