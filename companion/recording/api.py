"""``POST /api/v1/captures/<capture_id>/recordings/<recording_id>/finish``: the extension says a
recording ended (stop, the tab closed or navigated) and how many chunks it made. Idempotent: a
retry answers the first call (200). Finishing queues the derived copy (jobs.py)."""

from __future__ import annotations

import uuid

from flask import Blueprint, jsonify

from companion.campaigns.queries import get_capture
from companion.core.db import get_db
from companion.core.errors import DomainError
from companion.core.web import json_body
from companion.recording import store
from companion.recording.jobs import queue_remux
from companion.recording.present import recording_json

bp = Blueprint("recording_api", __name__, url_prefix="/api/v1")


def valid_recording_id(recording_id: str) -> str:
    try:
        return str(uuid.UUID(recording_id))
    except ValueError:
        raise DomainError(400, "invalid_recording_id", "录屏编号无效：应为扩展生成的 UUID。") from None


@bp.post("/captures/<capture_id>/recordings/<recording_id>/finish")
def finish(capture_id: str, recording_id: str):
    recording_id = valid_recording_id(recording_id)
    body = json_body("recording_finish")
    db = get_db()
    if get_capture(db, capture_id) is None:
        raise DomainError(
            404, "capture_not_found", f"找不到截图记录 {capture_id}：录屏属于开始时的那张截图。"
        )
    _row, created = store.record_finish(db, capture_id, recording_id, body["chunks"], body["duration_ms"])
    queue_remux(db, capture_id, recording_id)
    found = next(r for r in store.recordings_of(db, capture_id) if r["recording_id"] == recording_id)
    return jsonify({"recording": recording_json(capture_id, found)}), 201 if created else 200
