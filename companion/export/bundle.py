"""Evidence bundle: one ZIP per campaign that anyone can check (docs/evidence.md).

Contents: the original screenshots byte for byte, ``manifest.json`` (every capture row with both
clocks, facts as sent, and its place in the hash chain), ``timeline.csv``, ``findings.json``,
``report.md`` (Chinese), the complaint drafts, and ``SHA256SUMS`` so that after unzipping,
``sha256sum -c SHA256SUMS`` verifies every file with a standard tool; ``bargain-witness verify``
does that and also re-computes each record's chain hash.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from typing import Any, BinaryIO

from companion import __version__
from companion.analysis.wording import fmt_span
from companion.complaints.case import CaseFacts, evidence_name, facts_paragraph, findings_list
from companion.complaints.drafts import draft
from companion.core.timeutil import format_rfc3339, now_local
from companion.core.vocab import CHANNELS, SEVERITY_ZH
from companion.evidence.blobs import BlobStore

FORMAT = "bargain-witness-bundle/1"
VERIFY_TEXT = """砍价存证 · 证据包校验方法
========================

1. 解压本文件夹后，在其中运行（Linux / macOS）：
       sha256sum -c SHA256SUMS
   Windows PowerShell 可逐个运行：Get-FileHash images\\<文件名> -Algorithm SHA256
   每个文件都应显示 OK / 与 SHA256SUMS 中的值一致。

2. 安装了砍价存证助手时，可直接校验压缩包（还会重算每条存证记录的链式哈希）：
       bargain-witness verify 本证据包.zip

manifest.json 中每条记录的 record_hash = SHA-256(JSON[prev_hash, id, campaign_id, taken_at,
received_at, source, page_url, page_title, sha256, mime, width, height, bytes, client_name,
client_version, client_browser, facts_json])，JSON 为紧凑格式（分隔符 "," 与 ":"，不转义中文）。
"""


FIGURE_COLUMNS = (
    "cut_amount",
    "remaining_amount",
    "cut_percent",
    "remaining_percent",
    "helper_count",
    "countdown_seconds",
)


def _timeline_csv(captures: list[dict[str, Any]], readings: dict[str, dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["taken_at", "received_at", "file", "sha256", *FIGURE_COLUMNS])
    for c in captures:
        r = readings.get(c["id"], {})
        writer.writerow(
            [
                c["taken_at"],
                c["received_at"],
                f"images/{evidence_name(c)}",
                c["sha256"],
                *(r.get(k, "") for k in FIGURE_COLUMNS),
            ]
        )
    return "\ufeff" + out.getvalue()  # BOM: Excel opens the Chinese columns correctly


def _report(
    campaign: dict[str, Any],
    case: CaseFacts,
    captures: list[dict[str, Any]],
    findings: list[dict[str, Any]],
    exported_at: str,
) -> str:
    lines = [
        f"# 砍价存证报告：{campaign.get('title') or '（无标题）'}",
        "",
        f"- 页面：{campaign.get('first_url', '')}",
        f"- 截图：{len(captures)} 张"
        + (f"（{fmt_span(case.first_at, case.last_at)}）" if case.first_at and case.last_at else ""),
        f"- 导出时间：{exported_at}（砍价存证 {__version__}）",
        "",
        "## 经过",
        "",
        facts_paragraph(case),
        "",
        "## 发现",
        "",
    ]
    if findings:
        lines += [
            f"{i}. 【{SEVERITY_ZH[f['severity']]}】{f['summary_zh']}" for i, f in enumerate(findings, 1)
        ]
    else:
        lines.append(findings_list(case))
    lines += [
        "",
        "## 截图清单",
        "",
        "| 截图时间（本机） | 助手接收时间 | 文件 | SHA-256 |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| {c['taken_at']} | {c['received_at']} | images/{evidence_name(c)} | {c['sha256']} |"
        for c in captures
    ]
    lines += ["", "校验方法见 VERIFY.txt。", ""]
    return "\n".join(lines)


def write_bundle(
    out: BinaryIO,
    campaign: dict[str, Any],
    captures: list[dict[str, Any]],
    readings: list[dict[str, Any]],
    findings: list[dict[str, Any]],
    case: CaseFacts,
    blobs: BlobStore,
) -> None:
    """Write the ZIP to ``out`` one file at a time (originals stored as is, text deflated), so a
    campaign of thousands of screenshots never sits in memory."""
    exported_at = format_rfc3339(now_local())
    stamp = now_local().timetuple()[:6]
    by_id = {r["capture_id"]: r for r in readings}
    listed: list[dict[str, Any]] = []
    records = []
    with zipfile.ZipFile(out, "w") as zf:

        def add(path: str, data: bytes) -> None:
            kind = zipfile.ZIP_STORED if path.startswith("images/") else zipfile.ZIP_DEFLATED
            zf.writestr(zipfile.ZipInfo(path, date_time=stamp), data, compress_type=kind)
            listed.append({"path": path, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)})

        for c in captures:
            path = f"images/{evidence_name(c)}"
            add(path, blobs.read(c["sha256"], c["mime"]))
            records.append({**c, "file": path})
        add("timeline.csv", _timeline_csv(captures, by_id).encode("utf-8"))
        add("findings.json", json.dumps(findings, ensure_ascii=False, indent=2).encode("utf-8"))
        add("report.md", _report(campaign, case, captures, findings, exported_at).encode("utf-8"))
        for channel in CHANNELS:
            add(f"complaints/{channel}.txt", draft(channel, case)["text"].encode("utf-8"))
        add("VERIFY.txt", VERIFY_TEXT.encode("utf-8"))
        manifest = {
            "format": FORMAT,
            "generator": f"bargain-witness {__version__}",
            "exported_at": exported_at,
            "campaign": campaign,
            "captures": records,
            "files": list(listed),
        }
        add("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
        sums = "".join(f"{f['sha256']}  {f['path']}\n" for f in listed)
        zf.writestr(
            zipfile.ZipInfo("SHA256SUMS", date_time=stamp),
            sums.encode("utf-8"),
            compress_type=zipfile.ZIP_DEFLATED,
        )
