"""Evidence bundle: one ZIP per campaign that anyone can check (docs/evidence.md).

Everything sits in one folder ``bargain-witness-<campaign>/``: the original screenshots byte for
byte, ``manifest.json`` (every record as stored, in chain order, with both clocks and the capture
environment), ``timestamps/`` (checkpoints, the authorities' tokens and certificates), ``report.html``
(printable, Chinese), the court papers ``evidence_list.html`` (证据目录) and ``complaint_draft.html``
(民事起诉状 draft; ``court.py``), ``report.md``, ``timeline.csv``, ``findings.json``, the complaint drafts,
``VERIFY.txt`` and ``SHA256SUMS`` (``sha256sum -c SHA256SUMS`` in the folder checks every file).
Page-derived text is escaped for each file's format (``text.py``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from companion import __version__
from companion.analysis.incidents import group as group_incidents
from companion.analysis.wording import fmt_span
from companion.campaigns.formatting import figures
from companion.complaints.case import CaseFacts, evidence_name, facts_paragraph, findings_list
from companion.complaints.drafts import draft
from companion.core.checks import json_or_none
from companion.core.timeutil import format_rfc3339, now_local
from companion.core.vocab import CHANNELS, SEVERITY_ZH
from companion.evidence import capture_files, tsa
from companion.evidence.blobs import EXTENSIONS, BlobStore
from companion.evidence.chain import GENESIS_HASH
from companion.evidence.communications import file_name_of, path_of
from companion.export.court import (
    COMPLAINT_DRAFT,
    EVIDENCE_LIST,
    evidence_items,
    render_complaint_draft,
    render_evidence_list,
)
from companion.export.proofs import Proofs
from companion.export.report import render_report
from companion.export.text import csv_cell, md, plain

log = logging.getLogger(__name__)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
FORMAT = "bargain-witness-bundle/2"
COMM_FOLDER = "communications/"
FILES_FOLDER = "files/"  # full pages, page sources, recording chunks (#15)
Progress = Callable[[int, int], None]  # (files written, files in all)
VERIFY_TEXT = """砍价存证 · 证据包校验方法
========================

1. 在本文件夹中运行（Linux / macOS）：
       sha256sum -c SHA256SUMS
   Windows PowerShell 可逐个运行：Get-FileHash images\\<文件名> -Algorithm SHA256
   每个文件都应显示 OK / 与 SHA256SUMS 中的值一致。这只说明文件与清单一致。

2. 安装了砍价存证助手时，在它的文件夹中用一条命令校验全部内容（压缩包或解压后的文件夹均可）：
       scripts/start verify {zip_name}                （macOS / Linux）
       scripts\\start.bat verify {zip_name}           （Windows）
   它还会重算每条存证记录的链式哈希、检查本活动的记录没有缺漏或调换顺序、离线核对
   timestamps/ 中的可信时间戳（RFC 3161），并逐条列出每张截图最早被哪个可信时间覆盖。

3. 不用本软件也能核对：记录格式和哈希规则见 report.html 的「如何校验」和项目文档
   docs/evidence.md；时间戳可用 OpenSSL 核对，例如
       openssl ts -verify -data timestamps/0001-checkpoint.json \\
           -in timestamps/0001-1.tsr -CAfile timestamps/roots.pem
   （roots.pem 是证据包自带的根证书，请与时间戳机构公布的根证书核对指纹。）
