"""A small original commits with its capture (``pending_blobs``) and is made a durable file later;
until then every reader uses the staged copy (#13, docs/evidence.md "Durability")."""

from __future__ import annotations

import base64
import os
import sqlite3
import struct
import zlib
from pathlib import Path

from helpers import capture_payload, png_bytes

from companion.core.db import get_db
from companion.core.services import services
from companion.evidence.blobs import STAGE_LIMIT


def staged_count(app) -> int:
    conn = sqlite3.connect(Path(app.config["DATA_DIR"]) / "bargain-witness.sqlite3")
    try:
        return conn.execute("SELECT COUNT(*) FROM pending_blobs").fetchone()[0]
    finally:
        conn.close()


def original(app, sha256: str) -> Path:
    return Path(app.config["DATA_DIR"], "blobs", sha256[:2], f"{sha256}.png")


def test_the_file_is_there_at_once_and_the_worker_makes_it_durable(app, client):
    answer = client.post("/api/v1/captures", json=capture_payload(seed=1)).get_json()
    path = original(app, answer["sha256"])
    assert path.read_bytes() == png_bytes(seed=1) and staged_count(app) == 1
    with app.app_context():
        assert services().blobs.sync_pending(get_db()) == 1
    assert staged_count(app) == 0 and path.read_bytes() == png_bytes(seed=1)


def test_readers_use_the_staged_copy_while_the_file_is_missing_or_torn(app, client, tmp_path):
    from companion.evidence.verify_bundle import verify_bundle

    answers = [client.post("/api/v1/captures", json=capture_payload(seed=s)).get_json() for s in (2, 3)]
    missing, torn = (original(app, a["sha256"]) for a in answers)
    for path in (missing, torn):
        path.chmod(0o600)
    missing.unlink()  # as a kill between the commit and the file write leaves it
    torn.write_bytes(torn.read_bytes()[:100])  # as a power cut before the sync can
    resp = client.get(f"/api/v1/campaigns/{answers[0]['campaign_id']}/export")
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(resp.data)
    resp.close()
    assert resp.status_code == 200 and verify_bundle(bundle).problems == []
    image = client.get(f"/captures/{answers[0]['capture_id']}/image")
    assert image.status_code == 200 and image.data == png_bytes(seed=2)
    image.close()
    assert missing.read_bytes() == png_bytes(seed=2)  # the image route wrote it, durably
    with app.app_context():
        services().blobs.sync_pending(get_db())
    assert torn.read_bytes() == png_bytes(seed=3) and staged_count(app) == 0


def test_a_large_original_is_fsynced_before_its_commit_not_staged(app, client):
    big = png_bytes(width=700, height=700, seed=4)
    noise = os.urandom(STAGE_LIMIT)  # a PNG too big to stage: random bytes in a private chunk
    chunk = struct.pack(">I", len(noise)) + b"prIV" + noise + struct.pack(">I", zlib.crc32(b"prIV" + noise))
    data = big[:33] + chunk + big[33:]
    payload = capture_payload(image=data)
    assert len(base64.b64decode(payload["image"]["data_base64"])) > STAGE_LIMIT
    answer = client.post("/api/v1/captures", json=payload)
    assert answer.status_code == 201, answer.get_json()
    assert original(app, answer.get_json()["sha256"]).read_bytes() == data and staged_count(app) == 0
