"""``bargain-witness verify BUNDLE``: re-check an exported bundle and name exactly what was altered
(docs/evidence.md). Works offline and on any copy the bundle_source reader accepts.

1. files: every file against manifest.json and SHA256SUMS; nothing missing, nothing added;
2. records: every image against its record; every record hash re-computed (format 1 or 2);
3. completeness: the campaign's records link one to the next from its first to its head (format 2:
   ``campaign_seq`` and ``campaign_prev_hash``), in archive order, and end at the manifest's head;
4. trusted time: every RFC 3161 token checked offline; every checkpoint must still match the
   records it covered; a record naming a checkpoint (``anchor``) finds it, time-stamped; each
   capture's earliest trusted time is reported.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509

from companion.evidence import tsa
from companion.evidence.bundle_source import BundleError, BundleSource
from companion.evidence.campaign_events import check_events
from companion.evidence.capture_files import check_files
from companion.evidence.chain import GENESIS_HASH, chain_hash, facts_json
from companion.evidence.communications import check_communications
from companion.evidence.coverage import Stamp, check_stamp, cover, roots_and_intermediates

Progress = Callable[[int, int], None]
NO_TSA_ZH = (
    "没有可信时间戳：除了这台电脑本身，没有任何第三方为这些截图的时间作证。上面的检查只能说明证据包"
    "内部前后一致、导出后没有被改动；电脑的主人仍可能在导出之前改动记录并重算全部哈希。"
)


@dataclass
class Report:
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what holds, and per capture its trusted time


def verify_bundle(
    path: Path, *, tsa_roots: Sequence[x509.Certificate] | None = None, progress: Progress | None = None
) -> Report:
    """Every problem in Chinese; no problems means intact. ``tsa_roots``: roots the user trusts
    (``--tsa-ca``); without them the roots the bundle carries are used, and the report says so."""
    try:
        source = BundleSource(path)
    except BundleError as exc:
        return Report(0, [str(exc)])
    try:
        return _verify(source, tsa_roots, progress)
    finally:
        source.close()


def _verify(source: BundleSource, tsa_roots, progress: Progress | None) -> Report:
    report = Report()
    names = source.names
    if "manifest.json" not in names or "SHA256SUMS" not in names:
        report.problems.append("证据包缺少 manifest.json 或 SHA256SUMS，无法校验。")
        return report
    manifest_bytes = source.read("manifest.json")
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError:
        report.problems.append("manifest.json 不是有效的 JSON（已被改动）。")
        return report
    hashes = _check_files(source, manifest, manifest_bytes, report, progress)
    records = [r for r in manifest.get("captures", []) if isinstance(r, dict)]
    _check_records(records, hashes, report)
    _check_originals(manifest, records, report)
    _check_completeness(manifest, records, report)
    events = manifest.get("campaign_events") or []
    report.problems.extend(check_events(events if isinstance(events, list) else [None], records))
    comms = manifest.get("communications") or []
    report.problems.extend(
        check_communications(
            comms if isinstance(comms, list) else [None], lambda c: hashes.get(str(c.get("file")))
        )
    )
    files = manifest.get("capture_files") or []  # full pages, page sources, recordings (#15)
    report.problems.extend(
        check_files(
            files if isinstance(files, list) else [None], records, lambda f: hashes.get(str(f.get("file")))
        )
    )
    _check_timestamps(source, manifest, records, hashes, tsa_roots, report)
    return report


def _check_files(source, manifest, manifest_bytes, report: Report, progress) -> dict[str, str]:
    import hashlib

    problems = report.problems
    problems += [f"证据包中有重复的文件名：{n}" for n in sorted(set(source.duplicates))]
    problems += [f"证据包文件夹之外多出文件：{n}" for n in sorted(source.outside)]
    sums: dict[str, str] = {}
    for line in source.read("SHA256SUMS").decode("utf-8", "replace").splitlines():
        digest, _, name = line.partition("  ")
        if name:
            sums[name.removeprefix("*")] = digest
    if sums.get("manifest.json") != hashlib.sha256(manifest_bytes).hexdigest():
        problems.append("manifest.json 与 SHA256SUMS 中的哈希不一致（清单被改动）。")
    entries = [e for e in manifest.get("files", []) if isinstance(e, dict)]
    hashes: dict[str, str] = {}
    for i, entry in enumerate(entries, 1):
        name = str(entry.get("path", ""))
        if progress:
            progress(i, len(entries))
        if name not in source.names:
            problems.append(f"缺少文件：{name}")
            continue
        actual = hashes[name] = source.sha256(name)
        if actual != entry.get("sha256") or sums.get(name) != actual:
            problems.append(f"文件已被改动：{name}（SHA-256 现为 {actual}）")
    listed = {str(e.get("path")) for e in entries} | {"manifest.json", "SHA256SUMS"}
    problems += [f"多出未登记的文件：{n}" for n in sorted(source.names - listed)]
    problems += [f"SHA256SUMS 列出的文件不在清单中：{n}" for n in sorted(set(sums) - listed)]
    report.checked = len(source.names)
    return hashes


def _check_originals(manifest: dict[str, Any], records: list[dict[str, Any]], report: Report) -> None:
    """Every record's original is in the bundle: an export leaves out one it can't read (#11)."""
    listed = {str(e.get("path")) for e in manifest.get("files", []) if isinstance(e, dict)}
    for rec in records:
        name = rec.get("file")
        if name and name not in listed:
            report.problems.append(
                f"证据包中没有这条记录的截图原件：{name}（记录 {rec.get('id')}；导出时原件已缺失或无法读取）"
            )


def _chained_row(rec: dict[str, Any]) -> dict[str, Any]:
    """The record as it was hashed: format 2 bundles carry the stored columns; format 1 bundles
    carried ``client`` and ``facts`` instead."""
    row = dict(rec)
    if "facts_json" not in rec:
        client = rec.get("client") or {}
        row.update(
            client_name=client.get("name"),
            client_version=client.get("version"),
            client_browser=client.get("browser"),
            facts_json=facts_json(rec.get("facts") or {}),
        )
    return row


def _check_records(records: list[dict[str, Any]], hashes: dict[str, str], report: Report) -> None:
    for rec in records:
        rid, taken = rec.get("id"), rec.get("taken_at")
        name = rec.get("file", "")
        if name in hashes and hashes[name] != rec.get("sha256"):
            report.problems.append(f"截图与存证记录不符：{name}（记录 {rid}）")
        row = _chained_row(rec)
        if "facts_json" in rec and "facts" in rec:
            try:
                same = json.loads(rec["facts_json"] or "{}") == rec["facts"]
            except (TypeError, ValueError):
                same = False
            if not same:
                report.problems.append(
                    f"记录 {rid} 显示的页面数据与被哈希的 facts_json 不一致（记录内容被改动）。"
                )
        if chain_hash(row, str(rec.get("prev_hash", ""))) != rec.get("record_hash"):
            report.problems.append(f"存证记录的链式哈希不符（记录内容被改动）：{rid}，截图时间 {taken}")


def _check_completeness(manifest: dict[str, Any], records: list[dict[str, Any]], report: Report) -> None:
    campaign_id = (manifest.get("campaign") or {}).get("id")
    problems, prev_hash, prev_seq, old = report.problems, GENESIS_HASH, 0, 0
    for i, rec in enumerate(records, 1):
        rid = rec.get("id")
        if rec.get("campaign_id") != campaign_id:
            problems.append(f"记录 {rid} 不属于本活动（{rec.get('campaign_id')}）。")
        seq = rec.get("seq")
        if not isinstance(seq, int) or seq <= prev_seq:
            problems.append(f"记录顺序被调换：记录 {rid}（第 {i} 条）的存档序号 {seq} 不在前一条之后。")
        else:
            prev_seq = seq
        if rec.get("record_format") == 2:
            cseq = rec.get("campaign_seq")
            if isinstance(cseq, int) and cseq > i:
                problems.append(
                    f"本活动的记录有缺漏：记录 {rid} 是本活动第 {cseq} 条，但证据包中它之前只有 {i - 1} 条。"
                )
            elif cseq != i:
                problems.append(f"记录顺序被调换或重复：记录 {rid} 是本活动第 {cseq} 条，却排在第 {i} 条。")
            elif rec.get("campaign_prev_hash") != prev_hash:
                problems.append(f"哈希链断开：记录 {rid} 之前的记录被删除、替换或调换了顺序。")
        else:
            old += 1
        prev_hash = rec.get("record_hash")
    chain = manifest.get("chain")
    if isinstance(chain, dict):
        head = records[-1].get("record_hash") if records else GENESIS_HASH
        if chain.get("count") != len(records) or chain.get("head") != head:
            problems.append("清单中的链头（记录条数与最后一条的哈希）与记录不符：末尾的记录被删除或添加。")
    if records:
        report.notes.append(
            f"本活动共 {len(records)} 条存证记录，逐条相连，从第一条到链头 {str(prev_hash)[:16]}…。"
        )
    if old:
        report.notes.append(
            f"其中 {old} 条是旧格式（格式 1）的早期记录：它们与其他活动的记录共用一条链，单凭本证据包无法证明"
            "它们之间没有缺漏；被可信时间戳覆盖的部分不受此限。"
        )


def _check_timestamps(source, manifest, records, hashes, tsa_roots, report: Report) -> None:
    index = manifest.get("timestamps") or {}
    entries = (
        [e for e in index.get("checkpoints", []) if isinstance(e, dict)] if isinstance(index, dict) else []
    )
    bundled_roots, intermediates = [], []
    for key in ("roots", "certs"):
        name = index.get(key) if isinstance(index, dict) else None
        if name and name in hashes:
            roots, others = roots_and_intermediates(source.read(name))
            bundled_roots += roots
            intermediates += others
    roots = list(tsa_roots) if tsa_roots is not None else bundled_roots
    stamps: list[Stamp] = []
    for entry in entries:
        body_name = str(entry.get("checkpoint", ""))
        if body_name not in hashes:
            continue
        tokens = [
            (str(t.get("file")), source.read(t["file"]))
            for t in entry.get("tokens", [])
            if t.get("file") in hashes
        ]
        stamp = check_stamp(body_name, source.read(body_name), tokens, roots, intermediates)
        stamps.append(stamp)
        if not tokens:
            report.problems.append(f"时间戳检查点 {body_name} 没有时间戳凭证（凭证被删除）。")
        for name, check in stamp.checks:
            if not check.ok:
                report.problems.append(f"时间戳凭证无效：{name}：{check.error}")
    valid = {tsa.sha256_of(s.body) for s in stamps if s.valid}
    for rec in records:
        anchor = rec.get("anchor")
        if rec.get("record_format") == 2 and anchor and anchor not in valid:
            report.problems.append(
                f"时间戳被删除或替换：记录 {rec.get('id')} 创建时已有时间戳检查点 {anchor[:16]}…，"
                "证据包中却没有它的有效时间戳。"
            )
    result = cover(str((manifest.get("campaign") or {}).get("id")), records, stamps)
    report.problems += result.problems
    _notes_on_time(report, records, stamps, result.trusted, roots, tsa_roots is not None)


def _notes_on_time(report, records, stamps, trusted, roots, user_roots: bool) -> None:
    if not any(s.valid for s in stamps):
        report.notes.append(NO_TSA_ZH)
    else:
        names = sorted({c.tsa_name or "?" for s in stamps for c in s.valid})
        report.notes.append(f"可信时间戳（RFC 3161）来自：{'；'.join(names)}。")
        used = {(c.root_name, c.root_sha256) for s in stamps for c in s.valid}
        for name, fp in sorted(used, key=str):
            origin = "你用 --tsa-ca 指定的" if user_roots else "证据包自带的"
            report.notes.append(
                f"签名核对所用的根证书是{origin} {name}（SHA-256 指纹 {fp}）"
                + (
                    "。"
                    if user_roots
                    else "；请与该时间戳机构公布的根证书指纹核对，或用 --tsa-ca 指定你自己取得的根证书。"
                )
            )
    for i, rec in enumerate(records, 1):
        when = trusted.get(str(rec.get("id")))
        what = f"可信时间不晚于 {when[0]}（{when[1]}）" if when else "没有可信时间覆盖"
        report.notes.append(f"  {i}. {rec.get('file')}（截图时间 {rec.get('taken_at')}）：{what}")
