"""``bargain-witness verify`` without a bundle: the whole archive in the data dir (docs/evidence.md).

Walks the archive-wide chain from the first record (a deleted or inserted record breaks it), each
campaign's own chain (format 2 records), re-hashes every stored original, lists image files no
record names, checks every stored RFC 3161 token offline and that each time-stamped checkpoint still
matches the records it covered. A bundle is checked by ``verify_bundle`` (re-exported here).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509

from companion.core.config import DataDir, load_user_config, tsa_settings
from companion.evidence import tsa
from companion.evidence.blobs import EXTENSIONS, BlobStore
from companion.evidence.campaign_events import check_events
from companion.evidence.capture_files import base_mime, check_files
from companion.evidence.chain import GENESIS_HASH, chain_hash, leaf_hash, parse_checkpoint
from companion.evidence.communications import check_communications, path_of
from companion.evidence.coverage import check_stamp
from companion.evidence.verify_bundle import NO_TSA_ZH, Progress, Report, verify_bundle

__all__ = ["Report", "verify_archive", "verify_bundle"]


EVENTS_QUERY = "SELECT * FROM campaign_events ORDER BY campaign_id, event_seq"
COMMS_QUERY = "SELECT * FROM communications ORDER BY campaign_id, comm_seq"
FILES_QUERY = "SELECT * FROM capture_files ORDER BY campaign_id, file_seq"


def verify_archive(
    data_dir: DataDir,
    *,
    tsa_roots: Sequence[x509.Certificate] | None = None,
    progress: Progress | None = None,
) -> Report:
    db_path = data_dir.database
    if not db_path.exists():
        return Report(0, [f"数据目录中没有数据库：{db_path}"])
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in conn.execute("SELECT * FROM captures ORDER BY seq")]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        checkpoints = tokens = events = comms = files = []
        if "capture_files" in tables:
            files = [dict(r) for r in conn.execute(FILES_QUERY)]
        if "communications" in tables:
            comms = [dict(r) for r in conn.execute(COMMS_QUERY)]
        if "campaign_events" in tables:
            events = [dict(r) for r in conn.execute(EVENTS_QUERY)]
        if "checkpoints" in tables:
            checkpoints = [dict(r) for r in conn.execute("SELECT * FROM checkpoints ORDER BY id")]
            tokens = [dict(r) for r in conn.execute("SELECT * FROM timestamp_tokens ORDER BY id")]
    finally:
        conn.close()
    report = Report(checked=len(rows))
    blobs = BlobStore(data_dir.blobs, db_path)
    _walk_chain(rows, report, blobs, progress)
    _orphans(data_dir, rows, files, report)
    # The files captures carry (#15): their side chain, each pinned to its capture, each re-hashed.
    report.problems.extend(check_files(files, rows, lambda f: _sha_or_none(_file_path(blobs, f))))
    report.problems.extend(check_events(events, rows))  # renames and archivings (#12)
    report.problems.extend(
        check_communications(comms, lambda c: _sha_or_none(path_of(data_dir.communications, c)))
    )
    _comm_orphans(data_dir, comms, report)
    if tsa_roots is None:
        try:
            tsa_roots = tsa.certificates_from_file(tsa_settings(load_user_config(data_dir), data_dir).ca_file)
        except ValueError:
            tsa_roots = []
    _check_checkpoints(rows, checkpoints, tokens, tsa_roots, report)
    return report


def _walk_chain(rows, report: Report, blobs: BlobStore, progress) -> None:
    """Every link of both chains; every original file hashed once, however many records name it
    (identical frames are one file: re-hashing it per record made verify grow with the records)."""
    problems = report.problems
    prev = GENESIS_HASH
    hashed: dict[Path, str | None] = {}
    per_campaign: dict[str, tuple[int, str]] = {}
    for i, rec in enumerate(rows, 1):
        if progress:
            progress(i, len(rows))
        if rec["prev_hash"] != prev:
            problems.append(f"哈希链断开：记录 {rec['id']} 之前的记录被删除、插入或改动。")
        if chain_hash(rec, rec["prev_hash"]) != rec["record_hash"]:
            problems.append(f"存证记录被改动：{rec['id']}（截图时间 {rec['taken_at']}）")
        prev = rec["record_hash"]
        count, last = per_campaign.get(rec["campaign_id"], (0, GENESIS_HASH))
        if rec.get("record_format") == 2 and (
            rec["campaign_seq"] != count + 1 or rec["campaign_prev_hash"] != last
        ):
            problems.append(
                f"活动 {rec['campaign_id']} 的记录链断开：记录 {rec['id']} 之前的本活动记录被删除或改动。"
            )
        per_campaign[rec["campaign_id"]] = (count + 1, rec["record_hash"])
        path = blobs.path_for(rec["sha256"], rec["mime"])
        if path not in hashed:
            hashed[path] = _file_sha256(path) if path.exists() else None
            if hashed[path] is None and blobs.exists(rec["sha256"], rec["mime"]):
                # Not yet written (a kill right after the commit): the copy staged in the database
                # is the original until the job worker writes the file (blobs.py). A file that is
                # there but altered is reported as such, staged copy or not.
                hashed[path] = hashlib.sha256(blobs.read(rec["sha256"], rec["mime"])).hexdigest()
        if hashed[path] is None:
            problems.append(f"截图原件缺失：{path.name}（记录 {rec['id']}）")
        elif hashed[path] != rec["sha256"]:
            problems.append(f"截图原件被改动：{path.name}（记录 {rec['id']}）")


def _sha_or_none(path: Path | None) -> str | None:
    return _file_sha256(path) if path is not None and path.is_file() else None


def _file_sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _orphans(data_dir: DataDir, rows, files, report: Report) -> None:
    """Files in blobs/ that no record names (copied in, or left by an interrupted write)."""
    if not data_dir.blobs.is_dir():
        return
    named = {f"{r['sha256']}{EXTENSIONS.get(r['mime'], '')}" for r in rows}
    named |= {f"{f['sha256']}{EXTENSIONS.get(base_mime(str(f['mime'])), '')}" for f in files}
    for path in sorted(p for p in data_dir.blobs.rglob("*") if p.is_file()):
        if path.name.startswith(".tmp-"):
            report.problems.append(f"中断写入留下的临时文件（可删除）：{path.relative_to(data_dir.root)}")
        elif path.name not in named:
            report.problems.append(f"没有任何存证记录指向的图片文件：{path.relative_to(data_dir.root)}")


def _comm_orphans(data_dir: DataDir, comms, report: Report) -> None:
    """Files in communications/ that no communication record names (copied in, or a torn write)."""
    if not data_dir.communications.is_dir():
        return
    named = {path_of(data_dir.communications, c) for c in comms}
    for path in sorted(p for p in data_dir.communications.rglob("*") if p.is_file()):
        if path not in named:
            report.problems.append(f"没有任何沟通记录指向的文件：{path.relative_to(data_dir.root)}")


def _check_checkpoints(rows, checkpoints, tokens, roots, report: Report) -> None:
    """Each time-stamped checkpoint must equal the one re-computed from the first records."""
    by_checkpoint = defaultdict(list)
    for t in tokens:
        by_checkpoint[t["checkpoint_id"]].append(t)
    stamped = [c for c in checkpoints if by_checkpoint[c["id"]]]
    if not stamped:
        report.notes.append(NO_TSA_ZH)
        return
    hashers: dict[str, tuple[int, object]] = {}
    done, latest = 0, None
    for cp in sorted(stamped, key=lambda c: c["global_count"]):
        body = parse_checkpoint(bytes(cp["body"]))
        label = f"检查点 #{cp['id']}"
        stamp = check_stamp(
            label, bytes(cp["body"]), [(t["tsa_url"], t["response"]) for t in by_checkpoint[cp["id"]]], roots
        )
        for name, check in stamp.checks:
            if not check.ok:
                report.problems.append(f"{label} 的时间戳（{name}）无法核对：{check.error}")
        while done < min(cp["global_count"], len(rows)):
            rec = rows[done]
            n, h = hashers.get(rec["campaign_id"], (0, hashlib.sha256()))
            h.update(f"{rec['record_hash']}\n".encode("ascii"))  # type: ignore[attr-defined]
            hashers[rec["campaign_id"]] = (n + 1, h)
            done += 1
        expected = {leaf_hash(cid, n, h.hexdigest()) for cid, (n, h) in hashers.items()}  # type: ignore[attr-defined]
        head = rows[done - 1]["record_hash"] if done else None
        if (
            body is None
            or done != cp["global_count"]
            or head != cp["global_head"]
            or set(body["leaves"]) != expected
        ):
            when = stamp.time or cp["created_at"]
            report.problems.append(
                f"{label}（可信时间 {when}）与现在的记录不符：前 {cp['global_count']} 条记录中"
                "有记录在此之后被改动、删除、插入或调换了顺序。"
            )
        elif stamp.valid:
            latest = (stamp.time, cp["global_count"])
    if latest:
        report.notes.append(
            f"最近一次核对通过的可信时间 {latest[0]} 覆盖了前 {latest[1]} 条记录（共 {len(rows)} 条）。"
        )
    elif not roots:
        report.notes.append(
            "数据目录中的时间戳无法核对签名：请在 config.json 的 tsa_ca_file 或 --tsa-ca 中"
            "提供时间戳机构的根证书。"
        )


def _file_path(blobs: BlobStore, f) -> Path | None:
    """Where a capture file's bytes are; None for a row whose type no file of ours has (an odd row:
    reported as a missing file, never a crash of verify)."""
    mime = base_mime(str(f["mime"]))
    return blobs.path_for(str(f["sha256"]), mime) if mime in EXTENSIONS else None
