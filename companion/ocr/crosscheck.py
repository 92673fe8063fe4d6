"""Cross-check: the figures OCR read from a capture's picture against those read from its page text.

Both readers show the figure as displayed, so they agree exactly when both are right; a field
only one of them read is not a disagreement (OCR reports what it could not read as missing, and a
page's text may hold figures its visible part does not show). A disagreement is recorded on the
capture and shown on the dashboard: one of the two readings is wrong, or the picture is not of the
page the text came from. Pure.
"""

from __future__ import annotations

from typing import Any

COMPARED = (
    "cut_amount",
    "remaining_amount",
    "cut_percent",
    "remaining_percent",
    "target_price",
    "helper_count",
)
EPS = 1e-9


def disagreements(page: dict[str, Any], pixels: dict[str, Any]) -> list[dict[str, Any]]:
    """``[{field, page_text, pixels}]`` for each field both read with different values."""
    found = []
    for key in COMPARED:
        a, b = page.get(key), pixels.get(key)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) > EPS:
            found.append({"field": key, "page_text": a, "pixels": b})
    return found
