"""A communication file into a campaign's evidence: the one path the command line and the dashboard use.

``add_file`` tells the kind by the file's bytes (``comm_files.detect``), refuses what is too large
or of no kind kept (a Chinese 4xx), finds the time (the file's own, else the one the user gave) and
appends the record through ``evidence/communications.add``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils

from companion.core.errors import DomainError
from companion.core.timeutil import format_rfc3339
from companion.evidence.communications import add
from companion.intake.comm_files import KIND_WORDS, MAX_BYTES, NotACommunication, detect, file_time
from companion.intake.times import FoundTime


def find_campaign(db: sqlite_utils.Database, name: str) -> str:
    """An existing campaign by id or name; a communication never makes a campaign of its own."""
    found = db.execute(
        "SELECT id FROM campaigns WHERE id = ? OR title = ? ORDER BY created_at LIMIT 1", [name, name]
    ).fetchone()
    if not found:
        raise DomainError(404, "campaign_not_found", f"找不到活动「{name}」，请写活动编号或名称。")
    return found[0]


def add_file(
    db: sqlite_utils.Database,
    root: Path,
    campaign_id: str,
    data: bytes,
    name: str,
    *,
    given: FoundTime | None = None,
    phone_number: str = "",
    agent_id: str = "",
    note: str = "",
) -> dict[str, Any]:
    """Keep one file; ``DomainError`` (Chinese) for a file that can't be kept or has no time."""
    if not data:
        raise DomainError(400, "empty_file", "文件是空的。")
    try:
        found_kind = detect(data)
    except NotACommunication as exc:
        raise DomainError(415, "unsupported_communication", str(exc)) from None
    limit = MAX_BYTES[found_kind.kind]
    if len(data) > limit:
        raise DomainError(413, "too_large", f"文件太大：{KIND_WORDS[found_kind.kind]}最大 {limit >> 20} MB。")
    found = file_time(found_kind.kind, found_kind.mime, data, name) or given
    if found is None:
        raise DomainError(422, "time_needed", "文件里和文件名中都没有时间，请填写发生时间。")
    return add(
        db,
        root,
        campaign_id,
        data,
        kind=found_kind.kind,
        mime=found_kind.mime,
        occurred_at=format_rfc3339(found.at),
        time_source=found.source,
        file_name=name[:255],
        phone_number=phone_number if found_kind.kind == "call" else "",
        agent_id=agent_id if found_kind.kind == "call" else "",
        note=note,
    )
