"""The project's vocabulary, one copy each: finding types, severities, capture sources, channels.

Every module that names one of these imports it from here, so a label or an order can't drift
between the detector, the dashboard, the bundle and the complaint drafts. The contract values
(the keys) are fixed by docs/api.md; the Chinese labels are what the user reads.
"""

from __future__ import annotations

# Severities, most severe first; SEVERITY_RANK sorts by it (unknown values sort last).
SEVERITIES = ("critical", "warning", "info")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
SEVERITY_ZH = {"critical": "严重", "warning": "警告", "info": "提示"}

# The seven finding types (docs/detection.md), in the order the docs explain them.
FINDING_TYPES = (
    "regression",
    "swallowed_assist",
    "stall",
    "asymptote",
    "deadline_risk",
    "rule_change",
    "deadline_change",
)
FINDING_TYPE_ZH = {
    "regression": "进度倒退",
    "swallowed_assist": "助力被吞",
    "stall": "进度停滞",
    "asymptote": "永远差一点",
    "deadline_risk": "可能无法按时完成",
    "rule_change": "规则被修改",
    "deadline_change": "截止时间变动",
}

# Where a capture came from (the capture message's ``source``).
CAPTURE_SOURCES = ("extension", "screen", "import")
CAPTURE_SOURCE_ZH = {"extension": "浏览器扩展", "screen": "屏幕区域截图", "import": "导入"}

# Complaint channels, in escalation order; each has a module in companion/complaints/channels/.
CHANNELS = ("pdd_chat", "pdd_hotline", "email", "12315", "heimao", "social_dm")

# What a campaign's complaint is about (chosen per campaign on the complaints page; progress unless
# the user picks another): the case picks the matching demands and legal basis (docs/complaints.md).
PROBLEMS = ("progress", "goods", "account")
PROBLEM_ZH = {
    "progress": "砍价进度异常（助力未计入、进度停滞或倒退）",
    "goods": "收到的商品有质量问题或与描述不符",
    "account": "账号被以“异常”为由限制",
}


def severity_rank(severity: object) -> int:
    return SEVERITY_RANK.get(severity, len(SEVERITIES))  # type: ignore[arg-type]
