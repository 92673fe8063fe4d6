"""The files a capture carries besides its visible screenshot (issue #15, docs/evidence.md "Capture files").

Kinds: ``full_page`` (the whole page, stitched; a very tall page in parts), ``page_source`` (MHTML
from the browser, or the serialised DOM as ``text/html``) and ``video_chunk`` (one piece of a
session recording, in order by ``part``). Each is checked before anything is written (its type,
its size cap, a full-page image's structure like the capture's own), its bytes go into the blob
store under their SHA-256 (``Services.blobs``), and its record is appended to the campaign's side
chain of capture files: ``file_hash`` covers the previous entry's hash, the slot, the file's hash
and the capture record it belongs to, so a changed, removed or re-pointed file breaks ``verify``.

A slot is (capture, kind, recording, part): the same bytes sent again into a slot are a resend from
the extension's queue (answered with the stored file), other bytes are refused (409).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from companion.core import checks
from companion.core.db import write_transaction
from companion.core.errors import DomainError
from companion.core.timeutil import format_rfc3339, now_local
from companion.evidence.blobs import EXTENSIONS
from companion.evidence.chain import GENESIS_HASH, canonical, check_campaign_chains, sha256_hex
from companion.evidence.imaging import inspect_image

FILE_FORMAT = "bargain-witness-capture-file/1"
# Fields of a capture file's record covered by its hash, in order.
FILE_FIELDS = (
    "campaign_id",
    "file_seq",
    "capture_id",
    "capture_hash",
    "kind",
    "part",
    "recording_id",
    "mime",
    "sha256",
    "size",
    "meta_json",
    "received_at",
)
KINDS = ("full_page", "page_source", "video_chunk")
# Allowed media types of each kind (without parameters) and the size cap of one file.
MIMES = {
    "full_page": ("image/png", "image/jpeg"),
    "page_source": ("multipart/related", "text/html"),
    "video_chunk": ("video/webm",),
}
MAX_BYTES = {"full_page": 40 << 20, "page_source": 30 << 20, "video_chunk": 16 << 20}
MAX_PART = {"full_page": 999, "page_source": 0, "video_chunk": 99_999}
MAX_META_CHARS = 4096
KIND_ZH = {
    "visible": "可见区域截图",
    "full_page": "整页截图",
    "page_source": "网页源文件",
    "video_chunk": "录屏片段",
}
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MIME_PARAMS = re.compile(r'^[a-z0-9_.+-]+=("[^"\\]{0,200}"|[A-Za-z0-9_.,+-]{1,200})$')
EBML_MAGIC = b"\x1a\x45\xdf\xa3"


@dataclass(frozen=True)
class Upload:
    """A file that passed every check; nothing is written yet."""

    kind: str
    mime: str  # as sent (a video's ``;codecs=...`` kept)
    base_mime: str  # without parameters: names the stored file
    data: bytes
    sha256: str
    part: int
    recording_id: str | None
    meta_json: str


def file_hash(row: dict[str, Any], prev_hash: str) -> str:
    return sha256_hex(canonical([FILE_FORMAT, prev_hash, *(row.get(k) for k in FILE_FIELDS)]))


def base_mime(mime: str) -> str:
    return mime.split(";", 1)[0].strip().lower()


def _bad(message: str, code: str = "invalid_file") -> DomainError:
    return DomainError(400, code, message)


def parse_upload(payload: Any, max_pixels: int) -> Upload:
    """Every check of ``POST /api/v1/captures/<id>/files``'s body; DomainError (400/413/415/422)."""
    if not isinstance(payload, dict):
        raise _bad("请求体必须是一个 JSON 对象。", "invalid_json")
    checks.check_value(payload)
    unknown = set(payload) - {"kind", "mime", "data_base64", "part", "recording_id", "meta"}
    if unknown:
        raise _bad(f"不认识的字段：{', '.join(sorted(map(str, unknown)))}。")
    kind = payload.get("kind")
    if kind not in KINDS:
        raise _bad("kind 必须是 full_page（整页截图）、page_source（网页源文件）或 video_chunk（录屏片段）。")
    mime = payload.get("mime")
    if not isinstance(mime, str) or not mime or len(mime) > 200:
        raise _bad("缺少 mime（文件类型）。")
    plain = base_mime(mime)
    params = [p.strip() for p in mime.split(";")[1:]]
    if plain not in MIMES[kind] or (
        params and (kind != "video_chunk" or not all(map(MIME_PARAMS.match, params)))
    ):
        raise DomainError(415, "unsupported_file_type", f"{KIND_ZH[kind]}不支持文件类型 {mime[:80]}。")
    part = payload.get("part", 0)
    if isinstance(part, bool) or not isinstance(part, int) or not 0 <= part <= MAX_PART[kind]:
        raise _bad(f"part 必须是 0 到 {MAX_PART[kind]} 之间的整数。")
    recording_id = payload.get("recording_id")
    if kind == "video_chunk":
        if not isinstance(recording_id, str) or not UUID.match(recording_id):
            raise _bad("录屏片段需要 recording_id（录屏的 UUID）。")
        recording_id = recording_id.lower()
    elif recording_id is not None:
        raise _bad("只有录屏片段（video_chunk）可以带 recording_id。")
    meta = payload.get("meta", {})
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise _bad("meta 必须是一个 JSON 对象。")
    meta_json = json.dumps(meta, ensure_ascii=False, sort_keys=True)
    if len(meta_json) > MAX_META_CHARS:
        raise _bad(f"meta 过大（最多 {MAX_META_CHARS} 个字符）。")
    text = payload.get("data_base64")
    if not isinstance(text, str) or not text:
        raise _bad("缺少 data_base64（文件内容）。")
    if len(text) > MAX_BYTES[kind] * 4 // 3 + 8:
        raise _too_big(kind)
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _bad("data_base64 不是有效的 Base64 数据。", "invalid_base64") from None
    if not data:
        raise _bad("文件是空的。", "empty_file")
    if len(data) > MAX_BYTES[kind]:
        raise _too_big(kind)
    _check_content(kind, plain, data, part, max_pixels)
    return Upload(kind, mime, plain, data, hashlib.sha256(data).hexdigest(), part, recording_id, meta_json)


