"""Complaint drafts for each channel (DESIGN §6), built only from the archived facts and findings.

Style rules every draft keeps: times and figures, no emotional words, a clear and reasonable demand,
the legal basis (paraphrased), and the evidence files with their SHA-256. Pinduoduo's only number
shown is the one in the pinduoduo.com footer (021-53395288); the seeds' other two numbers are
Alipay's hotline and a content farm's invention (DESIGN §6), so neither ever appears here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from companion.describe import fmt_span, fmt_time
from companion.points import to_points

CHANNELS = ("pdd_chat", "pdd_hotline", "email", "12315", "heimao")
CHANNEL_NAMES = {
    "pdd_chat": "拼多多官方客服（App 内在线客服）",
    "pdd_hotline": "拼多多客服电话",
    "email": "电子邮件",
    "12315": "全国12315平台",
    "heimao": "黑猫投诉",
}
PDD_HOTLINE = "021-53395288"
PDD_HOTLINE_HOURS = "8:00–21:30（以拼多多官网页脚公布为准）"
OPERATOR = "上海寻梦信息技术有限公司"
# The registered address is not among the checked facts (DESIGN §6): left for the user, with where to look.
ADDRESS_HINT = "请填写企业登记地址（可在国家企业信用信息公示系统查询“上海寻梦信息技术有限公司”）"
DEMANDS = {
    "restore": "恢复砍价进度，恢复未计入的好友助力记录",
    "ship": "按活动规则认定砍价成功并安排发货",
    "explain": "书面说明本人砍价的真实进度、每位好友助力的实际金额及所依据的活动规则",
    "compensate": "对上述问题给本人造成的损失给予合理补偿",
}
DEFAULT_DEMANDS = ("restore", "explain")
LEGAL_BASIS = (
    "《中华人民共和国电子商务法》第十七条（大意）：电子商务经营者应当全面、真实、准确、及时地披露商品或者服务信息，"
    "保障消费者的知情权和选择权。",
    "《中华人民共和国消费者权益保护法》第八条（大意）：消费者享有知悉其购买、使用的商品或者接受的服务的真实情况的权利。",
    "《中华人民共和国消费者权益保护法》第二十条（大意）：经营者向消费者提供有关商品或者服务的信息，应当真实、全面，"
    "不得作虚假或者引人误解的宣传。",
    "《中华人民共和国电子商务法》第五十九条（大意）：电子商务经营者应当建立便捷、有效的投诉、举报机制，及时受理并处理投诉、举报。",
    "参考案例：上海市长宁区人民法院 2022 年审理的砍价纠纷案中，页面显示进度为“0.9%”而真实进度为 0.9996427%，"
    "法院认为平台未如实披露真实进度，侵害了消费者的知情权。",
)
RULE_CHANGE_BASIS = (
    "《中华人民共和国电子商务法》第三十四条（大意）：修改交易规则应当公开征求意见，并至少提前七日予以公示。"
)
ID_KEYS = ("activity_id", "act_id", "bargain_id", "kanjia_id", "order_sn", "order_id", "goods_id")


@dataclass
class CaseFacts:
    """What every draft says, computed once from the archive."""

    title: str
    url: str
    activity_id: str
    first_at: datetime | None
    last_at: datetime | None
    captures: int
    first_display: str
    last_display: str
    helpers_first: int | None
    helpers_last: int | None
    amount: str
    findings: list[dict[str, Any]]
    evidence: list[dict[str, str]]


def evidence_name(capture: dict[str, Any]) -> str:
    """File name of a capture in complaints and bundles: time taken + short hash, sortable."""
    taken = capture["taken_at"][:19].replace("-", "").replace(":", "").replace("T", "-")
    ext = "jpg" if capture.get("mime") == "image/jpeg" else "png"
    return f"{taken}_{capture['sha256'][:8]}.{ext}"


def activity_id_from(url: str) -> str:
    params = dict(parse_qsl(urlsplit(url).query))
    return next((params[k] for k in ID_KEYS if params.get(k)), "")


def case_facts(
    campaign: dict[str, Any],
    readings: list[dict[str, Any]],
    captures: list[dict[str, Any]],
    findings: list[dict[str, Any]],
) -> CaseFacts:
    from companion.describe import describe_display

    points = to_points(readings)
    with_progress = [p for p in points if p.figures]
    helpers = [p.helpers_seen for p in points if p.helpers_seen is not None]
    serious = [f for f in findings if f["severity"] in ("critical", "warning")]
    proving = {f[k] for f in serious for k in ("before_capture_id", "after_capture_id") if f.get(k)}
    # Evidence: the captures that prove the findings first, then the first and the latest capture.
    chosen = [c for c in captures if c["id"] in proving]
    for c in (captures[:1] + captures[-1:]) if captures else []:
        if c not in chosen:
            chosen.append(c)
    chosen.sort(key=lambda c: c["taken_at"])
    total = next((p.total for p in reversed(points) if p.total), None)
    return CaseFacts(
        title=campaign.get("title") or "砍价免费拿活动",
        url=campaign.get("first_url", ""),
        activity_id=activity_id_from(campaign.get("first_url", "")),
        first_at=points[0].t if points else None,
        last_at=points[-1].t if points else None,
        captures=len(captures),
        first_display=describe_display(with_progress[0]) if with_progress else "",
        last_display=describe_display(with_progress[-1]) if with_progress else "",
        helpers_first=helpers[0] if helpers else None,
        helpers_last=helpers[-1] if helpers else None,
        amount=f"{total:.2f}" if total else "",
        findings=serious,
        evidence=[
            {
                "file": evidence_name(c),
                "sha256": c["sha256"],
                "capture_id": c["id"],
                "taken_at": c["taken_at"],
            }
            for c in chosen
        ],
    )


def facts_paragraph(f: CaseFacts) -> str:
    when = fmt_span(f.first_at, f.last_at) if f.first_at and f.last_at else "（时间待补充）"
    lines = [
        f"本人参与拼多多砍价活动「{f.title}」"
        + (f"（活动编号：{f.activity_id}）" if f.activity_id else "")
        + f"。{when} 期间，本人对活动页面截图存证 {f.captures} 次。"
    ]
    if f.first_display and f.first_display == f.last_display and f.captures > 1:
        lines.append(f"各次截图中页面显示的{f.first_display}始终未变。")
    elif f.first_display and f.last_display:
        lines.append(f"首次截图时页面显示{f.first_display}，最近一次截图时页面显示{f.last_display}。")
    if f.helpers_first is not None and f.helpers_last is not None and f.helpers_last != f.helpers_first:
        lines.append(f"同期页面显示的助力好友人数由 {f.helpers_first} 人增至 {f.helpers_last} 人。")
    return "".join(lines)


def findings_list(f: CaseFacts) -> str:
    if not f.findings:
        return "截至目前，存证记录中未检测到明显的进度异常；本投诉请求平台说明活动进度与规则。"
    return "\n".join(f"{i}. {x['summary_zh']}" for i, x in enumerate(f.findings, 1))


def demands_text(demands: list[str]) -> str:
    return "\n".join(f"{i}. {DEMANDS[d]}。" for i, d in enumerate(demands, 1))


def legal_text(f: CaseFacts) -> str:
    items = list(LEGAL_BASIS)
    if any(x["type"] == "rule_change" for x in f.findings):
        items.insert(1, RULE_CHANGE_BASIS)
    return "\n".join(f"- {x}" for x in items)


def evidence_text(f: CaseFacts) -> str:
    if not f.evidence:
        return "（暂无截图）"
    return "\n".join(
        f"{i}. {e['file']}（截图时间 {e['taken_at'][:19].replace('T', ' ')}，SHA-256：{e['sha256']}）"
        for i, e in enumerate(f.evidence, 1)
    )


def problem_type(f: CaseFacts) -> str:
    types = {x["type"] for x in f.findings}
    if "rule_change" in types:
        return "单方面变更活动规则"
    if types & {"swallowed_assist", "regression"}:
        return "虚假宣传（助力未计入/进度倒退）"
    if types & {"stall", "asymptote"}:
        return "虚假宣传（砍价进度与宣传不符）"
    return "活动规则与进度信息不透明"


def _field(
    key: str, label: str, value: str, aliases: tuple[str, ...] = (), multiline: bool = False, hint: str = ""
) -> dict:
    field = {"key": key, "label": label, "aliases": list(aliases), "value": value, "multiline": multiline}
    if hint:
        field["hint"] = hint
    return field


def build_fields(channel: str, f: CaseFacts, demands: list[str]) -> list[dict[str, Any]]:
    """The channel's fields in the order its form or script asks for them."""
    body = (
        f"{facts_paragraph(f)}\n\n存证中发现的情况：\n{findings_list(f)}\n\n"
        f"诉求：\n{demands_text(demands)}\n\n依据：\n{legal_text(f)}\n\n"
        f"证据（截图原件及 SHA-256 校验值）：\n{evidence_text(f)}"
    )
    date = fmt_time(f.first_at)[:10] if f.first_at else ""
    if channel == "pdd_chat":
        top = "；".join(x["summary_zh"].rstrip("。") for x in f.findings[:2])
        msg = (
            f"您好，我参与的砍价活动「{f.title}」"
            + (f"（活动编号 {f.activity_id}）" if f.activity_id else "")
            + (f"出现以下情况：{top}。" if top else "需要核实进度。")
            + f"我已保存 {f.captures} 张带时间的截图（可提供 SHA-256 校验值）。请："
            + "；".join(DEMANDS[d] for d in demands)
            + "。谢谢。"
        )
        return [
            _field("message", "客服消息", msg, multiline=True),
            _field("details", "详细情况（可按需补充发送）", body, multiline=True),
        ]
    if channel == "pdd_hotline":
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
            f"您好，我要反映拼多多砍价活动的问题。{facts_paragraph(f)}\n存证中发现：\n{findings_list(f)}\n"
            f"我的诉求是：\n{demands_text(demands)}\n请问处理时限是多久？麻烦告知您的工号和受理单号。"
        )
        return [
            _field(
                "phone",
                "电话",
                f"{PDD_HOTLINE}（拼多多官网页脚公布的客服及举报电话，服务时间 {PDD_HOTLINE_HOURS}）",
            ),
            _field("checklist", "通话前检查", checklist, multiline=True),
            _field("script", "通话要点", script, multiline=True),
        ]
    if channel == "email":
        subject = f"砍价活动投诉：{f.title}" + (f"（活动编号 {f.activity_id}）" if f.activity_id else "")
        return [
            _field(
                "to",
                "收件人",
                "",
                ("收件人地址",),
                hint="未能核实拼多多的官方投诉邮箱，请自行填写可确认的收件地址",
            ),
            _field("subject", "主题", subject),
            _field("body", "正文", f"拼多多客服：\n\n{body}\n\n请在收到后回复处理结果。", multiline=True),
        ]
    if channel == "12315":
        return [
            _field(
                "company",
                "被投诉企业全称",
                OPERATOR,
                ("被投诉方", "企业名称", "被投诉单位", "被投诉企业名称"),
            ),
            _field("address", "地址", "", ("企业地址", "被投诉企业地址", "经营地址"), hint=ADDRESS_HINT),
            _field("date", "购买/参与日期", date, ("购买日期", "消费日期", "参与日期", "交易日期")),
            _field(
                "order_id",
                "订单号/活动编号",
                f.activity_id,
                ("订单号", "订单编号", "活动编号"),
                hint="" if f.activity_id else "请填写订单号或活动编号（在活动页面或订单详情中查找）",
            ),
            _field("amount", "金额", f.amount, ("涉及金额", "涉诉金额", "购买金额", "消费金额")),
            _field("problem_type", "问题类型", problem_type(f), ("投诉问题类型", "问题类别")),
            _field(
                "content",
                "投诉内容",
                body,
                ("问题描述", "投诉内容/问题描述", "详细说明", "投诉详情"),
                multiline=True,
            ),
            _field(
                "demand", "诉求", "；".join(DEMANDS[d] for d in demands), ("投诉诉求", "投诉要求", "诉求内容")
            ),
        ]
    if channel == "heimao":
        return [
            _field("target", "投诉对象", "拼多多", ("投诉商家",)),
            _field("problem", "投诉问题", problem_type(f), ("投诉问题类型", "问题")),
            _field("demand", "投诉要求", "；".join(DEMANDS[d] for d in demands), ("诉求", "投诉诉求")),
            _field("amount", "涉诉金额", f.amount, ("金额", "涉及金额")),
            _field("content", "详细说明", body, ("投诉内容", "问题描述", "详细描述"), multiline=True),
        ]
    raise ValueError(f"unknown channel {channel}")


def draft(
    channel: str, f: CaseFacts, demands: list[str] | None = None, edits: dict[str, str] | None = None
) -> dict[str, Any]:
    """A channel's draft; the user's saved edits replace generated values field by field."""
    chosen = [d for d in (demands or DEFAULT_DEMANDS) if d in DEMANDS] or list(DEFAULT_DEMANDS)
    edits = edits or {}
    fields = build_fields(channel, f, chosen)
    for field in fields:
        if field["key"] in edits:
            field["generated"] = field["value"]
            field["value"] = edits[field["key"]]
            field["edited"] = True
    text = "\n\n".join(f"【{x['label']}】\n{x['value']}" for x in fields if x["value"])
    return {
        "channel": channel,
        "channel_name": CHANNEL_NAMES[channel],
        "title": f"{CHANNEL_NAMES[channel]}：{f.title}",
        "fields": fields,
        "demands": chosen,
        "demand_options": DEMANDS,
        "attachments": f.evidence,
        "text": text,
        "edited": bool(edits),
    }
