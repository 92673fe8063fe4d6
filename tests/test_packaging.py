"""The companion installs anywhere, not only as an editable checkout (#8).

The wheel is built from this tree, installed into a fresh virtual environment that sees none of
the repository, and run as a user would: ``bargain-witness serve`` archives a capture, and
``info`` names an extension folder that holds the whole extension.
"""

from __future__ import annotations

import json
import site
import subprocess
import sys
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest
from helpers import EXTENSION_DIR, ROOT, capture_payload
from helpers.companion_proc import start_companion, stop_companion


def _tracked(folder: str) -> set[str]:
    out = subprocess.run(["git", "ls-files", folder], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (found,) = out.glob("bargain_witness-*.whl")
    return found


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
    """A fresh venv with only the wheel installed; its dependencies come from this test run's
    site-packages through a .pth path entry (not a site dir, so the checkout's editable finder
    is not loaded and nothing of the repository is importable)."""
    env = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(env)
    py = env / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    purelib = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib, "test-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    return env


def test_installed_wheel_serves_and_archives(installed, tmp_path):
    script = installed / ("Scripts/bargain-witness.exe" if sys.platform == "win32" else "bin/bargain-witness")
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
