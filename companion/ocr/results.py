"""Read side of OCR: what the job stored for a capture, for the API and the dashboard.

Rows go through the same care as other derived rows: an odd stored value is skipped with a logged
warning (``campaigns/stored.py``'s rule), never an error.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlite_utils

from companion.core.checks import json_or_none

log = logging.getLogger(__name__)
FIELD_ZH = {
    "cut_amount": "已砍金额",
    "remaining_amount": "还差金额",
    "cut_percent": "已砍进度",
    "remaining_percent": "还差进度",
    "target_price": "目标金额",
    "countdown_seconds": "剩余时间",
    "helper_count": "助力人数",
    "*": "整张图",
}
MISSING_ZH = {
    "low_confidence": "图中文字不够清晰，没有采用",
    "conflict": "图中出现了两个不一致的数字，没有采用",
    "unreadable": "数字没有认出来",
    "no_value": "找到了标签，但旁边没有数字",
    "original_missing": "原图文件不在数据目录中",
    "no_friend_proof": "没有认出「助力成功」或帮砍金额，不能作为好友的助力证明",
}


def ocr_result(db: sqlite_utils.Database, capture_id: str) -> dict[str, Any] | None:
    """``{state, facts, missing, disagreements, engine, seconds, read_at}`` or None (not read yet)."""
    rows = db.execute_returning_dicts("SELECT * FROM ocr_results WHERE capture_id = ?", [capture_id])
    if not rows:
        return None
    row = rows[0]
    out: dict[str, Any] = {k: row[k] for k in ("state", "engine", "seconds", "read_at")}
    for key, shape in (("facts", dict), ("missing", dict), ("disagreements", list)):
        value = json_or_none(row[f"{key}_json"])
        if not isinstance(value, shape):
            log.warning("odd stored value skipped: ocr_results.%s_json of %s", key, capture_id)
            value = shape()
        out[key] = value
    return out


def time_source(db: sqlite_utils.Database, capture_id: str) -> dict[str, Any] | None:
    rows = db.execute_returning_dicts(
        "SELECT time_source, file_name FROM capture_times WHERE capture_id = ?", [capture_id]
    )
    return rows[0] if rows else None


def disagreeing_captures(db: sqlite_utils.Database, campaign_id: str) -> list[str]:
    """Ids of the campaign's captures whose picture and page text disagree."""
    rows = db.execute(
        "SELECT o.capture_id FROM ocr_results o JOIN captures k ON k.id = o.capture_id "
        "WHERE k.campaign_id = ? AND o.disagreements_json NOT IN ('[]', '') ORDER BY k.seq",
        [campaign_id],
    ).fetchall()
    return [r[0] for r in rows]
