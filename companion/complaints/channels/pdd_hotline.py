"""拼多多客服电话: a checklist and a call script.

The only number shown is the one in the pinduoduo.com footer (021-53395288); the seeds' other two
numbers are Alipay's hotline and a content farm's invention (docs/complaints.md), so neither appears.
"""

from __future__ import annotations

from typing import Any

from companion.analysis.wording import fmt_span
from companion.complaints.case import (
    PROBLEM_STATEMENT,
    CaseFacts,
    demands_text,
    facts_paragraph,
    field,
    findings_list,
)
from companion.complaints.channels.base import Channel

PDD_HOTLINE = "021-53395288"
PDD_HOTLINE_HOURS = "8:00–21:30（以拼多多官网页脚公布为准）"


def fields(f: CaseFacts, demands: list[str]) -> list[dict[str, Any]]:
    span = fmt_span(f.first_at, f.last_at) if f.first_at and f.last_at else "—"
    checklist = "\n".join(
        [
            "□ 准备好活动编号/订单号：" + (f.activity_id or "（在活动页面或订单详情中查找）"),
            f"□ 准备好时间与数字：{span}，{f.last_display or '当前进度'}",
            "□ 说明问题（见下方通话要点），并提出诉求",
            "□ 记下客服工号、来电时间和受理单号（如有）",
            "□ 询问答复期限；挂断后在「砍价存证」中记录投诉日期和单号",
        ]
    )
    script = (
        f"您好，我要反映拼多多砍价活动的问题。{facts_paragraph(f)}{PROBLEM_STATEMENT[f.problem]}\n存证中发现：\n{findings_list(f)}\n"
        f"我的诉求是：\n{demands_text(demands)}\n请问处理时限是多久？麻烦告知您的工号和受理单号。"
    )
    return [
        field(
            "phone",
            "电话",
            f"{PDD_HOTLINE}（拼多多官网页脚公布的客服及举报电话，服务时间 {PDD_HOTLINE_HOURS}）",
        ),
        field("checklist", "通话前检查", checklist, multiline=True),
        field("script", "通话要点", script, multiline=True),
    ]


CHANNEL = Channel(
    key="pdd_hotline",
    name="拼多多客服电话",
    short_name="拼多多客服电话",
    answer_window=(3, 7),
    next_channel="12315",
    fields=fields,
)
