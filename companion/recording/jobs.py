"""The ``recording_remux`` job: after a recording is finished (and whenever its derived copy is
missing or older than its chunks: a queued chunk that arrived late), concatenate the original
chunks and remux them into one indexed WebM under the data dir's ``derived-recordings/``. The copy is
a convenience, never evidence: it is not in any chain, and deleting it only makes it be made again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import sqlite_utils
from flask import Flask

from companion.core import portable
from companion.core.db import get_db
from companion.core.services import services, services_of
from companion.evidence.capture_files import base_mime
from companion.recording import store
from companion.recording.remux import concatenate, remux

log = logging.getLogger(__name__)
REMUX_JOB = "recording_remux"


def derived_path(recording_id: str) -> Path:
    return services().data_dir.derived_recordings / f"{recording_id}.webm"


def is_current(row: dict[str, Any] | None, chunks: list[dict[str, Any]]) -> bool:
    """Is the derived copy there, and made from exactly these chunks?"""
    if not row or not row.get("derived_sha256"):
        return False
    return (
        row.get("derived_sources") == store.sources_key(chunks) and derived_path(row["recording_id"]).exists()
    )


def needs_remux(row: dict[str, Any] | None, chunks: list[dict[str, Any]]) -> bool:
    """Finished, with chunks, and no current copy: unless making one failed on these very chunks."""
    if not row or not chunks or is_current(row, chunks):
        return False
    return not (row.get("derived_error") and row.get("derived_sources") == store.sources_key(chunks))


def queue_remux(db: sqlite_utils.Database, capture_id: str, recording_id: str) -> bool:
    return services().jobs.enqueue(
        db,
        REMUX_JOB,
        {"capture_id": capture_id, "recording_id": recording_id},
        key=f"{capture_id}/{recording_id}",
    )


def make_derived(payload: dict[str, Any]) -> None:
    db = get_db()
    capture_id, recording_id = payload["capture_id"], payload["recording_id"]
    row = store.finished_row(db, capture_id, recording_id)
    chunks = store.chunk_rows(db, capture_id, recording_id)
    if not needs_remux(row, chunks):
        return
    blobs = services().blobs
    sources = [blobs.path_for(c["sha256"], base_mime(c["mime"])) for c in chunks]
    target = derived_path(recording_id)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, joined_name = tempfile.mkstemp(dir=target.parent, prefix=".joined-", suffix=".webm")
    os.close(fd)
    joined = Path(joined_name)
    remuxed_path = joined.with_name(joined.name.replace(".joined-", ".remux-"))
    key = store.sources_key(chunks)
    try:
        concatenate(sources, joined)
        try:
            result = remux(joined, remuxed_path)
        except ValueError as exc:  # not decodable (remux.py turns FFmpeg's errors into ValueError)
            log.warning("no derived copy of recording %s: %s", recording_id, exc)
            error = "录像无法转成可拖动的副本：原始分段仍可播放。"
            store.record_derived(db, capture_id, recording_id, derived_error=error, derived_sources=key)
            return
        digest, size = _hash_file(remuxed_path)
        portable.replace(str(remuxed_path), target)  # same folder: the copy appears whole or not at all
        fields = {"derived_sha256": digest, "derived_size": size, "derived_duration_ms": result.duration_ms}
        store.record_derived(db, capture_id, recording_id, **fields, derived_sources=key, derived_error=None)
    finally:
        for path in (joined, remuxed_path):
            path.unlink(missing_ok=True)


BUNDLE_NOTE = (
    "这个文件夹里是录屏的派生副本：把原始分段按顺序拼接后重新封装，加上了时长和进度索引，方便播放和拖动。\n"
    "派生副本不是证据，不在证据链中；证据是 files/ 文件夹里的原始分段（video_chunk），"
    "它们的 SHA-256 和证据链记录在 manifest.json 中。\n"
    "文件名：recording-<截图编号>-<录屏编号>.webm\n"
)


def bundle_copies(db: sqlite_utils.Database, campaign_id: str) -> list[tuple[str, bytes | Path]]:
    """The campaign's derived copies for its bundle (``derived/``, with a note saying they are not
    evidence). A copy not made yet is queued and left out: the chunks in the bundle play anyway."""
    rows = db.query(
        "SELECT r.* FROM recordings r JOIN captures c ON c.id = r.capture_id WHERE c.campaign_id = ? "
        "ORDER BY r.finished_at, r.recording_id",
        [campaign_id],
    )
    out: list[tuple[str, bytes | Path]] = []
    for row in rows:
        chunks = store.chunk_rows(db, row["capture_id"], row["recording_id"])
        if is_current(row, chunks):
            name = f"derived/recording-{row['capture_id']}-{row['recording_id']}.webm"
            out.append((name, derived_path(row["recording_id"])))
        elif needs_remux(row, chunks):
            queue_remux(db, row["capture_id"], row["recording_id"])
    return [("derived/派生副本说明.txt", BUNDLE_NOTE.encode("utf-8")), *out] if out else []


def _hash_file(path: Path) -> tuple[str, int]:
    """SHA-256 and size, read 1 MiB at a time (a long recording never sits in memory); fsynced."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb+") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
        os.fsync(fh.fileno())
    return digest.hexdigest(), size


def register(app: Flask) -> None:
    services_of(app).jobs.register(REMUX_JOB, make_derived, max_attempts=3)
