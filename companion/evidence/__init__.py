"""Evidence: the write path and its proof (ingest, the hash chain, the blob store, verify).

Everything here but ``api.py`` works without Flask, so an importer or a screen watcher can call
``ingest.ingest_capture`` directly.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from companion.core.services import services_of
    from companion.evidence import api, files_api, stamping
    from companion.evidence.blobs import BlobStore

    svc = services_of(app)
    svc.blobs = BlobStore(svc.data_dir.blobs)
    stamping.register(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(files_api.bp)
