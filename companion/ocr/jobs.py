"""The ``ocr`` job: read a capture's pixels in the background and store what they say.

Every new capture queues one in its own write transaction (``Services.on_capture_stored``):

- a capture from a phone screenshot or a screen frame (``source`` ``import`` or ``screen``) that
  came with no facts gets its reading from the pixels: the readings row (derived, not evidence) is
  replaced by one with the OCR figures and ``origin = pixels``, the campaign's cached analysis is
  dropped and re-folded, so detection re-runs and the pages show the figures;
- a capture marked as a friend's proof (``friend_proofs``) is read by ``friend.py`` into its
  ``friend_proofs`` row (never a reading: it is the friend's page), then detection re-runs;
- any other capture (the extension read the page text) is cross-checked: a figure OCR read that
  differs from the page text's is recorded as a disagreement (``crosscheck.py``).

The engine is one per app (``OcrService``), loaded by the first job: never on a request thread.
Safe to run twice (the job table's rule): every write replaces the previous result.
"""

from __future__ import annotations

import json
import logging
from datetime import timezone
from typing import Any

import sqlite_utils
from flask import Flask

from companion.core.db import get_db, write_transaction
from companion.core.services import services, services_of
from companion.core.timeutil import format_rfc3339, now_local, parse_rfc3339
from companion.ocr.crosscheck import disagreements
from companion.ocr.engine import OcrEngine, engine_version
from companion.ocr.friend import read_friend_proof
from companion.ocr.layout import Box, product_name, read_boxes

log = logging.getLogger(__name__)
OCR_JOB = "ocr"
PIXEL_SOURCES = ("import", "screen")


class OcrService:
    """The app's one engine and whether captures from the extension are cross-checked."""

    def __init__(self, cross_check: bool = True, engine: OcrEngine | None = None) -> None:
        self.cross_check = cross_check
        self.engine = engine or OcrEngine()


def wanted(row: dict[str, Any], cross_check: bool) -> bool:
    """A pixel source with no facts always; another capture only when cross-checks are on."""
    if row.get("source") in PIXEL_SOURCES and row.get("facts_json") in (None, "{}"):
        return True
    return cross_check


def read_capture(payload: dict[str, Any]) -> None:
    db = get_db()
    rows = db.execute_returning_dicts(
        "SELECT k.id, k.campaign_id, k.source, k.sha256, k.mime, k.facts_json, k.taken_at, r.origin "
        "FROM captures k LEFT JOIN readings r ON r.capture_id = k.id WHERE k.id = ?",
        [payload["capture_id"]],
    )
    if not rows:
        return
    capture = rows[0]
    svc = services()
    original = svc.blobs.path(capture["sha256"], capture["mime"])
    if not original.exists():
        _store(db, capture["id"], "failed", {}, {"*": "original_missing"}, [], 0.0)
        return
    pixels = svc.ocr.engine.read(original.read_bytes())
    if _is_friend_proof(db, capture["id"]):
        record_friend_proof(db, capture, pixels.boxes, pixels.seconds)
        if svc.analysis is not None:
            svc.analysis.forget(capture["campaign_id"])
            svc.analysis.findings(db, capture["campaign_id"])
        return
    reading = read_boxes(pixels.boxes)
    page_facts = json.loads(capture["facts_json"] or "{}")
    from_pixels = capture["source"] in PIXEL_SOURCES and not page_facts
    found = [] if from_pixels else disagreements(page_facts, reading.facts)
    with write_transaction(db):
        _store(db, capture["id"], "done", reading.facts, reading.missing, found, pixels.seconds)
        if from_pixels:
            _replace_reading(db, capture, reading.facts)
            _name_campaign(db, capture["campaign_id"], product_name(pixels.boxes))
    if from_pixels and svc.analysis is not None:
        svc.analysis.forget(capture["campaign_id"])
        svc.analysis.findings(db, capture["campaign_id"])  # detection re-runs now, off the request path


def _is_friend_proof(db: sqlite_utils.Database, capture_id: str) -> bool:
    return db.execute("SELECT 1 FROM friend_proofs WHERE capture_id = ?", [capture_id]).fetchone() is not None


