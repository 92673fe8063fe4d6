"""A recording as the API answers it (``$defs/Recording`` in shared/schema.json) and the words the
capture page uses for it."""

from __future__ import annotations

from typing import Any

from flask import url_for


def recording_json(capture_id: str, rec: dict[str, Any]) -> dict[str, Any]:
    finished = rec["finished"] or {}
    derived = None
    if finished.get("derived_sha256"):
        derived = {
            "derived": True,
            "mime": "video/webm",
            "sha256": finished["derived_sha256"],
            "size": finished["derived_size"],
            "duration_ms": finished["derived_duration_ms"],
            "url": url_for("recording.derived", capture_id=capture_id, recording_id=rec["recording_id"]),
        }
    return {
        "capture_id": capture_id,
        "recording_id": rec["recording_id"],
        "finished": bool(finished),
        "finished_at": finished.get("finished_at"),
        "chunks_expected": finished.get("chunks"),
        "chunks_received": len(rec["chunks"]),
        "missing_parts": rec["missing_parts"],
        "duration_ms": finished.get("duration_ms"),
        "original_url": url_for(
            "recording.original", capture_id=capture_id, recording_id=rec["recording_id"]
        ),
        "derived": derived,
    }


def fmt_ms(ms: Any) -> str:
    """「1 分 05 秒」, 「4.2 秒」."""
    try:
        value = max(0.0, float(ms) / 1000)
    except (TypeError, ValueError):
        return "—"
    if value < 60:
        return f"{value:.1f} 秒"
    minutes, seconds = divmod(round(value), 60)
    return f"{minutes} 分 {seconds:02d} 秒"
