"""黑猫投诉 (tousu.sina.com.cn): the fields of its complaint form."""

from __future__ import annotations

from typing import Any

from companion.complaints.case import (
    DEMANDS,
    TITLE_ALIASES,
    CaseFacts,
    body_text,
    complaint_title,
    field,
    problem_type,
)
from companion.complaints.channels.base import Channel


def fields(f: CaseFacts, demands: list[str]) -> list[dict[str, Any]]:
    body = body_text(f, demands)
    return [
        field("target", "投诉对象", "拼多多", ("投诉商家",)),
        field("title", "投诉标题", complaint_title(f), TITLE_ALIASES),
        field("problem", "投诉问题", problem_type(f), ("投诉问题类型", "问题")),
        field("demand", "投诉要求", "；".join(DEMANDS[d] for d in demands), ("诉求", "投诉诉求")),
        field("amount", "涉诉金额", f.amount, ("金额", "涉及金额")),
        field("content", "详细说明", body, ("投诉内容", "问题描述", "详细描述"), multiline=True),
    ]


CHANNEL = Channel(
    key="heimao",
    name="黑猫投诉",
    short_name="黑猫投诉",
    answer_window=(7, 7),  # no statutory period; a reminder after 7 working days
    next_channel=None,
    fields=fields,
)
