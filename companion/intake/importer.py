"""Phone screenshots and screen frames into the archive, through the one write path.

``store_file`` builds an ordinary capture payload (``source`` ``import`` or ``screen``, no facts,
the file byte for byte) and hands it to ``evidence/ingest.ingest_capture`` with the app's hooks
(thumbnail, trusted timestamp, OCR) plus one that records where the capture's time came from in
``capture_times``, in the same transaction. The command line, the drop page and the screen watcher
all call it; none of them needs the server running (the OCR job waits in the job table until the
companion's worker runs it).

A file's capture id is derived from its SHA-256, so importing the same screenshot twice answers the
first import (200) and never stores it again.
"""

from __future__ import annotations

import base64
import hashlib
import io
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import sqlite_utils
from flask import Flask
from PIL import Image, UnidentifiedImageError

from companion import __version__
from companion.core.errors import DomainError
from companion.core.services import services_of
from companion.core.timeutil import format_rfc3339, now_local
from companion.evidence.answers import IngestResult, previous_answer
from companion.evidence.campaign_events import clean_name
from companion.evidence.ingest import ingest_capture
from companion.intake.times import FoundTime

IMPORT_NAMESPACE = uuid.UUID("6f1c2f0e-3b7d-5a49-9a51-000000000014")  # fixed: re-imports find their id
MIMES = {"PNG": "image/png", "JPEG": "image/jpeg", "MPO": "image/jpeg"}


@dataclass(frozen=True)
class Stored:
    name: str
    result: IngestResult
    found: FoundTime

    @property
    def duplicate(self) -> bool:
        return self.result.status == 200


def mime_of(data: bytes) -> str:
    """PNG or JPEG (an MPO, as some phones save, is a JPEG); anything else is refused."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            kind = im.format
    except (UnidentifiedImageError, OSError):
        kind = None
    if kind not in MIMES:
        raise DomainError(415, "unsupported_image", "只能导入 PNG 或 JPEG 截图。")
    return MIMES[kind]


def campaign_target(db: sqlite_utils.Database, name: str) -> dict[str, Any]:
    """An existing campaign by id or title, else a page of its own named ``name``."""
    name = name.strip()[:200]
    found = db.execute(
        "SELECT id FROM campaigns WHERE id = ? OR title = ? ORDER BY created_at LIMIT 1", [name, name]
    ).fetchone()
    page = {"url": f"bw-import://campaign/{quote(name, safe='')}", "title": name}
    return {"campaign_id": found[0], "page": page} if found else {"page": page}


def default_campaign(found: FoundTime) -> str:
    return f"手机截图 {found.at:%Y-%m-%d}"


def store_file(
    app: Flask,
    db: sqlite_utils.Database,
    data: bytes,
    name: str,
    found: FoundTime,
    *,
    campaign: str | None = None,
    source: str = "import",
    friend_proof: bool = False,
    friend: str | None = None,
) -> Stored:
    """Archive one file; ``DomainError`` for a file that is not a screenshot we accept.

    ``friend_proof``: the file is a friend's screenshot of their own 助力成功 page (``friend``: their
    name as the user knows it); it is marked in ``friend_proofs`` in the same transaction."""
    if len(data) > app.config["MAX_CONTENT_LENGTH"]:
        raise DomainError(413, "too_large", "文件太大，无法导入。")
    mime = mime_of(data)
    capture_id = str(_capture_id(data, source))
    again = previous_answer(db, capture_id, hashlib.sha256(data).hexdigest(), services_of(app).analysis)
    if again is not None:  # the same file imported before (whatever time or campaign this time)
        return Stored(name, again, found)
    # An existing campaign's id or title as given (a title may hold two spaces); else a new name is
    # checked as a rename is (blank: the default name; control characters only or too long: refused),
    # so an import can't create a campaign its rename would refuse.
    given = campaign if campaign is not None and campaign.strip() else None
    if given is not None and "campaign_id" not in campaign_target(db, given):
        given = clean_name(given)
    target = campaign_target(db, given or default_campaign(found))
    payload = {
        "capture_id": capture_id,
        "taken_at": format_rfc3339(found.at),
        "source": source,
        "image": {"mime": mime, "data_base64": base64.b64encode(data).decode("ascii")},
        "client": {"name": f"bargain-witness {source}", "version": __version__},
        **target,
    }
    svc = services_of(app)

    def record_time(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
        db["capture_times"].insert(
            {"capture_id": row["id"], "time_source": found.source, "file_name": name[:255]}, replace=True
        )
        if friend_proof:
            mark_friend_proof(db, row, friend)

    with app.app_context():
        result = ingest_capture(
            db,
            svc.blobs,
            svc.schema,
            payload,
            max_pixels=app.config["MAX_IMAGE_PIXELS"],
            analysis=svc.analysis,
            on_stored=[*svc.on_capture_stored, record_time],
        )
    return Stored(name, result, found)


def mark_friend_proof(db: sqlite_utils.Database, row: dict[str, Any], friend: str | None) -> None:
    """The capture is a friend's proof; OCR (``ocr/friend.py``) fills in what it shows."""
    db["friend_proofs"].insert(
        {
            "capture_id": row["id"],
            "campaign_id": row["campaign_id"],
            "given_name": (friend or "").strip()[:64] or None,
            "state": "pending",
            "marked_at": format_rfc3339(now_local()),
        },
        replace=True,
    )


def _capture_id(data: bytes, source: str) -> uuid.UUID:
    """A file's id from its bytes (a re-import is a retry); a screen frame's is new each time (the
    screen may return to an earlier picture, which is a new observation)."""
    if source != "import":
        return uuid.uuid4()
    return uuid.uuid5(IMPORT_NAMESPACE, hashlib.sha256(data).hexdigest())
