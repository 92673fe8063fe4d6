"""The companion installs anywhere, not only as an editable checkout (#8).

The wheel is built from this tree, installed into a fresh virtual environment that sees none of
the repository, and run as a user would: ``bargain-witness serve`` archives a capture, and
``info`` names an extension folder that holds the whole extension.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request
import zipfile
from pathlib import Path

import pytest
from helpers import EXTENSION_DIR, ROOT, capture_payload
from helpers.companion_proc import start_companion, stop_companion
from helpers.wheel import build_wheel, install_in_fresh_venv


def _tracked(folder: str) -> set[str]:
    out = subprocess.run(["git", "ls-files", folder], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


def test_wheel_holds_every_shipped_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("extension", "shared"):
        tracked = _tracked(folder)
        assert tracked, folder
        missing = sorted(f for f in tracked if f"companion/{f}" not in names)
        assert not missing, f"not in the wheel: {missing}"
    for needed in (
        "companion/templates/base.html",
        "companion/static/style.css",
        "companion/static/demo/index.html",
    ):
        assert needed in names


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    return install_in_fresh_venv(wheel, tmp_path_factory.mktemp("venv"))


def test_installed_wheel_serves_and_archives(installed, tmp_path):
    script = installed / "bin" / "bargain-witness"
    where = subprocess.run(
        [str(installed / "bin/python"), "-c", "import companion; print(companion.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout.strip()
    assert str(installed) in where and str(ROOT) not in where

    info = subprocess.run(
        [str(script), "info", "--data-dir", str(tmp_path / "d")],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    ext_line = next(line for line in info.splitlines() if "Extension" in line)
    ext_dir = Path(ext_line.split(":", 1)[1].strip())
    assert str(installed) in str(ext_dir) and (ext_dir / "manifest.json").is_file()
    assert (ext_dir / "content" / "reader.js").read_bytes() == (
        EXTENSION_DIR / "content" / "reader.js"
    ).read_bytes()

    comp = start_companion(tmp_path / "data", serve_bin=[str(script)], cwd=tmp_path)
    try:
        body = json.dumps(capture_payload()).encode()
        req = urllib.request.Request(
            f"{comp.url}/api/v1/captures",
            data=body,
            headers={"Authorization": f"Bearer {comp.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            answer = json.loads(resp.read())
            assert resp.status == 201
        assert answer["sha256"] and answer["campaign_id"]
        assert str(ext_dir) in comp.log()
    finally:
        stop_companion(comp)