def _too_big(kind: str) -> DomainError:
    return DomainError(413, "file_too_large", f"{KIND_ZH[kind]}过大：每个最多 {MAX_BYTES[kind] >> 20} MB。")


def _check_content(kind: str, mime: str, data: bytes, part: int, max_pixels: int) -> None:
    """The bytes are what the type says (bounded work: headers and structure, never a full decode)."""
    if kind == "full_page":
        inspect_image(data, mime, max_pixels)
    elif mime == "multipart/related":
        head = data[:8192].decode("latin-1").lower()
        if "content-type: multipart/related" not in head:
            raise DomainError(
                415, "file_type_mismatch", "网页源文件不是 MHTML（缺少 multipart/related 头）。"
            )
    elif mime == "text/html":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise DomainError(
                415, "file_type_mismatch", "网页源文件必须是 UTF-8 编码的 HTML 文本。"
            ) from None
        if b"\x00" in data:
            raise DomainError(415, "file_type_mismatch", "网页源文件含有二进制数据，不是 HTML 文本。")
    elif kind == "video_chunk" and part == 0 and not data.startswith(EBML_MAGIC):
        raise DomainError(415, "file_type_mismatch", "录屏的第一个片段不是 WebM 文件（缺少 EBML 头）。")


def store(db: sqlite_utils.Database, blobs, capture_id: str, upload: Upload) -> tuple[int, dict[str, Any]]:
    """Keep the bytes (fsynced before the record commits) and append the record: (201, row) for a
    new file, (200, row) for the same bytes in the same slot again; 404 / 409 as DomainErrors."""
    capture = _capture(db, capture_id)  # before writing a file for a capture that is not there
    existing = _slot(db, capture["id"], upload)
    if existing is None:
        blobs.put(upload.data, upload.base_mime, upload.sha256)
    with write_transaction(db):
        existing = _slot(db, capture["id"], upload)
        if existing is not None:
            if existing["sha256"] != upload.sha256:
                raise DomainError(
                    409,
                    "file_conflict",
                    f"这条截图记录的{KIND_ZH[upload.kind]}（第 {upload.part} 段）已存为另一份内容，"
                    "不能替换。",
                )
            return 200, existing
        last = db.execute(
            "SELECT file_seq, record_hash FROM capture_files WHERE campaign_id = ? "
            "ORDER BY file_seq DESC LIMIT 1",
            [capture["campaign_id"]],
        ).fetchone()
        row: dict[str, Any] = {
            "capture_id": capture["id"],
            "campaign_id": capture["campaign_id"],
            "file_seq": (last[0] if last else 0) + 1,
            "capture_hash": capture["record_hash"],
            "kind": upload.kind,
            "part": upload.part,
            "recording_id": upload.recording_id,
            "mime": upload.mime,
            "sha256": upload.sha256,
            "size": len(upload.data),
            "meta_json": upload.meta_json,
            "received_at": format_rfc3339(now_local()),
        }
        prev_hash = last[1] if last else GENESIS_HASH
        row.update(prev_hash=prev_hash, record_hash=file_hash(row, prev_hash))
        row["id"] = db["capture_files"].insert(row).last_pk
    return 201, row


