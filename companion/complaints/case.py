"""The case every complaint draft is built from, and the text pieces the channels share.

Built only from the archived facts and findings (docs/complaints.md). Style rules every draft
keeps: times and figures, no emotional words, a clear and reasonable demand, the legal basis
(paraphrased), and the evidence files with their SHA-256. Each channel's fields are in
``channels/``; ``drafts.py`` applies the user's edits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from companion.analysis.incidents import group as group_incidents
from companion.analysis.points import to_points
from companion.analysis.wording import describe_display, fmt_money, fmt_span
from companion.core.vocab import severity_rank

OPERATOR = "上海寻梦信息技术有限公司"
DEMANDS = {
    "restore": "恢复砍价进度，恢复未计入的好友助力记录",
    "ship": "按活动规则认定砍价成功并安排发货",
    "explain": "书面说明本人砍价的真实进度、每位好友助力的实际金额及所依据的活动规则",
    "compensate": "对上述问题给本人造成的损失给予合理补偿",
    "replace": "更换与活动页面描述相符、质量合格的商品",
    "return": "办理退货，退货运费由经营者承担",
    "explain_goods": "书面说明所发商品与活动页面描述不一致或存在质量问题的原因",
    "unrestrict": "解除对本人账号的限制，恢复参与活动和为好友助力的资格",
    "reason": "书面说明判定本人账号“异常”的具体事实及所依据的规则条款",
}
# What the complaint is about (core.vocab.PROBLEMS): the demands offered and ticked by default.
PROBLEM_DEMANDS = {
    "progress": ("restore", "ship", "explain", "compensate"),
    "goods": ("replace", "return", "explain_goods", "compensate"),
    "account": ("unrestrict", "reason", "restore", "compensate"),
}
PROBLEM_DEFAULTS = {
    "progress": ("restore", "explain"),
    "goods": ("replace", "explain_goods"),
    "account": ("unrestrict", "reason"),
}
DEFAULT_DEMANDS = PROBLEM_DEFAULTS["progress"]
# The user's own statement of the problem (they chose it); the archive holds the page it concerns.
PROBLEM_STATEMENT = {
    "progress": "",
    "goods": "本人通过该活动获得的商品存在质量问题或与活动页面的描述不符；活动页面当时展示的内容见所附截图。",
    "account": "本人账号被平台以“账号异常”为由限制参与活动或为好友助力，"
    "本人未收到判定所依据的具体事实和规则的说明。",
}
ECL_17 = (
    "《中华人民共和国电子商务法》第十七条（大意）：电子商务经营者应当全面、真实、准确、及时地披露商品或者服务信息，"
    "保障消费者的知情权和选择权。"
)
CPL_8 = (
    "《中华人民共和国消费者权益保护法》第八条（大意）：消费者享有知悉其购买、使用的商品或者接受的服务的"
    "真实情况的权利。"
)
CPL_20 = (
    "《中华人民共和国消费者权益保护法》第二十条（大意）：经营者向消费者提供有关商品或者服务的信息，应当真实、全面，"
    "不得作虚假或者引人误解的宣传。"
)
ECL_59 = (
    "《中华人民共和国电子商务法》第五十九条（大意）：电子商务经营者应当建立便捷、有效的投诉、举报机制，"
    "及时受理并处理投诉、举报。"
)
CPL_23 = (
    "《中华人民共和国消费者权益保护法》第二十三条（大意）：经营者以广告、产品说明、实物样品或者其他方式表明商品质量状况的，"
    "应当保证其提供的商品的实际质量与表明的质量状况相符。"
)
CPL_24 = (
    "《中华人民共和国消费者权益保护法》第二十四条（大意）：经营者提供的商品不符合质量要求的，消费者可以依照国家规定、"
    "当事人约定退货，或者要求经营者履行更换、修理等义务；没有国家规定和当事人约定的，消费者可以自收到商品之日起七日内退货。"
)
LEGAL_BASIS = (
    ECL_17,
    CPL_8,
    CPL_20,
    ECL_59,
    "参考案例：上海市长宁区人民法院 2022 年审理的砍价纠纷案中，页面显示进度为“0.9%”而真实进度为 0.9996427%，"
    "法院认为平台未如实披露真实进度，侵害了消费者的知情权。",
)
# Per problem; only articles whose text docs/complaints.md lists as checked.
PROBLEM_BASIS = {
    "progress": LEGAL_BASIS,
    "goods": (CPL_23, CPL_24, CPL_20, ECL_17, ECL_59),
    "account": (ECL_17, CPL_8, ECL_59),
}
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
    findings: list[dict[str, Any]]  # the warning and critical findings
    evidence: list[dict[str, str]]
    # The warning and critical incidents (analysis/incidents.py): drafts speak per incident, so one
    # frozen period is one item with the assists inside it, not one item per pair of captures.
    incidents: list[dict[str, Any]] = field(default_factory=list)
    problem: str = "progress"  # core.vocab.PROBLEMS: what the complaint is about, the user's choice


def evidence_name(capture: dict[str, Any]) -> str:
    """File name of a capture in complaints and bundles: time taken + short hash, sortable.

    Only letters, digits and '-' from the stored values, so an odd row can't name a path elsewhere."""
    taken = str(capture.get("taken_at") or "")[:19].replace("-", "").replace(":", "").replace("T", "-")
    short = re.sub(r"[^0-9A-Za-z]", "", str(capture.get("sha256") or ""))[:8]
    ext = "jpg" if capture.get("mime") == "image/jpeg" else "png"
    return f"{re.sub(r'[^0-9A-Za-z-]', '', taken)}_{short}.{ext}"


