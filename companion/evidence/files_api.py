"""The capture files API (issue #15, docs/api.md "Capture files"): store a full page, a page source or
a recording chunk with a capture, and fetch one back byte for byte.

A stored page is hostile content: it is never served so that it could run in the companion's origin
(``Content-Security-Policy: sandbox``, ``nosniff``, page sources as attachments).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request, send_file

from companion.core.db import get_db
from companion.core.services import services
from companion.core.web import request_json
from companion.evidence import capture_files
from companion.evidence.blobs import EXTENSIONS

bp = Blueprint("capture_files_api", __name__, url_prefix="/api/v1")

SOURCE_NAMES = {"multipart/related": "page-source.mhtml", "text/html": "page-source.html"}


@bp.post("/captures/<capture_id>/files")
def post_file(capture_id: str):
    # A full-page part may be 40 MB (53 MB in Base64): more than a capture's own request limit.
    request.max_content_length = current_app.config["MAX_FILE_REQUEST"]
    upload = capture_files.parse_upload(request_json(), current_app.config["MAX_FULL_PAGE_PIXELS"])
    status, row = capture_files.store(get_db(), services().blobs, capture_id, upload)
    return jsonify({"file": capture_files.api_file(row)}), status


@bp.get("/captures/<capture_id>/files/<int:file_id>")
def get_file(capture_id: str, file_id: int):
    """The exact stored bytes; with the token or a dashboard session (core/security.py)."""
    row = capture_files.get_file(get_db(), capture_id, file_id)
    if row is None:
        abort(404)
    mime = capture_files.base_mime(row["mime"])
    if mime not in EXTENSIONS:  # an odd stored row: no file of ours has that type
        abort(404)
    path = services().blobs.path_for(row["sha256"], mime)
    if not path.is_file():
        abort(404)
    if row["kind"] == "page_source":
        resp = send_file(
            path,
            mimetype="application/octet-stream",
            as_attachment=True,
            download_name=SOURCE_NAMES.get(mime, "page-source.bin"),
        )
    else:
        resp = send_file(path, mimetype=mime, conditional=True)
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp.headers["Cache-Control"] = "no-store"
    return resp
