"""The capture POST's answer: built, stored, and given again to a retry of the same capture.

The answer carries the capture's ids and every finding of its campaign, grouped into incidents
(docs/api.md ``capture_result``). A retry of a stored capture (the same ``capture_id``, the same
request) gets the first answer with ``duplicate: true``: a small answer is stored as sent; one over
``STORE_ANSWER_UPTO`` bytes as the readings its findings were computed from (m015), folded again for
the retry, since storing every answer whole grew the archive with the square of a campaign's findings.
Analysis is derived and can be redone: when it fails the answer says so by its findings (logged), and
the capture, which is evidence, is never refused for it. Used by ``ingest.py`` and the importer.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
import sqlite_utils

from companion.analysis.incidents import incidents_of
from companion.core import checks
from companion.core.errors import DomainError
from companion.evidence.validate import same_capture

log = logging.getLogger(__name__)


class Analysis(Protocol):
    """What ingest needs from the analysis cache (companion/analysis/cache.py)."""

    def append(
        self, db: sqlite_utils.Database, campaign_id: str, reading: dict[str, Any]
    ) -> list[dict[str, Any]] | None: ...

    def findings(self, db: sqlite_utils.Database, campaign_id: str) -> list[dict[str, Any]]: ...

    def findings_upto(
        self, db: sqlite_utils.Database, campaign_id: str, upto: int
    ) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class IngestResult:
    status: int
    body: dict[str, Any]
    text: str | None = None  # ``body`` serialised once (``answer_json``): sent as is


def findings_or_none(analysis: Analysis | None, db, campaign_id: str) -> list[dict[str, Any]] | None:
    """The campaign's findings after the commit, or None (logged) when the analysis fails."""
    if analysis is None:
        return []
    try:
        return analysis.findings(db, campaign_id)
    except Exception:
        log.exception(
            "analysis failed for campaign %s; the capture is stored, its findings are not", campaign_id
        )
        return None


def answer_body(capture_id: str, campaign_id: str, sha256: str, findings) -> dict[str, Any]:
    """The capture POST's answer: the findings, and the same grouped into incidents (worst first)."""
    return {
        "capture_id": capture_id,
        "campaign_id": campaign_id,
        "sha256": sha256,
        "findings": findings,
        "incidents": incidents_of(findings) if findings is not None else None,
    }


# An answer carries all of its campaign's findings. Past this many bytes it is stored by reference
# (m015): the readings its findings were computed from (``Findings.upto``), folded again on a replay;
# storing each whole made the archive grow with the square of a campaign's findings.
STORE_ANSWER_UPTO = 2048


def answer_json(body: dict[str, Any]) -> str:
    """The answer as JSON text. orjson: the answer carries every finding of the campaign (123 KB at
    100 findings), which the standard encoder took ~1.8 ms to write; the same JSON (compact, UTF-8),
    a value orjson refuses (an integer past 64 bits) falls back to the standard encoder."""
    try:
        return orjson.dumps(body).decode("utf-8")
    except TypeError:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def save_answer(db: sqlite_utils.Database, body: dict[str, Any]) -> str:
    text = answer_json(body)
    upto = getattr(body["findings"], "upto", None)
    if len(text) > STORE_ANSWER_UPTO and isinstance(upto, int):
        stored: list[Any] = [None, upto]
    else:
        stored = [text, None]
    db.execute(
        "INSERT OR IGNORE INTO capture_answers (capture_id, response_json, readings_upto) VALUES (?, ?, ?)",
        [body["capture_id"], *stored],
    )
    return text


def previous_answer(
    db: sqlite_utils.Database,
    capture_id: str,
    sha256: str,
    analysis: Analysis | None = None,
    payload: dict[str, Any] | None = None,
) -> IngestResult | None:
    """The first answer to ``capture_id``, or None when it is new.

    A retry is the same request again: 409 when the image differs, or (given the ``payload``) the
    time, source, page or facts do (``client`` may differ: a resend from the queue has a new
    ``sent_at``)."""
    row = db.execute(
        "SELECT c.sha256, a.response_json, c.campaign_id, c.taken_at, c.source, c.page_url, "
        "c.page_title, c.facts_json, a.readings_upto FROM captures c "
        "LEFT JOIN capture_answers a ON a.capture_id = c.id WHERE c.id = ?",
        [capture_id],
    ).fetchone()
    if row is None:
        return None
    if row[0] != sha256:
        raise DomainError(
            409, "capture_id_conflict", "这个 capture_id 已用于另一张截图；每次截图请使用新的 UUID。"
        )
    if payload is not None and not same_capture(row[:8], payload):
        raise DomainError(
            409,
            "capture_id_conflict",
            "这个 capture_id 已用于另一次截图（时间、网址或读数不同）；每次截图请使用新的 UUID。",
        )
    body = checks.json_or_none(row[1])
    if not isinstance(body, dict) and row[1] is None and isinstance(row[8], int):
        # Stored by reference (m015): the findings of the readings it was computed from.
        findings = _findings_upto(analysis, db, row[2], row[8])
        if findings is not None:
            body = answer_body(capture_id, row[2], sha256, findings)
    if not isinstance(body, dict):  # no answer yet (a re-fold in progress, a crash there), or odd
        if row[1] is not None or row[8] is not None:
            log.warning("odd stored answer of capture %s answered again", capture_id)
        body = answer_body(capture_id, row[2], sha256, findings_or_none(analysis, db, row[2]) or [])
    return IngestResult(200, {**body, "duplicate": True})


def _findings_upto(analysis: Analysis | None, db, campaign_id: str, upto: int) -> list[dict[str, Any]] | None:
    if analysis is None:
        return None
    try:
        return analysis.findings_upto(db, campaign_id, upto)
    except Exception:
        log.exception("replayed answer of campaign %s could not be re-computed", campaign_id)
        return None
