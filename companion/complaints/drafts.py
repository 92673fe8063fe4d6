"""A channel's draft as the user sees it: generated from the case, with their saved edits applied."""

from __future__ import annotations

from typing import Any

from companion.complaints.case import DEMANDS, PROBLEM_DEMANDS, CaseFacts, chosen_demands
from companion.complaints.channels import channel
from companion.core.checks import without_controls
from companion.core.vocab import PROBLEM_ZH


def draft(
    key: str, f: CaseFacts, demands: list[str] | None = None, edits: dict[str, str] | None = None
) -> dict[str, Any]:
    """A channel's draft; the user's saved edits replace generated values field by field."""
    ch = channel(key)
    chosen = chosen_demands(f, demands)  # only demands that fit the case's problem
    edits = edits or {}
    fields = ch.fields(f, chosen)
    for field in fields:
        # Generated from page text (a title, helpers' names): no control or bidi characters in what
        # the user copies into an official form. Their own edits stay as they typed them.
        if isinstance(field.get("value"), str):
            field["value"] = without_controls(field["value"])
        if field["key"] in edits:
            field["generated"] = field["value"]
            field["value"] = edits[field["key"]]
            field["edited"] = True
    text = "\n\n".join(f"【{x['label']}】\n{x['value']}" for x in fields if x["value"])
    return {
        "channel": key,
        "channel_name": ch.name,
        "title": without_controls(f"{ch.name}：{f.title}"),
        "fields": fields,
        "demands": chosen,
        "demand_options": {d: DEMANDS[d] for d in PROBLEM_DEMANDS[f.problem]},
        "problem": f.problem,
        "problem_name": PROBLEM_ZH[f.problem],
        "problem_options": PROBLEM_ZH,
        "attachments": f.evidence,
        "text": text,
        "edited": bool(edits),
    }
