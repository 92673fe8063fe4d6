"""The layout rules of docs/architecture.md, enforced: they hold only as long as a test says so."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from helpers import ROOT, SCHEMA_PATH

from companion.core import vocab

PACKAGE = ROOT / "companion"
FEATURES = ("evidence", "analysis", "campaigns", "complaints", "export", "jobs")
ROUTE_MODULES = ("api", "views", "web", "cli")
PURE = (
    "core/checks.py",
    "evidence/validate.py",
    "analysis/points.py",
    "analysis/rules.py",
    "analysis/detect.py",
    "analysis/wording.py",
    "analysis/trends.py",
    "analysis/incidents.py",
    "evidence/chain.py",
    "evidence/identity.py",
    "evidence/image_structure.py",
    "evidence/environment.py",
    "evidence/coverage.py",
    "evidence/tsa.py",
    "export/text.py",
    "complaints/case.py",
    "complaints/drafts.py",
    "complaints/followup.py",
    "complaints/channels",
    "campaigns/charts.py",
    "campaigns/formatting.py",
    "campaigns/stored.py",
    "ocr/layout.py",
    "ocr/decoys.py",
    "ocr/crosscheck.py",
    "intake/times.py",
)
MAX_LINES = 400
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _runtime_imports(path: Path) -> set[str]:
    """Modules imported when the file runs (not those under ``if TYPE_CHECKING:``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_module_is_small_enough_to_read_in_one_sitting(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_architecture_doc_names_every_module():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [
        _rel(p)
        for p in MODULES
        if p.name not in ("__init__.py", "__main__.py")
        and f"companion/{_rel(p)}" not in doc
        and f"`{p.name}`" not in doc
    ]
    assert not missing, f"docs/architecture.md does not say where these are: {missing}"


def test_core_imports_no_feature():
    for path in (PACKAGE / "core").rglob("*.py"):
        bad = {m for m in _runtime_imports(path) if m.split(".")[1:2] and m.split(".")[1] in FEATURES}
        assert not {m for m in bad if m.startswith("companion.")}, f"{_rel(path)} imports {bad}"


def test_no_feature_imports_another_features_routes():
    for feature in FEATURES:
        for path in (PACKAGE / feature).rglob("*.py"):
            for module in _runtime_imports(path):
                parts = module.split(".")
                foreign = len(parts) >= 3 and parts[0] == "companion" and parts[1] in FEATURES
                if foreign and parts[1] != feature and parts[2] in ROUTE_MODULES:
                    pytest.fail(f"{_rel(path)} imports {module}: another feature's routes")


def test_pure_modules_know_nothing_of_flask_or_sqlite():
    paths = [
        p
        for entry in PURE
        for p in ([PACKAGE / entry] if entry.endswith(".py") else (PACKAGE / entry).glob("*.py"))
    ]
    assert len(paths) >= len(PURE)
    for path in paths:
        bad = {
            m
            for m in _runtime_imports(path)
            if m.split(".")[0] in ("flask", "sqlite3", "sqlite_utils", "werkzeug")
        }
        assert not bad, f"{_rel(path)} is meant to be pure but imports {bad}"


def test_ingest_runs_without_flask():
    """An importer or a screen watcher calls the write path directly (no app, no request)."""
    imports = _runtime_imports(PACKAGE / "evidence" / "ingest.py")
    assert not {m for m in imports if m.startswith(("flask", "werkzeug"))}


def test_vocabulary_matches_the_schema():
    defs = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["$defs"]
    assert tuple(defs["capture"]["properties"]["source"]["enum"]) == vocab.CAPTURE_SOURCES
    assert set(defs["finding"]["properties"]["type"]["enum"]) == set(vocab.FINDING_TYPES)
    assert set(defs["finding"]["properties"]["severity"]["enum"]) == set(vocab.SEVERITIES)
    for name in ("complaint_draft", "filing"):
        assert tuple(defs[name]["properties"]["channel"]["enum"]) == vocab.CHANNELS
    for name in ("complaint_edit", "complaint_draft"):
        assert tuple(defs[name]["properties"]["problem"]["enum"]) == vocab.PROBLEMS
    assert set(vocab.PROBLEM_ZH) == set(vocab.PROBLEMS)
    for table in (vocab.SEVERITY_ZH, vocab.FINDING_TYPE_ZH, vocab.CAPTURE_SOURCE_ZH):
        assert all(isinstance(v, str) and v for v in table.values())
    assert set(vocab.FINDING_TYPE_ZH) == set(vocab.FINDING_TYPES)
    assert set(vocab.CAPTURE_SOURCE_ZH) == set(vocab.CAPTURE_SOURCES)


def test_the_code_cites_the_projects_own_docs():
    """Code and docs cite docs/*.md, never a design brief that is not in this repository."""
    offenders = []
    BRIEF = "DESIGN" + " §"  # spelled apart so this file does not match itself
    for folder in ("companion", "extension", "docs", "tests", "bench", "scripts"):
        for path in (ROOT / folder).rglob("*"):
            text = path.read_text(encoding="utf-8", errors="ignore") if path.is_file() else ""
            if path.suffix in {".py", ".js", ".md", ".html", ".css", ""} and BRIEF in text:
                offenders.append(str(path.relative_to(ROOT)))
    for name in ("README.md", "CHANGELOG.md"):
        if BRIEF in (ROOT / name).read_text(encoding="utf-8"):
            offenders.append(name)
    assert not offenders, f"cite docs/ instead of DESIGN: {offenders}"


def test_tests_import_helpers_not_conftest_or_each_other():
    """What tests share lives in tests/helpers/; a test module imported by another runs twice."""
    for path in sorted((ROOT / "tests").glob("*.py")):
        for module in _runtime_imports(path):
            top = module.split(".")[0]
            assert top != "conftest" and not top.startswith("test_"), f"{path.name} imports {module}"


def test_every_write_takes_the_lock_up_front():
    """sqlite-utils' ``db.atomic()`` begins a DEFERRED transaction, which fails with "database is
    locked" instead of waiting when a capture commits first; writes use ``write_transaction`` (#11)."""
    offenders = [_rel(p) for p in MODULES if ".atomic(" in p.read_text(encoding="utf-8")]
    assert not offenders, f"use core.db.write_transaction (BEGIN IMMEDIATE) instead of atomic(): {offenders}"
