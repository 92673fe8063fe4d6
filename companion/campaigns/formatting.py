"""How the dashboard words a reading: the figures as the page showed them, times, durations.

Pure functions used by the campaign pages' templates and tooltips (no Flask, no SQLite).
"""

from __future__ import annotations

import json
from typing import Any

from companion.analysis.wording import fmt_money, shown_percent
from companion.campaigns.charts import progress_percent
from companion.campaigns.thumbnails import Thumbnails
from companion.core.checks import time_or_none
from companion.core.vocab import FINDING_TYPE_ZH, SEVERITY_RANK, SEVERITY_ZH, severity_rank


def fmt_time(value: str | None) -> str:
    """'2026-11-20 14:03:05' in the clock the time was recorded with (its offset is on the capture page)."""
    return (value or "")[:19].replace("T", " ")


def fmt_local(value: str | None) -> str:
    """'2026-11-20 14:03:05（北京时间）': a stored RFC 3339 time for a person, in the clock that recorded
    it, with that clock's zone named (UTC+8 is 北京时间); odd text is shown as stored."""
    t = time_or_none(value)
    if t is None or t.utcoffset() is None:
        return value or "—"
    minutes = int(t.utcoffset().total_seconds() // 60)
    zone = {480: "北京时间", 0: "UTC"}.get(minutes)
    if zone is None:
        sign = "+" if minutes >= 0 else "−"
        zone = f"UTC{sign}{abs(minutes) // 60}" + (f":{abs(minutes) % 60:02d}" if minutes % 60 else "")
    return f"{t.strftime('%Y-%m-%d %H:%M:%S')}（{zone}）"


def fmt_pct(value: float, raw: Any = None) -> str:
    """A percent with the decimals the page showed (``raw`` is its text, e.g. "已砍52.0%")."""
    return shown_percent(value, raw)


def raw_text(row: dict[str, Any], field: str) -> str | None:
    """The page's own text of a figure: a full reading's ``raw`` object, or a card's ``raw_<field>``."""
    raw = row.get("raw")
    text = raw.get(field) if isinstance(raw, dict) else row.get(f"raw_{field}")
    return text if isinstance(text, str) else None


def figures(row: dict[str, Any] | None, helpers_key: str = "helpers_seen") -> list[str]:
    """The displayed figures of a reading, in Chinese: ['已砍 99.9%', '还差 ¥0.52', '好友 12 人']."""
    if not row:
        return []
    unit = row.get("unit") or ""
    out = []
    if row.get("cut_percent") is not None:
        out.append(f"已砍 {fmt_pct(row['cut_percent'], raw_text(row, 'cut_percent'))}")
    elif row.get("remaining_percent") is not None:
        out.append(f"还差 {fmt_pct(row['remaining_percent'], raw_text(row, 'remaining_percent'))}")
    if row.get("cut_amount") is not None:
        out.append(f"已砍 {fmt_money(row['cut_amount'], unit)}")
    if row.get("remaining_amount") is not None:
        out.append(f"还差 {fmt_money(row['remaining_amount'], unit)}")
    helpers = row.get(helpers_key)
    if helpers is None and helpers_key != "helper_count":
        helpers = row.get("helper_count")
    if helpers is not None:
        out.append(f"好友 {helpers} 人")
    return out


def progress_of(row: dict[str, Any] | None) -> float | None:
    if not row:
        return None
    return progress_percent(
        row.get("cut_amount"),
        row.get("remaining_amount"),
        row.get("cut_percent"),
        row.get("remaining_percent"),
        row.get("target_price"),
    )


def fmt_duration(seconds: float) -> str:
    sign = "−" if seconds < 0 else "+"
    s = abs(seconds)
    if s < 60:
        return f"{sign}{s:.3f} 秒".replace(".000 秒", " 秒")
    if s < 3600:
        return f"{sign}{int(s // 60)} 分 {s % 60:.0f} 秒"
    if s < 86400:
        return f"{sign}{int(s // 3600)} 小时 {int(s % 3600 // 60)} 分"
    return f"{sign}{int(s // 86400)} 天 {int(s % 86400 // 3600)} 小时"


def thumb_size(row: dict[str, Any]) -> tuple[int, int]:
    return Thumbnails.size_for(row.get("width"), row.get("height"))


def worst(findings: list[dict[str, Any]]) -> dict[str, Any] | None:
    """{'severity', 'label', 'count', 'total', 'counts'} of a campaign's incidents (anything with a
    ``severity``), or None; counted in 起 (events), as people see incidents, not findings."""
    if not findings:
        return None
    counts = {s: sum(1 for f in findings if f.get("severity") == s) for s in SEVERITY_RANK}
    sev = min((f.get("severity") for f in findings), key=severity_rank)
    sev = sev if sev in SEVERITY_ZH else "info"
    return {
        "severity": sev,
        "label": SEVERITY_ZH[sev],
        "count": counts.get(sev, 0),
        "total": len(findings),
        "counts": "，".join(f"{SEVERITY_ZH[s]} {n} 起" for s, n in counts.items() if n),
    }


def data_items(data: Any) -> list[tuple[str, str]]:
    if not isinstance(data, dict):
        return []
    return [(str(k), v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)) for k, v in data.items()]


def type_names(types: Any) -> str:
    """An incident's finding types in Chinese: '进度停滞、助力被吞'."""
    if not isinstance(types, (list, tuple)):
        return ""
    return "、".join(FINDING_TYPE_ZH.get(t, str(t)) for t in types)


def fmt_size(size: Any) -> str:
    """A file's size as a person reads it (1 MB = 1024 × 1024 bytes, as Windows shows it)."""
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return "—"
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
