"""App factory: config -> services -> each feature's ``init_app``, in the order of ``FEATURES``.

Everything the app needs hangs off the app object (``app.config`` and one typed ``Services``), no
globals, so two apps (two tests, two data dirs) never share state. A new capability is a new package
with an ``init_app(app)`` added to ``FEATURES``; see docs/architecture.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from companion import access, analysis, campaigns, complaints, evidence, export, intake, jobs, ocr, recording
from companion.core import db, security
from companion.core.config import load_user_config, read_or_create_token, resolve_data_dir
from companion.core.schema import Schema
from companion.core.services import EXTENSION_KEY, Services
from companion.core.web import register_error_handlers, shown, verbatim

# Each feature wires its routes, services and job handlers; order matters only where a feature
# uses another's service at init time (jobs first: others register handlers with it).
FEATURES = (jobs, access, evidence, analysis, campaigns, complaints, export, ocr, intake, recording)

DEFAULTS: dict[str, Any] = {
    # Largest accepted request: a 4K full-page PNG in base64 is ~20 MB; more is refused with 413.
    "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
    # Largest accepted screenshot, in pixels (well under Pillow's bomb limit): 8K × 4K.
    "MAX_IMAGE_PIXELS": 7680 * 4320,
    # A capture's files (issue #15): the largest request (a 40 MB full-page part in Base64, plus its
    # JSON) and a full-page part's pixels (tall, still under Pillow's bomb limit).
    "MAX_FILE_REQUEST": 40 * 1024 * 1024 * 4 // 3 + 64 * 1024,
    "MAX_FULL_PAGE_PIXELS": 64_000_000,
    # Seconds a thumbnail request waits for its turn to decode (campaigns/thumbnails.py), then 503.
    "THUMBNAIL_WAIT": 10.0,
    "ALLOWED_HOSTS": frozenset({"127.0.0.1", "localhost", "[::1]"}),
    "JSON_AS_ASCII": False,
}


def create_app(test_config: dict[str, Any] | None = None, data_dir: str | Path | None = None) -> Flask:
    """Build the companion for one data dir (``--data-dir``, $BARGAIN_WITNESS_DATA or the default)."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    if test_config:
        app.config.from_mapping(test_config)
    layout = resolve_data_dir(app.config.get("DATA_DIR") or data_dir).ensure()
    app.config["DATA_DIR"] = str(layout.root)
    user_config = load_user_config(layout)
    if "detect_thresholds" in user_config and "DETECT_THRESHOLDS" not in (test_config or {}):
        app.config["DETECT_THRESHOLDS"] = user_config["detect_thresholds"]
    app.config.setdefault("DATABASE", str(layout.database))
    app.config.setdefault("API_TOKEN", read_or_create_token(layout))
    app.json.ensure_ascii = False

    app.extensions[EXTENSION_KEY] = Services(
        data_dir=layout, token=app.config["API_TOKEN"], schema=Schema(), user_config=user_config
    )
    db.init_app(app)
    security.init_app(app)
    register_error_handlers(app)
    app.jinja_env.finalize = shown  # page text shown, never reordering what is read
    app.jinja_env.filters["verbatim"] = verbatim  # form values round-trip as stored
    for feature in FEATURES:
        feature.init_app(app)
    return app
