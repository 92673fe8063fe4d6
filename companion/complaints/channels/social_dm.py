"""拼多多官方微博/微信公众号私信: an auxiliary channel (docs/complaints.md), one short message.

A private message must stay short: MESSAGE_MAX characters (docs/complaints.md says why). It still
names the campaign (its name cut to TITLE_MAX), the worst incident with its figures and times, and
the demand; when the whole message is too long, it drops the least needed parts first (the capture
count, the other incidents' count, the activity id), then shortens the campaign's name to
SHORT_TITLE, then keeps only the first two demands.
"""

from __future__ import annotations

from typing import Any

from companion.complaints.case import (
    DEMANDS,
    PROBLEM_STATEMENT,
    CaseFacts,
    field,
    worst_incident,
)
from companion.complaints.channels.base import Channel

MESSAGE_MAX = 500  # characters (字), a conservative limit for a private message
TITLE_MAX = 40  # characters of the campaign's name a message carries
SHORT_TITLE = 16  # ... and when the message must shrink

TO_HINT = (
    "在微博或微信中搜索“拼多多”，认准带官方认证标识的账号后发私信；本工具未核实这些账号的具体名称。"
    "私信是辅助渠道，请同时通过平台客服或全国12315平台正式投诉"
)
MESSAGE_HINT = f"私信内容不超过 {MESSAGE_MAX} 字；截图可在私信中另行发送，完整说明见其他渠道的草稿"


def _title(f: CaseFacts, short: bool) -> str:
    room = SHORT_TITLE if short else TITLE_MAX
    return f.title if len(f.title) <= room else f.title[: room - 1] + "…"


def _compose(f: CaseFacts, demands: list[str], step: int) -> str:
    """The message at shrink step 0 (everything) to 3 (shortest)."""
    worst = worst_incident(f)
    stated = PROBLEM_STATEMENT[f.problem]
    parts = [
        f"您好，我想反映拼多多砍价活动「{_title(f, step >= 2)}」的问题"
        + (f"（活动编号 {f.activity_id}）" if f.activity_id and step < 1 else "")
        + "。"
    ]
    if stated:
        parts.append(stated)
    if worst:
        parts.append(f"存证中最严重的情况：{worst['summary_zh'].rstrip('。')}。")
        others = len(f.incidents) - 1
        if others > 0 and step < 1:
            parts.append(f"另有 {others} 项异常记录。")
    elif not stated:
        parts.append("存证中暂未检测到明显的进度异常，请核实本人的真实进度。")
    if step < 1:
        parts.append(f"我保存了 {f.captures} 张带时间的截图（附 SHA-256 校验值），可按需提供。")
    chosen = demands[:2] if step >= 3 else demands
    parts.append("请：" + "；".join(DEMANDS[d] for d in chosen) + "。请回复处理结果，谢谢。")
    return "".join(parts)


def message(f: CaseFacts, demands: list[str]) -> str:
    """The fullest message within MESSAGE_MAX characters."""
    for step in range(4):
        text = _compose(f, demands, step)
        if len(text) <= MESSAGE_MAX:
            return text
    return text[: MESSAGE_MAX - 1] + "…"  # only an incident sentence far longer than any rule writes


def fields(f: CaseFacts, demands: list[str]) -> list[dict[str, Any]]:
    return [
        field("to", "发送对象", "拼多多官方微博或微信公众号", ("收件人",), hint=TO_HINT),
        field(
            "message", "私信内容", message(f, demands), ("私信", "消息"), multiline=True, hint=MESSAGE_HINT
        ),
    ]


CHANNEL = Channel(
    key="social_dm",
    name="拼多多官方微博/微信公众号私信",
    short_name="微博/微信私信",
    answer_window=(3, 7),  # no published window: treated like the platform's own channels
    next_channel="12315",
    fields=fields,
)
