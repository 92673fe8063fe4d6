"""全国12315平台: a complaint against Pinduoduo's operator, field by field as the 12315 form asks.

Its inputs block paste, so the extension fills these fields directly (docs/formfill.md).
"""

from __future__ import annotations

from typing import Any

from companion.analysis.wording import fmt_time
from companion.complaints.case import (
    DEMANDS,
    OPERATOR,
    TITLE_ALIASES,
    CaseFacts,
    body_text,
    complaint_title,
    field,
    problem_type,
)
from companion.complaints.channels.base import Channel

# The registered address is not among the checked facts: left for the user, with where to look.
ADDRESS_HINT = "请填写企业登记地址（可在国家企业信用信息公示系统查询“上海寻梦信息技术有限公司”）"


def fields(f: CaseFacts, demands: list[str]) -> list[dict[str, Any]]:
    body = body_text(f, demands)
    date = fmt_time(f.first_at)[:10] if f.first_at else ""
    return [
        field(
            "company",
            "被投诉企业全称",
            OPERATOR,
            ("被投诉方", "企业名称", "被投诉单位", "被投诉企业名称"),
        ),
        field("title", "投诉标题", complaint_title(f), TITLE_ALIASES),
        field("address", "地址", "", ("企业地址", "被投诉企业地址", "经营地址"), hint=ADDRESS_HINT),
        field("date", "购买/参与日期", date, ("购买日期", "消费日期", "参与日期", "交易日期")),
        field(
            "order_id",
            "订单号/活动编号",
            f.activity_id,
            ("订单号", "订单编号", "活动编号"),
            hint="" if f.activity_id else "请填写订单号或活动编号（在活动页面或订单详情中查找）",
        ),
        field("amount", "金额", f.amount, ("涉及金额", "涉诉金额", "购买金额", "消费金额")),
        field("problem_type", "问题类型", problem_type(f), ("投诉问题类型", "问题类别")),
        field(
            "content",
            "投诉内容",
            body,
            ("问题描述", "投诉内容/问题描述", "详细说明", "投诉详情"),
            multiline=True,
        ),
        field("demand", "诉求", "；".join(DEMANDS[d] for d in demands), ("投诉诉求", "投诉要求", "诉求内容")),
    ]


CHANNEL = Channel(
    key="12315",
    name="全国12315平台",
    short_name="全国12315平台",
    answer_window=(7, 7),  # the authority should decide within 7 working days whether to accept it
    next_channel="heimao",
    fields=fields,
)
