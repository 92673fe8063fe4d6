"""Docs that outside clients rely on must not drift from the code."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_schema_message_is_documented():
    schema = json.loads((ROOT / "shared/schema.json").read_text(encoding="utf-8"))
    api_doc = (ROOT / "docs/api.md").read_text(encoding="utf-8")
    missing = [name for name in schema["$defs"] if f"`{name}`" not in api_doc]
    assert not missing, f"undocumented schema definitions in docs/api.md: {missing}"


def test_every_fact_field_is_documented():
    schema = json.loads((ROOT / "shared/schema.json").read_text(encoding="utf-8"))
    api_doc = (ROOT / "docs/api.md").read_text(encoding="utf-8")
    missing = [f for f in schema["$defs"]["facts"]["properties"] if f"`{f}`" not in api_doc]
    assert not missing, f"undocumented fact fields: {missing}"


def test_no_wrong_pinduoduo_numbers_in_product():
    """95188 is Alipay's hotline and 400-8822-888 a content-farm number (docs/complaints.md)."""
    bad = ("95188", "400-8822-888")
    for folder in ("companion", "extension", "docs", "README.md"):
        path = ROOT / folder
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for f in files:
            if f.suffix in {".png", ".jpg", ".sqlite3", ".pyc"}:
                continue
            text = f.read_text(encoding="utf-8", errors="ignore")
            assert not any(b in text for b in bad), f"{f} shows a wrong Pinduoduo number"
