"""Chinese wording of times, amounts and displayed progress, shared by findings and complaints.

Sentences say what the page *displayed* ("页面显示的砍价进度为 99.9%"), because a truncating display
cannot prove the true figure (docs/reader.md, "What the display can prove").
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any


def fmt_time(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M")


def fmt_span(a: datetime, b: datetime) -> str:
    """'2026-11-20 14:03 至 14:47' (date once when on the same day); seconds when within one minute."""
    b = b.astimezone(a.tzinfo)
    if a == b:
        return fmt_time(a)
    if fmt_time(a) == fmt_time(b):
        return f"{a.strftime('%Y-%m-%d %H:%M:%S')} 至 {b.strftime('%H:%M:%S')}"
    end = b.strftime("%H:%M") if b.date() == a.date() else fmt_time(b)
    return f"{fmt_time(a)} 至 {end}"


def fmt_money(value: float, unit: str = "") -> str:
    if unit:
        return f"{value:g} {unit}"
    return f"¥{value:.2f}"


def fmt_percent(value: float, step: float | None) -> str:
    decimals = 0 if not step or step >= 1 else max(0, min(6, round(-math.log10(step))))
    return f"{value:.{decimals}f}%"


def percent_step(raw: Any, value: float) -> float:
    """Display resolution of a percent figure: from the page text when known ("52.0%" -> 0.1), else
    the number (52.0 -> 1)."""
    text = raw if isinstance(raw, str) else ""
    m = re.search(r"(\d+)(?:[.．](\d+))?\s*[%％]", text)
    if m:
        decimals = len(m.group(2) or "")
    else:
        s = repr(float(value))
        decimals = 0 if s.endswith(".0") else len(s.split(".")[1]) if "." in s and "e" not in s else 4
    return 10.0**-decimals


def shown_percent(value: float, raw: Any) -> str:
    """A percent as the page showed it: the page's own decimals ("0.0%", "52.0%" stay so, issue #12)."""
    return fmt_percent(value, percent_step(raw, value))


def _display_parts(p: Any, label_cut_percent: bool) -> list[str]:
    """The figures the page showed, percent first, each worded as displayed (amounts in the stage's unit)."""
    parts = []
    if p.cut_percent is not None:
        parts.append(("已砍 " if label_cut_percent else "") + fmt_percent(p.cut_percent, p.percent_step))
    if p.remaining_percent is not None:
        parts.append(f"还差 {fmt_percent(p.remaining_percent, p.percent_step_of('remaining_percent'))}")
    if p.cut_amount is not None:
        parts.append(f"已砍 {fmt_money(p.cut_amount, p.stage)}")
    if p.remaining_amount is not None:
        parts.append(f"还差 {fmt_money(p.remaining_amount, p.stage)}")
    return parts


def describe_display(p: Any) -> str:
    """'砍价进度为 99.9%（还差 0.1%）' / '已砍 ¥98.76、还差 ¥0.52' from whatever the page showed."""
    parts = _display_parts(p, label_cut_percent=True)
    if not parts:
        return "砍价进度（页面未显示数字）"
    return "砍价进度（" + "、".join(parts) + "）"


def display_value(p: Any) -> str | None:
    """'99.9%（还差 ¥0.10）': the figures the page showed, the first one outside the brackets."""
    parts = _display_parts(p, label_cut_percent=False)
    if not parts:
        return None
    return parts[0] + (f"（{'、'.join(parts[1:])}）" if parts[1:] else "")


def fmt_duration(seconds: float) -> str:
    minutes = abs(seconds) / 60
    return f"{minutes / 60:.1f} 小时" if minutes >= 90 else f"{minutes:.0f} 分钟"


def friend_proof_summary(data: dict[str, Any], at: datetime, later: datetime) -> str:
    """A friend's proof the initiator's page never showed: the friend's own words and figure as shown."""
    who = f"好友 {data['friend']}" if data.get("friend") else "一位好友"
    shown = f"「{data['amount_raw']}」" if data.get("amount_raw") else "「助力成功」"
    when = fmt_time(at) + ("" if data.get("time_source") == "page" else "（截图时间）")
    if data.get("shown_by") == "list":
        absent = f"页面的助力列表（共 {data['count_after']} 人，已全部显示）中没有这位好友"
    else:
        absent = f"页面显示的助力好友人数仍为 {data['count_after']} 人（此前为 {data['count_before']} 人）"
    return f"{who}的助力成功截图显示{shown}，时间 {when}；但到 {fmt_time(later)}，{absent}。"
