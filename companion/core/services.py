"""The typed services object: what the app holds for its requests, instead of a string-keyed dict.

``create_app`` builds the core fields; each feature's ``init_app`` fills its own (the analysis
cache, thumbnails, the complaint calendar, the job queue). Routes reach it with ``services()``.
Nothing here is a module global: every app (and so every test) has its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from companion.core.config import DataDir
from companion.core.schema import Schema

if TYPE_CHECKING:  # features' types, for the annotations only (core imports no feature at run time)
    from companion.access.guard import AccessGuard
    from companion.analysis.cache import AnalysisCache
    from companion.analysis.detect import Thresholds
    from companion.campaigns.chart_data import ChartCache
    from companion.campaigns.thumbnails import Thumbnails
    from companion.complaints.followup import Calendar
    from companion.evidence.blobs import BlobStore
    from companion.jobs.queue import JobQueue
    from companion.ocr.jobs import OcrService

EXTENSION_KEY = "bargain_witness"


@dataclass
class Services:
    data_dir: DataDir
    token: str
    schema: Schema
    user_config: dict[str, Any]
    blobs: BlobStore = None  # type: ignore[assignment]  # evidence
    thresholds: Thresholds = None  # type: ignore[assignment]  # analysis
    analysis: AnalysisCache = None  # type: ignore[assignment]  # analysis
    thumbnails: Thumbnails = None  # type: ignore[assignment]  # campaigns
    chart_cache: ChartCache = None  # type: ignore[assignment]  # campaigns
    calendar: Calendar = None  # type: ignore[assignment]  # complaints
    jobs: JobQueue = None  # type: ignore[assignment]  # jobs
    access: AccessGuard = None  # type: ignore[assignment]  # access: who may call (core/security.py asks it)
    # Sections of the dashboard's settings page that other features own (access: paired browsers),
    # each a callable returning HTML, rendered in order after the page's own facts.
    settings_sections: list[Callable[[], Any]] = field(default_factory=list)
    # Sections of the dashboard's capture page that other features own (recording: the player and
    # its chunks), each a callable(capture_id) returning HTML (or ""), rendered after the picture.
    capture_sections: list[Callable[[str], Any]] = field(default_factory=list)
    # Files other features add to a campaign's bundle as conveniences, never evidence (recording:
    # the derived copies): each a callable(db, campaign_id) returning [(path in the bundle, bytes or Path)].
    bundle_extras: list[Callable[[Any, str], list[tuple[str, Any]]]] = field(default_factory=list)
    ocr: OcrService = None  # type: ignore[assignment]  # ocr: the one engine, used by the job worker
    # Called inside each new capture's write transaction with the database and the capture row
    # (features subscribe in init_app, e.g. to queue a thumbnail job): cheap steps only, they
    # commit or roll back with the capture itself.
    on_capture_stored: list[Callable[[Any, dict[str, Any]], None]] = field(default_factory=list)


def services() -> Services:
    """This app's services (inside a request or an app context)."""
    return current_app.extensions[EXTENSION_KEY]


def services_of(app: Flask) -> Services:
    """The same, from the app object (for ``init_app``, outside any request)."""
    return app.extensions[EXTENSION_KEY]