def record_friend_proof(
    db: sqlite_utils.Database, capture: dict[str, Any], boxes: list[Box], seconds: float
) -> dict[str, Any]:
    """A friend's proof is not the initiator's page: its figures never become a reading. What it
    shows (``friend.read_friend_proof``) fills its ``friend_proofs`` row; without a date on the page
    the assist's time is the capture's. Returns the row's new values."""
    taken = parse_rfc3339(capture["taken_at"])
    shown = read_friend_proof(boxes, taken.tzinfo or timezone.utc)
    at = shown.get("assisted_at")
    values = {
        "state": "done" if shown.get("success") else "unreadable",
        "name": shown.get("name"),
        "amount": shown.get("amount"),
        "amount_raw": shown.get("amount_raw"),
        "assisted_at": format_rfc3339(at) if at is not None else capture["taken_at"],
        "time_source": "page" if at is not None else "capture",
    }
    facts = (
        {k: v for k, v in values.items() if v is not None and k != "state"} if shown.get("success") else {}
    )
    missing = {} if shown.get("success") else {"*": "no_friend_proof"}
    with write_transaction(db):
        _store(db, capture["id"], "done", facts, missing, [], seconds)
        db["friend_proofs"].update(capture["id"], values)
    return values


def _replace_reading(db: sqlite_utils.Database, capture: dict[str, Any], facts: dict[str, Any]) -> None:
    """The reading rebuilt from the pixels' facts, in a new row (so caches keyed on rowid renew);
    its place in time and its clock flag stay as ingest set them."""
    from companion.evidence.ingest import reading_facts, reading_row

    old = db.execute_returning_dicts("SELECT * FROM readings WHERE capture_id = ?", [capture["id"]])
    if not old:
        return
    full = reading_facts({"taken_at": capture["taken_at"], "facts": facts})
    row = reading_row(capture["id"], capture["campaign_id"], capture["taken_at"], full, old[0]["clock_flag"])
    row["taken_utc"] = old[0]["taken_utc"]
    row["origin"] = "pixels"
    db.execute("DELETE FROM readings WHERE capture_id = ?", [capture["id"]])
    db["readings"].insert(row)


def _name_campaign(db: sqlite_utils.Database, campaign_id: str, name: str | None) -> None:
    """A campaign the importer named by date (``手机截图 …``, ``屏幕监视 …``) takes the product's
    name the first time OCR reads one; a name the user gave is never changed."""
    if name:
        db.execute(
            "UPDATE campaigns SET title = ? WHERE id = ? AND identity LIKE 'campaign/%' "
            "AND (title LIKE '手机截图 %' OR title LIKE '屏幕监视 %')",
            [name[:200], campaign_id],
        )


def _store(db, capture_id: str, state: str, facts, missing, found, seconds: float) -> None:
    db["ocr_results"].upsert(
        {
            "capture_id": capture_id,
            "state": state,
            "facts_json": json.dumps(facts, ensure_ascii=False),
            "missing_json": json.dumps(missing, ensure_ascii=False),
            "disagreements_json": json.dumps(found, ensure_ascii=False),
            "engine": engine_version(),
            "seconds": round(seconds, 3),
            "read_at": format_rfc3339(now_local()),
        },
        pk="capture_id",
    )


def register(app: Flask) -> None:
    svc = services_of(app)
    config = svc.user_config.get("ocr") if isinstance(svc.user_config.get("ocr"), dict) else {}
    cross_check = app.config.get("OCR_CROSS_CHECK", config.get("cross_check", True))
    svc.ocr = OcrService(cross_check=bool(cross_check))
    svc.jobs.register(OCR_JOB, read_capture, max_attempts=2, backoff_seconds=30.0)

    def queue_ocr(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
        if wanted(row, svc.ocr.cross_check):
            svc.jobs.enqueue(db, OCR_JOB, {"capture_id": row["id"]}, key=row["id"])

    svc.on_capture_stored.append(queue_ocr)
