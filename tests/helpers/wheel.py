"""The companion as a wheel: built offline from this tree and installed into a fresh venv that
cannot see the checkout (used by the packaging and fresh-install verify tests)."""

from __future__ import annotations

import site
import subprocess
import sys
import venv
from pathlib import Path

from helpers import ROOT


def build_wheel(out: Path) -> Path:
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
    (wheel,) = out.glob("bargain_witness-*.whl")
    return wheel


def install_in_fresh_venv(wheel: Path, env: Path) -> Path:
    """A venv with only the wheel installed; its dependencies come from this test run's site-packages
    through a .pth path entry (not a site dir, so the checkout's editable finder is not loaded and
    nothing of the repository is importable). Returns the venv's folder."""
    venv.EnvBuilder(with_pip=False).create(env)
    py = env / "bin" / "python"
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