"""
FIGURE_COLUMNS = (
    "cut_amount",
    "remaining_amount",
    "cut_percent",
    "remaining_percent",
    "helper_count",
    "countdown_seconds",
)


def top_folder(campaign_id: str) -> str:
    return f"bargain-witness-{campaign_id}"


def _timeline_csv(
    captures: list[dict[str, Any]], readings: dict[str, dict[str, Any]], files: dict
) -> Iterator[str]:
    """One line at a time (a bundle streams its big files)."""
    out = io.StringIO()
    writer = csv.writer(out)
    yield "\ufeff"  # BOM: Excel opens the Chinese columns correctly
    # "displayed": the figures as the page showed them ("已砍 52.0%"), beside the parsed numbers.
    writer.writerow(["taken_at", "received_at", "file", "sha256", *FIGURE_COLUMNS, "clock_flag", "displayed"])
    yield out.getvalue()  # the header even when no capture follows
    out.seek(0)
    out.truncate()
    for c in captures:
        r = readings.get(c["id"], {})
        row = [c["taken_at"], c["received_at"], files[c["id"]], c["sha256"]]
        row += [r.get(k, "") for k in FIGURE_COLUMNS] + [c.get("clock_flag") or ""]
        row.append(" · ".join(figures(r, "helper_count")))
        writer.writerow([csv_cell(v) for v in row])
        yield out.getvalue()
        out.seek(0)
        out.truncate()


def _report_md(
    campaign: dict[str, Any],
    case: CaseFacts,
    captures: list[dict[str, Any]],
    findings: list[dict[str, Any]],
    files: dict[str, str],
    exported_at: str,
) -> Iterator[str]:
    lines = [
        f"# 砍价存证报告：{md(campaign.get('title') or '（无标题）')}",
        "",
        f"- 页面：{md(campaign.get('first_url', ''))}",
        f"- 截图：{len(captures)} 张"
        + (f"（{fmt_span(case.first_at, case.last_at)}）" if case.first_at and case.last_at else ""),
        f"- 导出时间：{exported_at}（砍价存证 {__version__}）",
        "",
        "## 经过",
        "",
        md(facts_paragraph(case)),
        "",
        "## 异常事件",
        "",
    ]
    grouped = group_incidents(findings)
    if grouped:
        lines += [
            f"{i}. 【{SEVERITY_ZH[x['severity']]}】{md(x['summary_zh'])}（含 {x['finding_count']} 项发现）"
            for i, x in enumerate(grouped, 1)
        ]
    else:
        lines.append(md(findings_list(case)))
    lines += [
        "",
        "## 截图清单",
        "",
        "| 截图时间（本机） | 助手接收时间 | 文件 | SHA-256 |",
        "| --- | --- | --- | --- |",
    ]
    yield "\n".join(lines) + "\n"
    for c in captures:
        yield f"| {md(c['taken_at'])} | {md(c['received_at'])} | {files[c['id']]} | {c['sha256']} |\n"
    yield "\n打印版报告见 report.html；校验方法见 VERIFY.txt。\n"


def _image_paths(records: list[dict[str, Any]]) -> dict[str, str]:
    """capture id -> path in the bundle; one file per distinct original, names never collide."""
    paths: dict[str, str] = {}
    taken: dict[str, str] = {}  # path -> sha256
    for r in records:
        path = f"images/{evidence_name(r)}"
        stem, dot, ext = path.rpartition(".")
        n = 1
        while path in taken and taken[path] != r["sha256"]:
            n += 1
            path = f"{stem}-{n}{dot}{ext}"
        taken[path] = r["sha256"]
        paths[r["id"]] = path
    return paths


def write_bundle(
    out: BinaryIO,
    campaign: dict[str, Any],
    captures: list[dict[str, Any]],
    readings: list[dict[str, Any]],
    findings: list[dict[str, Any]],
    case: CaseFacts,
    blobs: BlobStore,
    proofs: Proofs,
    progress: Progress | None = None,
    comm_root: Path | None = None,
) -> None:
    """Write the ZIP to ``out`` one file at a time (originals stored as is, text deflated), so a
    campaign of thousands of screenshots never sits in memory. ``captures`` are in time order
    (for people), ``proofs.records`` in chain order (for the manifest)."""
    exported_at = format_rfc3339(now_local())
    stamp = now_local().timetuple()[:6]
    root = top_folder(campaign["id"])
    by_id = {r["capture_id"]: r for r in readings}
    files = _image_paths(proofs.records)
    total = (
        len(set(files.values()))
        + len(proofs.communications)
        + len(proofs.capture_files)
        + len(CHANNELS)
        + 10
        + sum(1 + len(c["tokens"]) for c in proofs.checkpoints)
    )
    listed: list[dict[str, Any]] = []
    with zipfile.ZipFile(out, "w") as zf:

        def add(path: str, data: bytes | Path | Iterable[str]) -> None:
            """One file, written (and hashed) piece by piece: text comes as an iterable of str, a
            stored file as its path (read 1 MiB at a time: a recording never sits in memory)."""
            info = zipfile.ZipInfo(f"{root}/{path}", date_time=stamp)
            stored = path.startswith(("images/", COMM_FOLDER, FILES_FOLDER))
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            digest, size, pending = hashlib.sha256(), 0, []

            def flush(fh) -> int:
                raw = "".join(pending).encode("utf-8")
                fh.write(raw)
                digest.update(raw)
                pending.clear()
                return len(raw)

            with zf.open(info, "w", force_zip64=True) as fh:
                if isinstance(data, bytes):
                    fh.write(data)
                    digest.update(data)
                    size = len(data)
                elif isinstance(data, Path):
                    with open(data, "rb") as src:
                        while chunk := src.read(1 << 20):
                            fh.write(chunk)
                            digest.update(chunk)
                            size += len(chunk)
                else:  # pieces gathered into writes of about 64 KiB: fewer, larger compressions
                    held = 0
                    for piece in data:
                        pending.append(piece)
                        held += len(piece)
                        if held >= 65536:
                            size += flush(fh)
                            held = 0
                    size += flush(fh)
            listed.append({"path": path, "sha256": digest.hexdigest(), "bytes": size})
            if progress:
                progress(len(listed), total)

        written: set[str] = set()
        for r in proofs.records:
            if files[r["id"]] not in written:
                written.add(files[r["id"]])
                data = _original(blobs, r)
                if data is not None:  # else the bundle's verify names the file as missing
                    add(files[r["id"]], data)
        for row in proofs.communications:  # chats, calls, e-mails byte for byte (#16)
            row["file"] = f"{COMM_FOLDER}{file_name_of(row)}"
            original = _comm_original(comm_root, row)
            if original is not None and row["file"] not in written:
                written.add(row["file"])
                add(row["file"], original)
        for row in proofs.capture_files:  # full pages, page sources, recording chunks (#15)
            row["file"] = f"{FILES_FOLDER}{capture_files.file_name_of(row)}"
            stored_at = _file_path(blobs, row)
            if stored_at is not None and row["file"] not in written:
                written.add(row["file"])
                add(row["file"], stored_at)
        add("timeline.csv", _timeline_csv(captures, by_id, files))
        add("findings.json", json.dumps(findings, ensure_ascii=False, indent=2).encode("utf-8"))
        add("report.md", _report_md(campaign, case, captures, findings, files, exported_at))
        for channel in CHANNELS:
            add(f"complaints/{channel}.txt", plain(draft(channel, case)["text"]).encode("utf-8"))
        stamps = _add_timestamps(add, proofs)
        add(
            "report.html",
            render_report(campaign, case, captures, readings, findings, proofs, files, exported_at, root),
        )
        items = evidence_items(case, captures, readings, files, proofs)  # the court papers (#16)
        add(EVIDENCE_LIST, render_evidence_list(campaign, case, items, root))
        add(COMPLAINT_DRAFT, render_complaint_draft(campaign, case, items, root).encode("utf-8"))
        add("VERIFY.txt", VERIFY_TEXT.format(zip_name=f"{root}.zip").encode("utf-8"))
        add("manifest.json", _manifest(campaign, proofs, files, stamps, list(listed), exported_at))
        sums = "".join(f"{f['sha256']}  {f['path']}\n" for f in listed)
        zf.writestr(
            zipfile.ZipInfo(f"{root}/SHA256SUMS", date_time=stamp),
            sums.encode("utf-8"),
            compress_type=zipfile.ZIP_DEFLATED,
        )


def _manifest(
    campaign: dict[str, Any],
    proofs: Proofs,
    files: dict[str, str],
    stamps: dict[str, Any],
    listed: list[dict[str, Any]],
    exported_at: str,
) -> Iterator[str]:
    """manifest.json in pieces, one record at a time: the same JSON ``json.dumps(indent=2)`` of the
    whole manifest writes, without the whole of it (30 MB at 10,000 captures) as one string."""
    records = proofs.records
    manifest = {
        "format": FORMAT,
        "generator": f"bargain-witness {__version__}",
        "exported_at": exported_at,
        "campaign": campaign,
        "chain": {
            "count": len(records),
            "head": records[-1]["record_hash"] if records else GENESIS_HASH,
            "rules": "docs/evidence.md: record_hash (format 1 and 2), leaf_hash, checkpoint",
        },
        "captures": [],
        "campaign_events": proofs.events,  # renames and archivings (docs/evidence.md)
        "communications": proofs.communications,  # chats, calls, e-mails, chained (#16)
        "capture_files": proofs.capture_files,  # full pages, page sources, recordings, chained (#15)
        "timestamps": stamps,
        "files": listed,
    }
    encoder = json.JSONEncoder(ensure_ascii=False, indent=2, default=_odd_value)
    head, _, tail = encoder.encode(manifest).partition('"captures": []')
    yield head + '"captures": ['
    for i, r in enumerate(records):
        record = {**r, "file": files[r["id"]], "facts": json_or_none(r["facts_json"] or "{}")}
        text = encoder.encode(record).replace("\n", "\n    ")
        yield ("," if i else "") + "\n    " + text
    yield ("\n  ]" if records else "]") + tail


def _comm_original(root: Path | None, row: dict[str, Any]) -> bytes | None:
    """A communication's file, or None (logged) when it is gone: the bundle's verify names it."""
    try:
        return path_of(root, row).read_bytes() if root else None
    except OSError:
        log.warning(
            "communication %s of %s not in the bundle (missing)", row.get("comm_seq"), row.get("campaign_id")
        )
        return None


def _original(blobs: BlobStore, record: dict[str, Any]) -> bytes | None:
    """The original file of a record, or None (logged) when its stored hash or type is odd or the
    file is gone: the rest of the bundle is still written, and its verify names what is missing."""
    sha256, mime = record.get("sha256"), record.get("mime")
    if isinstance(sha256, str) and _SHA256.match(sha256) and mime in EXTENSIONS:
        try:
            return blobs.read(sha256, mime)
        except OSError:
            pass
    log.warning("original of record %s not in the bundle (odd or missing): %.80r", record.get("id"), sha256)
    return None


def _file_path(blobs: BlobStore, row: dict[str, Any]) -> Path | None:
    """A capture file's stored path, or None (logged) when its hash or type is odd or it is gone."""
    mime = capture_files.base_mime(str(row.get("mime") or ""))
    if isinstance(row.get("sha256"), str) and _SHA256.match(row["sha256"]) and mime in EXTENSIONS:
        path = blobs.path_for(row["sha256"], mime)
        if path.is_file():
            return path
    log.warning("capture file %s not in the bundle (odd or missing)", row.get("id"))
    return None