def _capture(db: sqlite_utils.Database, capture_id: str) -> dict[str, Any]:
    rows = db.execute_returning_dicts(
        "SELECT id, campaign_id, record_hash FROM captures WHERE id = ?", [str(capture_id).lower()]
    )
    if not rows:
        raise DomainError(404, "capture_not_found", f"找不到截图记录 {capture_id}。")
    return rows[0]


def _slot(db: sqlite_utils.Database, capture_id: str, upload: Upload) -> dict[str, Any] | None:
    rows = db.execute_returning_dicts(
        "SELECT * FROM capture_files WHERE capture_id = ? AND kind = ? AND coalesce(recording_id, '') = ? "
        "AND part = ?",
        [capture_id, upload.kind, upload.recording_id or "", upload.part],
    )
    return rows[0] if rows else None


def files_of(db: sqlite_utils.Database, capture_id: str) -> list[dict[str, Any]]:
    """A capture's stored files, by kind, recording, part (the order the API lists them in)."""
    return db.execute_returning_dicts(
        "SELECT * FROM capture_files WHERE capture_id = ? ORDER BY kind, coalesce(recording_id, ''), part",
        [str(capture_id).lower()],
    )


def get_file(db: sqlite_utils.Database, capture_id: str, file_id: int) -> dict[str, Any] | None:
    if not 0 <= file_id < 1 << 63:  # SQLite's integers: a larger id in a URL is simply not there
        return None
    rows = db.execute_returning_dicts(
        "SELECT * FROM capture_files WHERE capture_id = ? AND id = ?", [str(capture_id).lower(), file_id]
    )
    return rows[0] if rows else None


def of_campaign(db: sqlite_utils.Database, campaign_id: str) -> list[dict[str, Any]]:
    """The campaign's side chain in order (what its bundle carries)."""
    return db.execute_returning_dicts(
        "SELECT * FROM capture_files WHERE campaign_id = ? ORDER BY file_seq", [campaign_id]
    )


def api_file(row: dict[str, Any]) -> dict[str, Any]:
    """FILE of the API (docs/api.md, "Capture files")."""
    meta = checks.json_or_none(row.get("meta_json"))
    return {
        "id": row["id"],
        "kind": row["kind"],
        "mime": row["mime"],
        "sha256": row["sha256"],
        "size": row["size"],
        "part": row["part"],
        "recording_id": row.get("recording_id"),
        "meta": meta if isinstance(meta, dict) else {},
        "received_at": row["received_at"],
        "url": f"/api/v1/captures/{row['capture_id']}/files/{row['id']}",
    }


def file_name_of(row: dict[str, Any]) -> str:
    """The stored file's name in the blob store and in a bundle's ``files/``."""
    return f"{row['sha256']}{EXTENSIONS.get(base_mime(str(row.get('mime') or '')), '.bin')}"


def check_files(rows: list[Any], captures: list[dict[str, Any]], read_sha256) -> list[str]:
    """Every campaign's side chain of capture files re-computed (rows in campaign, seq order, from the
    database or a bundle's manifest), each pinned to a capture record that is there, and every file
    re-hashed: ``read_sha256(row)`` answers the file's SHA-256 now, or None when it is missing."""
    records = {(c.get("id"), c.get("record_hash")) for c in captures if isinstance(c, dict)}

    def extra(row: dict, where: str) -> list[str]:
        problems = []
        if (row.get("capture_id"), row.get("capture_hash")) not in records:
            problems.append(f"{where}：它所属的截图记录 {row.get('capture_id')} 不在存档中或已被改动。")
        now = read_sha256(row)
        what = f"{KIND_ZH.get(str(row.get('kind')), '文件')}（{row.get('sha256')}）"
        if now is None:
            problems.append(f"{where}：{what}原件缺失。")
        elif now != row.get("sha256"):
            problems.append(f"{where}：{what}原件被改动。")
        return problems

    return check_campaign_chains(rows, "file_seq", file_hash, "截图附件记录", extra)
