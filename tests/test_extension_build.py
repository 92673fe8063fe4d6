"""The extension as users install it (#12): `npm run build` makes one zip for Chromium browsers
(Chrome, Edge, 360, QQ) and one for Firefox, each with every file and the manifest its browser reads."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile

import pytest
from helpers import EXTENSION_DIR, ROOT


@pytest.fixture(scope="module")
def zips():
    npm = shutil.which("npm")
    if not npm or not (ROOT / "node_modules" / "web-ext").is_dir():
        pytest.fail("npm and node_modules/web-ext are needed: run `npm ci` (scripts/test does)")
    done = subprocess.run(
        [npm, "run", "--silent", "build"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    version = json.loads((EXTENSION_DIR / "manifest.json").read_text(encoding="utf-8"))["version"]
    return {t: ROOT / "dist" / f"bargain-witness-{t}-{version}.zip" for t in ("chromium", "firefox")}


def _manifest(path) -> dict:
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read("manifest.json").decode("utf-8"))


def test_each_zip_holds_every_file_of_the_extension(zips):
    expected = {p.relative_to(EXTENSION_DIR).as_posix() for p in EXTENSION_DIR.rglob("*") if p.is_file()}
    for path in zips.values():
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None
            assert set(z.namelist()) - {n for n in z.namelist() if n.endswith("/")} == expected
            for name in expected - {"manifest.json"}:
                assert z.read(name) == (EXTENSION_DIR / name).read_bytes(), name


def test_each_manifest_is_what_its_browser_reads(zips):
    source = json.loads((EXTENSION_DIR / "manifest.json").read_text(encoding="utf-8"))
    chromium, firefox = _manifest(zips["chromium"]), _manifest(zips["firefox"])
    assert chromium["background"] == {"service_worker": "sw.js", "type": "module"}
    assert "browser_specific_settings" not in chromium
    assert firefox["background"] == {"scripts": ["sw.js"], "type": "module"}
    assert firefox["browser_specific_settings"]["gecko"]["id"] and "minimum_chrome_version" not in firefox
    for built in (chromium, firefox):
        assert built["manifest_version"] == 3 and built["version"] == source["version"]
        for key in ("name", "host_permissions", "content_scripts", "commands", "action"):
            assert built[key] == source[key], key
        for icon in built["icons"].values():
            assert (EXTENSION_DIR / icon).is_file()
    # Firefox has no pageCapture (#15): its package does not ask for it; the page source is the DOM.
    assert chromium["permissions"] == source["permissions"] and "pageCapture" in chromium["permissions"]
    assert firefox["permissions"] == [p for p in source["permissions"] if p != "pageCapture"]


def test_the_firefox_package_passes_web_ext_lint(zips):
    npx = shutil.which("npx")
    done = subprocess.run(
        [
            npx,
            "web-ext",
            "lint",
            "--source-dir",
            str(ROOT / "build" / "extension" / "firefox"),
            "--output",
            "json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(done.stdout[done.stdout.index("{") :])
    assert report["errors"] == [], report["errors"]
