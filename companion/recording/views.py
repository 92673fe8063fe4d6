"""The capture page's recording section (the player, the chunk list, what a chunk is) and the two
video files it plays: the derived copy (seekable, not evidence) and, until that exists, the
original chunks concatenated in order. Both are served with the dashboard session only, as files
that never run in the companion's origin (``Content-Security-Policy: sandbox``, nosniff)."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, render_template, send_file
from markupsafe import Markup

from companion.campaigns.formatting import fmt_local
from companion.core.db import get_db
from companion.core.services import services
from companion.core.web import error_page
from companion.evidence.capture_files import base_mime
from companion.recording import store
from companion.recording.api import valid_recording_id
from companion.recording.jobs import derived_path, is_current, needs_remux, queue_remux
from companion.recording.present import fmt_ms, fmt_parts, recording_json

bp = Blueprint("recording", __name__, template_folder="templates")
NOT_FOUND = "找不到这段录屏：链接可能有误，或它不在当前的数据目录中。"


def _media_headers(resp: Response) -> Response:
    resp.headers["Content-Security-Policy"] = "sandbox"
    resp.headers["Cache-Control"] = "private, no-cache"
    return resp


@bp.get("/captures/<capture_id>/recordings/<recording_id>/original.webm")
def original(capture_id: str, recording_id: str):
    """The original chunks one after the other: exactly the recorder's bytes, playable in order."""
    chunks = store.chunk_rows(get_db(), capture_id, valid_recording_id(recording_id))
    if not chunks:
        return error_page(404, NOT_FOUND)
    blobs = services().blobs
    paths = [blobs.path_for(c["sha256"], base_mime(c["mime"])) for c in chunks]

    def stream() -> Iterator[bytes]:
        for path in paths:
            if path.exists():  # a file the archive lost is reported by verify, not here
                yield path.read_bytes()

    size = sum(p.stat().st_size for p in paths if p.exists())
    resp = Response(stream(), mimetype="video/webm", headers={"Content-Length": str(size)})
    return _media_headers(resp)


@bp.get("/captures/<capture_id>/recordings/<recording_id>/derived.webm")
def derived(capture_id: str, recording_id: str):
    """The derived copy (派生副本): with a duration and a seek index; byte ranges for seeking."""
    row = store.finished_row(get_db(), capture_id, valid_recording_id(recording_id))
    path = derived_path(recording_id)
    if row is None or not row.get("derived_sha256") or not path.exists():
        return error_page(404, "这段录屏的派生副本还没有做好：请稍后再试，原始分段可以直接播放。")
    return _media_headers(send_file(path, mimetype="video/webm", conditional=True, max_age=0))


def capture_section(capture_id: str) -> Markup | str:
    """The capture page's recordings (none: nothing). A finished recording whose derived copy is
    missing or older than its chunks gets it (re)made by the job worker."""
    db = get_db()
    recordings = store.recordings_of(db, capture_id)
    if not recordings:
        return ""
    shown = []
    for rec in recordings:
        current = bool(rec["finished"]) and is_current(rec["finished"], rec["chunks"])
        if needs_remux(rec["finished"], rec["chunks"]):
            queue_remux(db, capture_id, rec["recording_id"])
        info = recording_json(capture_id, rec)
        shown.append(
            {
                **rec,
                "api": info,
                "use_derived": current,
                "src": info["derived"]["url"] if current else info["original_url"],
            }
        )
    return Markup(
        render_template(
            "recording_section.html",
            recordings=shown,
            fmt_ms=fmt_ms,
            fmt_parts=fmt_parts,
            fmt_local=fmt_local,
        )
    )
