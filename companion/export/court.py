"""Court-ready papers of the bundle (#16): ``evidence_list.html`` (证据目录) and ``complaint_draft.html``
(a 民事起诉状 skeleton marked as a draft to check with a lawyer).

Both are printable A4 HTML, no script, no remote resource, rendered by Jinja with autoescape and the
``t`` filter (``text.html``) on page-derived text. Every figure, time and hash in them comes from the
stored records: the captures (times, files, SHA-256), their readings (the displayed figures), the
incidents' sentences (``analysis/incidents.py``) and the trusted times of the bundle's timestamps.
What the records cannot give (the plaintiff, the defendant's address and registration number, the
court) is left as a placeholder 【请填写……】; nothing is filed or sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2

from companion.campaigns.formatting import figures, fmt_local, type_names
from companion.complaints.case import (
    DEFAULT_DEMANDS,
    DEMANDS,
    LEGAL_BASIS,
    OPERATOR,
    RULE_CHANGE_BASIS,
    CaseFacts,
    assists_text,
    facts_paragraph,
)
from companion.core.vocab import CAPTURE_SOURCE_ZH, SEVERITY_ZH
from companion.evidence.capture_files import KIND_ZH
from companion.evidence.environment import CLOCK_FLAG_ZH
from companion.export.proofs import Proofs
from companion.export.text import html

EVIDENCE_LIST = "evidence_list.html"
COMPLAINT_DRAFT = "complaint_draft.html"
DRAFT_BANNER = "草稿：请在律师指导下核对修改，本工具不提供法律意见，也不会替你提交"
SOURCE_ZH = {
    "extension": "拼多多活动页面，本人在电脑浏览器中用「砍价存证」扩展截图",
    "screen": "拼多多活动页面，「砍价存证」截取本人电脑屏幕上的区域",
    "import": "本人手机截图，导入「砍价存证」",
}
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
_ENV.filters["t"] = html


def _item(capture: dict[str, Any], record: dict[str, Any], reading: dict[str, Any] | None, files, proofs):
    source = record.get("source") if record.get("source") in SOURCE_ZH else "extension"
    return {
        "attachments": attachments(proofs.capture_files, capture["id"]),
        "capture_id": capture["id"],
        "comm": False,
        "roles": [],  # (incident number, '之前' | '之后')
        "purposes": [],
        "source": SOURCE_ZH[source],
        "source_kind": CAPTURE_SOURCE_ZH.get(source, source),
        "taken": fmt_local(capture.get("taken_at")),
        "received": fmt_local(capture.get("received_at")),
        "trusted": fmt_local(proofs.trusted_at[capture["id"]]) if capture["id"] in proofs.trusted_at else "",
        "clock_flag": CLOCK_FLAG_ZH.get(capture.get("clock_flag"), capture.get("clock_flag") or ""),
        "shown": "、".join(figures(reading, "helper_count")),
        "file": files.get(capture["id"], ""),
        "sha256": capture.get("sha256") or "",
    }


def evidence_items(
    case: CaseFacts,
    captures: list[dict[str, Any]],
    readings: list[dict[str, Any]],
    files: dict[str, str],
    proofs: Proofs,
) -> list[dict[str, Any]]:
    """证据1 … in the order a court reads them: for each warning/critical incident (worst first, as
    the complaint drafts cite them) its before and after captures, then every other capture in time
    order. A capture that proves two incidents is one item with both purposes."""
    records = {r["id"]: r for r in proofs.records}
    by_reading = {r["capture_id"]: r for r in readings}
    by_id = {c["id"]: c for c in captures}
    items: dict[str, dict[str, Any]] = {}
    for n, x in enumerate(case.incidents, 1):
        for role, key in (("之前", "before_capture_id"), ("之后", "after_capture_id")):
            cid = x.get(key)
            if cid not in by_id:
                continue
            if cid not in items:
                items[cid] = _item(by_id[cid], records.get(cid, {}), by_reading.get(cid), files, proofs)
            items[cid]["roles"].append((n, role))
    proving = list(items.values())
    others = []
    for c in captures:
        if c["id"] in items:
            continue
        item = _item(c, records.get(c["id"], {}), by_reading.get(c["id"]), files, proofs)
        shown = item["shown"]
        item["purposes"].append(
            f"证明该时刻活动页面显示：{shown}。"
            if shown
            else "证明该时刻活动页面的状态（未读出页面上的数字）。"
        )
        others.append(item)
    out = proving + others
    for i, item in enumerate(out, 1):
        item["n"] = i
    numbers = {(n, role): it["n"] for it in proving for n, role in it["roles"]}
    for item in proving:
        item["name"] = "活动页面截图（" + "、".join(f"事件{n}{role}" for n, role in item["roles"]) + "）"
        for n, role in item["roles"]:
            x = case.incidents[n - 1]
            partner = numbers.get((n, "之后" if role == "之前" else "之前"))
            against = f"与证据{partner}对照，" if partner and partner != item["n"] else ""
            item["purposes"].append(
                f"事件{n}（{type_names(x['types'])}）{role}的页面。{against}证明：{x['summary_zh']}"
            )
    for item in others:
        item["name"] = "活动页面截图"
    for row in proofs.communications:  # chats, calls, e-mails the user added (#16), after the pages
        out.append(_comm_item(row, len(out) + 1))
    return out


def attachments(rows: list[dict[str, Any]], capture_id: str) -> list[dict[str, str]]:
    """The files a capture carries (#15) as lines of its item: each full-page part and page source
    with its hash; a recording as one line (its chunks' hashes are in manifest.json and SHA256SUMS)."""
    out: list[dict[str, str]] = []
    chunks: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row.get("capture_id") != capture_id:
            continue
        if row.get("kind") == "video_chunk":
            chunks.setdefault(str(row.get("recording_id")), []).append(row)
            continue
        label = KIND_ZH.get(str(row.get("kind")), "附件")
        if row.get("kind") == "full_page":
            label += f"（第 {int(row.get('part') or 0) + 1} 段）"
        out.append({"label": label, "file": str(row.get("file", "")), "sha256": str(row.get("sha256", ""))})
    for parts in chunks.values():
        first, last = parts[0].get("file", ""), parts[-1].get("file", "")
        out.append(
            {
                "label": f"录屏（{len(parts)} 个片段，每段的 SHA-256 见 SHA256SUMS）",
                "file": f"{first} … {last}" if len(parts) > 1 else str(first),
                "sha256": "",
            }
        )
    return out


COMM_NAME_ZH = {"chat": "客服聊天截图", "call": "通话录音", "email": "电子邮件"}
COMM_SOURCE_ZH = {
    "chat": "本人手机截取的与客服的聊天记录，添加到「砍价存证」",
    "call": "本人与客服通话的录音，添加到「砍价存证」",
    "email": "本人收到或发出的电子邮件（.eml 原件），添加到「砍价存证」",
}
TIME_SOURCE_ZH = {
    "email_date": "邮件的 Date 信头",
    "mp4_mvhd": "录音文件内记录的创建时间",
    "exif": "照片 EXIF",
    "file_name": "文件名",
    "user": "本人填写",
}


def _comm_item(row: dict[str, Any], n: int) -> dict[str, Any]:
    """One communication as an item of the list: its time, where that came from, the user's note."""
    call = [f"拨打号码 {row['phone_number']}" if row.get("phone_number") else ""]
    call.append(f"客服工号 {row['agent_id']}" if row.get("agent_id") else "")
    purposes = [f"证明：{row['note']}" if row.get("note") else "（添加时未写明证明目的）"]
    if any(call):
        purposes.append("，".join(c for c in call if c) + "。")
    kind = row.get("kind")
    return {
        "n": n,
        "comm": True,
        "attachments": [],
        "capture_id": "",
        "roles": [],
        "purposes": purposes,
        "name": COMM_NAME_ZH.get(kind, kind),
        "source": COMM_SOURCE_ZH.get(kind, ""),
        "source_kind": COMM_NAME_ZH.get(kind, kind),
        "taken": fmt_local(row.get("occurred_at")),
        "time_source": TIME_SOURCE_ZH.get(row.get("time_source"), row.get("time_source") or ""),
        "received": fmt_local(row.get("added_at")),
        "trusted": "",
        "clock_flag": "",
        "shown": "",
        "file": row.get("file") or "",
        "original_name": row.get("file_name") or "",
        "sha256": row.get("sha256") or "",
    }


def _incident_rows(case: CaseFacts, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each incident with the numbers of the evidence items that prove it."""
    numbers = {(n, role): it["n"] for it in items for n, role in it["roles"]}
    rows = []
    for n, x in enumerate(case.incidents, 1):
        cited = sorted({numbers[k] for k in ((n, "之前"), (n, "之后")) if k in numbers})
        rows.append(
            {
                "n": n,
                "severity": SEVERITY_ZH.get(x["severity"], x["severity"]),
                "types": type_names(x["types"]),
                "summary": x["summary_zh"],
                "assists": assists_text(x),
                "cited": "、".join(f"证据{c}" for c in cited),
            }
        )
    return rows


def legal_items(case: CaseFacts) -> list[str]:
    """The checked legal basis of the complaint drafts (case.py), paraphrased and marked 大意."""
    items = list(LEGAL_BASIS)
    if any("rule_change" in x["types"] for x in case.incidents):
        items.insert(1, RULE_CHANGE_BASIS)
    return items


def render_evidence_list(
    campaign: dict[str, Any], case: CaseFacts, items: list[dict[str, Any]], folder: str
) -> Iterator[str]:
    """In pieces (Jinja's ``generate``), like report.html: one row per capture, thousands of them."""
    return _ENV.get_template(EVIDENCE_LIST).generate(
        campaign=campaign,
        case=case,
        items=items,
        incidents=len(case.incidents),
        proving=sum(1 for it in items if it["roles"]),
        folder=folder,
        banner=DRAFT_BANNER,
    )


def render_complaint_draft(
    campaign: dict[str, Any], case: CaseFacts, items: list[dict[str, Any]], folder: str
) -> str:
    demands = [DEMANDS[d] for d in DEFAULT_DEMANDS]
    optional = [DEMANDS[d] for d in DEMANDS if d not in DEFAULT_DEMANDS]
    return _ENV.get_template(COMPLAINT_DRAFT).render(
        campaign=campaign,
        case=case,
        facts=facts_paragraph(case),
        incidents=_incident_rows(case, items),
        demands=demands,
        optional=optional,
        legal=legal_items(case),
        items=items,
        operator=OPERATOR,
        folder=folder,
        banner=DRAFT_BANNER,
    )
