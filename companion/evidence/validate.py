"""The checks of a capture's own values, before anything is written (pure: no Flask, no SQLite).

``validate_payload`` runs every check of the request (the schema, times, the page URL, nesting and
text); ``decode_image`` the Base64; ``same_capture`` tells a retry from a reuse of its capture_id.
The image itself is checked by ``imaging.inspect_image``. Errors are ``DomainError``s.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from companion.core import checks
from companion.core.errors import DomainError
from companion.core.schema import Schema
from companion.core.timeutil import parse_rfc3339


def decode_image(data_base64: str) -> bytes:
    text = data_base64.strip()
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError(422, "invalid_base64", "image.data_base64 不是有效的 Base64 数据。") from None


def validate_payload(schema: Schema, payload: Any) -> None:
    """Every check of the request's own values; the image and the capture_id come after."""
    if not isinstance(payload, dict):
        raise DomainError(400, "invalid_json", "请求体必须是一个 JSON 对象。")
    checks.check_value(payload)  # nesting, finite numbers, storable text (a direct caller skips the web's)
    problem = schema.first_error("capture", payload)
    if problem:
        status = 400 if any(k not in payload for k in ("capture_id", "taken_at", "image", "page")) else 422
        raise DomainError(status, "schema_violation", f"请求内容不符合 shared/schema.json：{problem}")
    try:
        taken = parse_rfc3339(payload["taken_at"])
    except ValueError:
        raise DomainError(422, "invalid_time", "taken_at 必须是带时区偏移的 RFC 3339 时间。") from None
    # No real capture is from outside this range, and the deadline arithmetic must not overflow.
    if not 2000 <= taken.year <= 2100:
        raise DomainError(422, "invalid_time", f"taken_at 的年份 {taken.year} 不合理，请检查电脑的日期设置。")
    sent_at = (payload.get("client") or {}).get("sent_at")
    if sent_at is not None:
        checks.require_time(sent_at, "client.sent_at")
    deadline = (payload.get("facts") or {}).get("deadline")
    if deadline is not None:
        checks.require_time(deadline, "facts.deadline")
    problem = checks.url_problem(payload["page"]["url"])
    if problem:
        raise DomainError(422, "invalid_url", f"page.url 不是有效的网址（{problem}）。")


def same_capture(row: tuple, payload: dict[str, Any]) -> bool:
    """The stored capture (``previous_answer``'s row) is what ``payload`` asks to store."""
    _, _, campaign_id, taken_at, source, page_url, page_title, stored_facts = row
    page = payload["page"]
    return (
        taken_at == payload["taken_at"]
        and source == payload["source"]
        and page_url == page["url"]
        and (page_title or "") == page.get("title", "")
        and checks.json_or_none(stored_facts) == (payload.get("facts") or {})
        and payload.get("campaign_id") in (None, campaign_id)
    )
