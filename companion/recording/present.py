"""A recording as the API answers it (``$defs/Recording`` in shared/schema.json) and the words the
capture page uses for it."""

from __future__ import annotations

import math
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
    if not math.isfinite(value):  # a client's meta is outside input: NaN and infinity are not times
        return "—"
    if value < 60:
        return f"{value:.1f} 秒"
    minutes, seconds = divmod(round(value), 60)
    return f"{minutes} 分 {seconds:02d} 秒"


def fmt_parts(parts: list[int], limit: int = 12) -> str:
    """Missing chunk numbers as the page says them, from 1 and in runs: 「3、5–9、12」; past `limit`
    runs, 「… 等共 N 段」 (a finish call may announce up to a million parts)."""
    runs: list[list[int]] = []
    for p in sorted(parts):
        if runs and p == runs[-1][1] + 1:
            runs[-1][1] = p
        else:
            runs.append([p, p])
    words = [f"{a + 1}" if a == b else f"{a + 1}–{b + 1}" for a, b in runs[:limit]]
    text = "、".join(words)
    return f"{text} 等共 {len(parts):,} 段" if len(runs) > limit else text
