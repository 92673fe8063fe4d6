"""The extension's plain-JS libraries, unit-tested under node's test runner (tests/js/*.test.mjs:
lib/messages.js with a stubbed chrome.runtime, sw.js's router, lib/pagekey.js's samePage), and
the static rules that keep lib/messages.js the one way messages are sent."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXTENSION = ROOT / "extension"
JS_TESTS = sorted((ROOT / "tests" / "js").glob("*.test.mjs"))
CORE = "lib/messages-core.js"


def node() -> str:
    path = shutil.which("node")
    if not path:
        pytest.fail(
            "node is not on PATH: the extension's JS libraries are unit-tested with node's test "
            "runner (Node.js 20+; scripts/test installs the npm tooling that needs it)",
            pytrace=False,
        )
    return path


@pytest.mark.parametrize("test_file", JS_TESTS, ids=[p.name for p in JS_TESTS])
def test_node_unit_tests(test_file):
    done = subprocess.run(
        [node(), "--test", "--test-reporter=tap", str(test_file)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    counts = dict(re.findall(r"^# (tests|pass|fail) (\d+)$", done.stdout, re.M))
    assert int(counts["tests"]) > 0 and counts["fail"] == "0" and counts["pass"] == counts["tests"], counts


def test_there_are_node_tests_for_every_library():
    assert {p.name for p in JS_TESTS} >= {"messages.test.mjs", "router.test.mjs", "pagekey.test.mjs"}


def _extension_scripts() -> list[Path]:
    return sorted(EXTENSION.rglob("*.js"))


def test_only_messages_core_calls_send_message():
    """Every context sends through send() (lib/messages.js, or its global in the content script)."""
    callers = [
        str(p.relative_to(EXTENSION))
        for p in _extension_scripts()
        if "runtime.sendMessage" in p.read_text(encoding="utf-8")
    ]
    assert callers == [CORE]


def test_message_type_literals_live_in_messages_core_only():
    core = (EXTENSION / CORE).read_text(encoding="utf-8")
    block = core[core.index("const MSG = Object.freeze({") :]
    types = re.findall(r'^\s+[A-Z_]+: "([a-z-]+)",', block[: block.index("});")], re.M)
    assert len(types) == 16, types  # click-result since #13, the recording's seven since #15
    # A type spelled where a message is built or routed (not, say, the element id "outbox-count").
    alternatives = "|".join(types)
    spelled = re.compile(
        r"""(?:type\s*:|send\(|ask\(|case\s|[=!]==|[\[,])\s*["'](""" + alternatives + """)["']"""
    )
    for path in _extension_scripts():
        rel = str(path.relative_to(EXTENSION))
        if rel != CORE:
            used = spelled.findall(path.read_text(encoding="utf-8"))
            assert not used, f"{rel} spells message types {used}: use MSG from lib/messages.js"


FORMFILL_ORDER = [
    CORE,
    "content/formfill-match.js",
    "content/formfill-fill.js",
    "content/formfill-style.js",
    "content/formfill-panel.js",
    "content/formfill.js",
]


def test_manifest_loads_messages_core_just_before_the_form_filler():
    """The filler is several classic scripts sharing one isolated world: each needs the ones
    before it (docs/formfill.md), so the manifest lists them in this order, https only."""
    manifest = json.loads((EXTENSION / "manifest.json").read_text(encoding="utf-8"))
    [entry] = [e for e in manifest["content_scripts"] if "content/formfill.js" in e["js"]]
    assert entry["js"] == FORMFILL_ORDER
    assert all(m.startswith("https://") for m in entry["matches"]), entry["matches"]
    assert "css" not in entry  # the styles live in the closed shadow root
    core = (EXTENSION / CORE).read_text(encoding="utf-8")
    assert not re.search(r"^\s*(import|export)\b", core, re.M), (
        "a classic content script cannot import/export"
    )
