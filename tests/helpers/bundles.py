"""Reading and tampering with an exported evidence bundle (a ZIP that unzips into one folder), the
way the export, capture-file, communication, recording and court tests check what ``verify`` says."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path


def export_bundle(client, campaign_id: str, path: Path) -> Path:
    """The campaign's bundle, exported through the API by a token-carrying test client, at ``path``."""
    with client.get(f"/api/v1/campaigns/{campaign_id}/export") as resp:
        assert resp.status_code == 200
        path.write_bytes(resp.data)
    return path


def read_bundle(path: Path) -> dict[str, bytes]:
    """Every file of the bundle by its path inside the bundle's own folder."""
    with zipfile.ZipFile(path) as zf:
        tops = {n.split("/")[0] for n in zf.namelist()}
        assert len(tops) == 1  # it unzips into its own folder
        top = tops.pop() + "/"
        return {n.removeprefix(top): zf.read(n) for n in zf.namelist()}


def rewrite(src: Path, dst: Path, change: Callable[[dict[str, bytes]], None]) -> None:
    """Re-zip the bundle after ``change`` edits its files (by their path inside the bundle folder;
    a file it deletes is left out)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        top = zin.namelist()[0].split("/")[0] + "/"
        files = {n.removeprefix(top): zin.read(n) for n in zin.namelist()}
        change(files)
        for name, data in files.items():
            zout.writestr(top + name, data)