def activity_id_from(url: str) -> str:
    params = dict(parse_qsl(urlsplit(url).query))
    return next((params[k] for k in ID_KEYS if params.get(k)), "")


def case_facts(
    campaign: dict[str, Any],
    readings: list[dict[str, Any]],
    captures: list[dict[str, Any]],
    findings: list[dict[str, Any]],
    problem: str = "progress",
) -> CaseFacts:
    points = to_points(readings)
    with_progress = [p for p in points if p.figures]
    helpers = [p.helpers_seen for p in points if p.helpers_seen is not None]
    serious = [f for f in findings if f["severity"] in ("critical", "warning")]
    incidents = [x for x in group_incidents(findings) if x["severity"] in ("critical", "warning")]
    proving = {x[k] for x in incidents for k in ("before_capture_id", "after_capture_id") if x.get(k)}
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
        incidents=incidents,
        problem=problem if problem in PROBLEM_DEMANDS else "progress",
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


# At most this many helpers are named per incident; the rest are counted ("等 N 位").
MAX_NAMED_ASSISTS = 12


def assists_text(incident: dict[str, Any]) -> str:
    """'期间新增助力：好友A（¥0.03）、好友B 等 14 位' — the assists inside one incident's period."""
    assists = incident.get("assists") or []
    if not assists:
        return ""
    unit = incident.get("stage") or ""

    def one(a: dict[str, Any]) -> str:
        amount = a.get("amount")
        if not isinstance(amount, (int, float)):
            return str(a.get("name", ""))
        return f"{a.get('name', '')}（{fmt_money(amount, unit)}）"

    named = "、".join(one(a) for a in assists[:MAX_NAMED_ASSISTS])
    more = f" 等 {len(assists)} 位" if len(assists) > MAX_NAMED_ASSISTS else ""
    return f"期间新增助力：{named}{more}。"


def findings_list(f: CaseFacts) -> str:
    """One numbered item per incident: its sentence and the assists inside its period."""
    if not f.incidents:
        return "截至目前，存证记录中未检测到明显的进度异常；本投诉请求平台说明活动进度与规则。"
    items = []
    for i, x in enumerate(f.incidents, 1):
        extra = assists_text(x)
        items.append(f"{i}. {x['summary_zh']}" + (f"\n   {extra}" if extra else ""))
    return "\n".join(items)


