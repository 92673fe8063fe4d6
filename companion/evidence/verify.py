"""``bargain-witness verify``: re-check evidence and name exactly what was altered (docs/evidence.md).

Two targets: an exported bundle (every file against manifest.json and SHA256SUMS, every image
against its capture's sha256, every record's chain hash re-computed), or the whole archive in the
data dir (every stored image re-hashed, the full hash chain walked from the first record).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from pathlib import Path

from companion.core.config import DataDir
from companion.evidence.blobs import BlobStore
from companion.evidence.chain import GENESIS_HASH, facts_json, record_hash


def verify_bundle(path: Path) -> tuple[int, list[str]]:
    """(files checked, problems in Chinese); no problems means intact."""
    problems: list[str] = []
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return 0, [f"无法打开证据包 {path}：{exc}"]
    with zf:
        names = set(zf.namelist())
        if "manifest.json" not in names or "SHA256SUMS" not in names:
            return 0, ["证据包缺少 manifest.json 或 SHA256SUMS，无法校验。"]
        data = {name: zf.read(name) for name in names}
    try:
        manifest = json.loads(data["manifest.json"])
    except ValueError:
        return 0, ["manifest.json 不是有效的 JSON（已被改动）。"]
    sums = {}
    for line in data["SHA256SUMS"].decode("utf-8", "replace").splitlines():
        digest, _, name = line.partition("  ")
        if name:
            sums[name] = digest
    if sums.get("manifest.json") != hashlib.sha256(data["manifest.json"]).hexdigest():
        problems.append("manifest.json 与 SHA256SUMS 中的哈希不一致（清单被改动）。")
    for entry in manifest.get("files", []):
        name = entry.get("path", "")
        if name not in data:
            problems.append(f"缺少文件：{name}")
            continue
        actual = hashlib.sha256(data[name]).hexdigest()
        if actual != entry.get("sha256") or sums.get(name) != actual:
            problems.append(f"文件已被改动：{name}（SHA-256 现为 {actual}）")
    listed = {e.get("path") for e in manifest.get("files", [])} | {"manifest.json", "SHA256SUMS"}
    problems += [f"多出未登记的文件：{n}" for n in sorted(names - listed)]
    for rec in manifest.get("captures", []):
        image = data.get(rec.get("file", ""))
        if image is not None and hashlib.sha256(image).hexdigest() != rec.get("sha256"):
            problems.append(f"截图与存证记录不符：{rec.get('file')}（记录 {rec.get('id')}）")
        row = {
            **rec,
            **_client_columns(rec.get("client") or {}),
            "facts_json": facts_json(rec.get("facts") or {}),
        }
        if record_hash(row, rec.get("prev_hash", "")) != rec.get("record_hash"):
            problems.append(
                f"存证记录的链式哈希不符（记录内容被改动）：{rec.get('id')}，截图时间 {rec.get('taken_at')}"
            )
    return len(names), problems


def _client_columns(client: dict) -> dict:
    return {
        "client_name": client.get("name"),
        "client_version": client.get("version"),
        "client_browser": client.get("browser"),
    }


def verify_archive(data_dir: DataDir) -> tuple[int, list[str]]:
    """Walk the whole chain and re-hash every stored image."""
    db_path = data_dir.database
    if not db_path.exists():
        return 0, [f"数据目录中没有数据库：{db_path}"]
    blobs = BlobStore(data_dir.blobs)
    problems: list[str] = []
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute("SELECT * FROM captures ORDER BY seq").fetchall()
    finally:
        conn.close()
    prev = GENESIS_HASH
    for row in rows:
        rec = dict(row)
        if rec["prev_hash"] != prev:
            problems.append(f"哈希链断开：记录 {rec['id']} 之前的记录被删除、插入或改动。")
        if record_hash(rec, rec["prev_hash"]) != rec["record_hash"]:
            problems.append(f"存证记录被改动：{rec['id']}（截图时间 {rec['taken_at']}）")
        prev = rec["record_hash"]
        path = blobs.path_for(rec["sha256"], rec["mime"])
        if not path.exists():
            problems.append(f"截图原件缺失：{path.name}（记录 {rec['id']}）")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != rec["sha256"]:
            problems.append(f"截图原件被改动：{path.name}（记录 {rec['id']}）")
    return len(rows), problems
