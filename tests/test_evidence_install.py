"""A bundle exported here verifies with nothing but the installed package (#10): the wheel is built
from this tree and installed into a fresh virtual environment that sees none of the repository
(as in test_packaging.py), and its ``bargain-witness verify`` checks the bundle, tokens included."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from helpers import ROOT, capture_payload
from helpers.local_tsa import LocalTsa
from helpers.wheel import build_wheel, install_in_fresh_venv

from companion.app import create_app
from companion.core.services import services_of


def _fresh_venv_with_the_wheel(tmp: Path) -> Path:
    return install_in_fresh_venv(build_wheel(tmp), tmp / "venv")


def test_a_bundle_verifies_in_a_fresh_install(tmp_path):
    tsa = LocalTsa(tmp_path / "tsa")
    try:
        data = tmp_path / "data"
        data.mkdir()
        shutil.copy(tsa.root, data / "root.pem")
        (data / "config.json").write_text(json.dumps({"tsa_urls": [tsa.url], "tsa_ca_file": "root.pem"}))
        app = create_app({"DATA_DIR": str(data), "TSA_BATCH_SECONDS": 0, "OCR_CROSS_CHECK": False})
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
        answer = client.post("/api/v1/captures", json=capture_payload()).get_json()
        services_of(app).jobs.run_due(app)
        bundle = tmp_path / "bundle.zip"
        with client.get(f"/api/v1/campaigns/{answer['campaign_id']}/export") as resp:
            bundle.write_bytes(resp.data)
    finally:
        tsa.close()
    env = _fresh_venv_with_the_wheel(tmp_path / "wheel")
    where = subprocess.run(
        [str(env / "bin/python"), "-c", "import companion; print(companion.__file__)"],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    ).stdout  # fmt: skip
    assert str(ROOT) not in where
    result = subprocess.run(
        [str(env / "bin/bargain-witness"), "verify", str(bundle)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "全部完好" in result.stdout and "可信时间不晚于" in result.stdout