def demands_text(demands: list[str]) -> str:
    return "\n".join(f"{i}. {DEMANDS[d]}。" for i, d in enumerate(demands, 1))


def chosen_demands(f: CaseFacts, demands: list[str] | None) -> list[str]:
    """The ticked demands that fit the case's problem (in its order), or that problem's defaults."""
    offered = PROBLEM_DEMANDS[f.problem]
    return [d for d in offered if d in (demands or ())] or list(PROBLEM_DEFAULTS[f.problem])


def worst_incident(f: CaseFacts) -> dict[str, Any] | None:
    """The most severe incident (critical before warning), the earliest of equals."""
    ranked = sorted(enumerate(f.incidents), key=lambda ix: (severity_rank(ix[1]["severity"]), ix[0]))
    return ranked[0][1] if ranked else None


def legal_text(f: CaseFacts) -> str:
    items = list(PROBLEM_BASIS[f.problem])
    if any("rule_change" in x["types"] for x in f.incidents):
        items.insert(1, RULE_CHANGE_BASIS)
    return "\n".join(f"- {x}" for x in items)


def evidence_text(f: CaseFacts) -> str:
    if not f.evidence:
        return "（暂无截图）"
    return "\n".join(
        f"{i}. {e['file']}（截图时间 {e['taken_at'][:19].replace('T', ' ')}，SHA-256：{e['sha256']}）"
        for i, e in enumerate(f.evidence, 1)
    )


TITLE_MAX = 30  # characters: 黑猫投诉's 投诉标题 box takes 30
TITLE_ALIASES = ("标题", "投诉主题", "主题")


def complaint_title(f: CaseFacts) -> str:
    """The form's 投诉标题: the platform, the campaign and what went wrong in one short line; the
    campaign's name is shortened (…) so the whole title fits TITLE_MAX."""
    types = {t for x in f.incidents for t in x["types"]}
    if f.problem == "goods":
        issue = "商品与描述不符"
    elif f.problem == "account":
        issue = "账号被限制"
    elif "rule_change" in types:
        issue = "单方面变更规则"
    elif types & {"swallowed_assist", "regression"}:
        issue = "助力未计入、进度倒退"
    elif types & {"stall", "asymptote"}:
        issue = "砍价进度停滞不前"
    else:
        issue = "砍价进度不透明"
    frame = "拼多多砍价「{}」" + issue
    room = TITLE_MAX - len(frame.format(""))
    name = f.title if len(f.title) <= room else f.title[: room - 1] + "…"
    return frame.format(name)


def problem_type(f: CaseFacts) -> str:
    types = {t for x in f.incidents for t in x["types"]}
    if f.problem == "goods":
        return "商品质量问题（与描述不符）"
    if f.problem == "account":
        return "账号被以“异常”为由限制"
    if "rule_change" in types:
        return "单方面变更活动规则"
    if types & {"swallowed_assist", "regression"}:
        return "虚假宣传（助力未计入/进度倒退）"
    if types & {"stall", "asymptote"}:
        return "虚假宣传（砍价进度与宣传不符）"
    return "活动规则与进度信息不透明"


def field(
    key: str, label: str, value: str, aliases: tuple[str, ...] = (), multiline: bool = False, hint: str = ""
) -> dict:
    """One field of a draft: ``label`` and ``aliases`` are how the form filler finds its input."""
    out = {"key": key, "label": label, "aliases": list(aliases), "value": value, "multiline": multiline}
    if hint:
        out["hint"] = hint
    return out


def body_text(f: CaseFacts, demands: list[str]) -> str:
    """The full complaint text most channels carry: facts, findings, demands, legal basis, evidence."""
    statement = PROBLEM_STATEMENT[f.problem]
    return (
        facts_paragraph(f)
        + (f"\n\n{statement}" if statement else "")
        + f"\n\n存证中发现的情况：\n{findings_list(f)}\n\n"
        f"诉求：\n{demands_text(demands)}\n\n依据：\n{legal_text(f)}\n\n"
        f"证据（截图原件及 SHA-256 校验值）：\n{evidence_text(f)}"
    )