def _odd_value(value: Any) -> str:
    """A stored value JSON can't hold (a BLOB where text belongs) written as text, and logged."""
    log.warning("odd stored value written as text in the manifest: %.80r", value)
    return value.hex() if isinstance(value, bytes) else str(value)


def _add_timestamps(add: Callable[[str, bytes], None], proofs: Proofs) -> dict[str, Any]:
    """timestamps/NNNN-checkpoint.json, NNNN-<i>.tsr, roots.pem, certs.pem; their index."""
    entries = []
    for n, cp in enumerate(proofs.checkpoints, 1):
        body_path = f"timestamps/{n:04d}-checkpoint.json"
        add(body_path, bytes(cp["body"]))
        tokens = []
        for i, token in enumerate(cp["tokens"], 1):
            path = f"timestamps/{n:04d}-{i}.tsr"
            add(path, bytes(token["response"]))
            tokens.append(
                {
                    "file": path,
                    "tsa_url": token["tsa_url"],
                    "gen_time": token["gen_time"],
                    "tsa_name": token["tsa_name"],
                }
            )
        entries.append(
            {"checkpoint": body_path, "sha256": cp["sha256"], "campaign_count": cp["count"], "tokens": tokens}
        )
    roots = [c for c in proofs.certificates if tsa.is_self_signed(c)]
    others = [c for c in proofs.certificates if not tsa.is_self_signed(c)]
    index: dict[str, Any] = {"checkpoints": entries, "roots": None, "certs": None}
    if roots:
        index["roots"] = "timestamps/roots.pem"
        add(index["roots"], b"".join(tsa.pem(c) for c in roots))
    if others:
        index["certs"] = "timestamps/certs.pem"
        add(index["certs"], b"".join(tsa.pem(c) for c in others))
    index["root_fingerprints"] = {c.subject.rfc4514_string(): tsa.fingerprint(c) for c in roots}
    return index
