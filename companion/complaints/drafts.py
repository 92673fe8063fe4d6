"""A channel's draft as the user sees it: generated from the case, with their saved edits applied."""

from __future__ import annotations

from typing import Any

from companion.complaints.case import DEFAULT_DEMANDS, DEMANDS, CaseFacts
from companion.complaints.channels import channel


def draft(
    key: str, f: CaseFacts, demands: list[str] | None = None, edits: dict[str, str] | None = None
) -> dict[str, Any]:
    """A channel's draft; the user's saved edits replace generated values field by field."""
    ch = channel(key)
    chosen = [d for d in (demands or DEFAULT_DEMANDS) if d in DEMANDS] or list(DEFAULT_DEMANDS)
    edits = edits or {}
    fields = ch.fields(f, chosen)
    for field in fields:
        if field["key"] in edits:
            field["generated"] = field["value"]
            field["value"] = edits[field["key"]]
            field["edited"] = True
    text = "\n\n".join(f"【{x['label']}】\n{x['value']}" for x in fields if x["value"])
    return {
        "channel": key,
        "channel_name": ch.name,
        "title": f"{ch.name}：{f.title}",
        "fields": fields,
        "demands": chosen,
        "demand_options": DEMANDS,
        "attachments": f.evidence,
        "text": text,
        "edited": bool(edits),
    }
