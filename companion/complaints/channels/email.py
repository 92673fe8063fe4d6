"""电子邮件: no official complaint address could be confirmed, so the recipient is left to the user."""

from __future__ import annotations

from typing import Any

from companion.complaints.case import CaseFacts, body_text, field
from companion.complaints.channels.base import Channel


def fields(f: CaseFacts, demands: list[str]) -> list[dict[str, Any]]:
    body = body_text(f, demands)
    subject = f"砍价活动投诉：{f.title}" + (f"（活动编号 {f.activity_id}）" if f.activity_id else "")
    return [
        field(
            "to",
            "收件人",
            "",
            ("收件人地址",),
            hint="未能核实拼多多的官方投诉邮箱，请自行填写可确认的收件地址",
        ),
        field("subject", "主题", subject),
        field("body", "正文", f"拼多多客服：\n\n{body}\n\n请在收到后回复处理结果。", multiline=True),
    ]


CHANNEL = Channel(
    key="email",
    name="电子邮件",
    short_name="电子邮件",
    answer_window=(3, 7),
    next_channel="12315",
    fields=fields,
)
