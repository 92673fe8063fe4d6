"""App factory: everything the app needs hangs off the app object (config, extensions), no globals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from companion import analysis, api, complaints_api, complaints_views, dashboard, db, export_views, security
from companion.errors import register_error_handlers
from companion.followup import Calendar
from companion.paths import ensure_data_dir, load_user_config, read_or_create_token, resolve_data_dir
from companion.schema import Schema
from companion.storage import BlobStore

DEFAULTS: dict[str, Any] = {
    # Largest accepted request: a 4K full-page PNG in base64 is ~20 MB; more is refused with 413.
    "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
    # Largest accepted screenshot, in pixels (well under Pillow's bomb limit): 8K × 4K.
    "MAX_IMAGE_PIXELS": 7680 * 4320,
    "ALLOWED_HOSTS": frozenset({"127.0.0.1", "localhost", "[::1]"}),
    "JSON_AS_ASCII": False,
}


def create_app(test_config: dict[str, Any] | None = None, data_dir: str | Path | None = None) -> Flask:
    """Build the companion for one data dir (``--data-dir``, $BARGAIN_WITNESS_DATA or the default)."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    if test_config:
        app.config.from_mapping(test_config)
    root = ensure_data_dir(resolve_data_dir(app.config.get("DATA_DIR") or data_dir))
    app.config["DATA_DIR"] = str(root)
    user_config = load_user_config(root)
    if "detect_thresholds" in user_config and "DETECT_THRESHOLDS" not in (test_config or {}):
        app.config["DETECT_THRESHOLDS"] = user_config["detect_thresholds"]
    app.config.setdefault("DATABASE", str(root / "bargain-witness.sqlite3"))
    app.config.setdefault("API_TOKEN", read_or_create_token(root))
    app.json.ensure_ascii = False

    app.extensions["bargain_witness"] = {
        "schema": Schema(),
        "blobs": BlobStore(root / "blobs"),
        "calendar": Calendar.from_lists(
            user_config.get("holidays", []), user_config.get("extra_workdays", [])
        ),
    }
    db.init_app(app)
    analysis.init_app(app)
    security.init_app(app)
    register_error_handlers(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(complaints_api.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(complaints_views.bp)
    app.register_blueprint(export_views.api_bp)
    app.register_blueprint(export_views.ui_bp)
    return app
