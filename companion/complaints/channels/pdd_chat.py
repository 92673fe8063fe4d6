"""拼多多官方客服 (the in-app chat): a short message to paste, and the details to send if asked."""

from __future__ import annotations

from typing import Any

from companion.complaints.case import DEMANDS, PROBLEM_STATEMENT, CaseFacts, body_text, field
from companion.complaints.channels.base import Channel


def fields(f: CaseFacts, demands: list[str]) -> list[dict[str, Any]]:
    body = body_text(f, demands)
    stated = PROBLEM_STATEMENT[f.problem]
    top = "；".join(x["summary_zh"].rstrip("。") for x in f.incidents[:2])
    msg = (
        ("您好，关于" if stated else "您好，")
        + f"我参与的砍价活动「{f.title}」"
        + (f"（活动编号 {f.activity_id}）" if f.activity_id else "")
        + (f"：{stated}" if stated else f"出现以下情况：{top}。" if top else "需要核实进度。")
        + (f"存证中还记录到：{top}。" if stated and top else "")
        + f"我已保存 {f.captures} 张带时间的截图（可提供 SHA-256 校验值）。请："
        + "；".join(DEMANDS[d] for d in demands)
        + "。谢谢。"
    )
    return [
        field("message", "客服消息", msg, multiline=True),
        field("details", "详细情况（可按需补充发送）", body, multiline=True),
    ]


CHANNEL = Channel(
    key="pdd_chat",
    name="拼多多官方客服（App 内在线客服）",
    short_name="拼多多在线客服",
    answer_window=(3, 7),
    next_channel="12315",
    fields=fields,
)
