"""A stored page source as text a person can read on the dashboard (issue #15).

The source is hostile content: the dashboard never renders it as a page, only shows its text,
escaped by the template (docs/dashboard.md, "Capture files"). An MHTML file (what Chromium's
``pageCapture`` saves) is MIME: its HTML part is found and decoded (quoted-printable, charset) with
the standard library's e-mail parser; a serialised DOM is UTF-8 text already. Pure: no Flask, no SQLite.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass

# What one page shows; the whole file is a download away.
MAX_SHOWN_CHARS = 400_000


@dataclass(frozen=True)
class SourceText:
    text: str
    truncated: bool
    total_chars: int
    from_mhtml: bool


def source_text(data: bytes, mime: str) -> SourceText:
    """The page's HTML as text: MHTML's first ``text/html`` part, else the bytes as UTF-8."""
    html = None
    is_mhtml = mime.split(";", 1)[0].strip().lower() == "multipart/related"
    if is_mhtml:
        html = _mhtml_html(data)
    if html is None:
        html = data.decode("utf-8", "replace")
    return SourceText(html[:MAX_SHOWN_CHARS], len(html) > MAX_SHOWN_CHARS, len(html), is_mhtml)


def _mhtml_html(data: bytes) -> str | None:
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
        for part in message.walk():
            if part.get_content_type() == "text/html":
                # Blink names no charset on the part (the page's own meta says UTF-8): UTF-8 unless told.
                raw = part.get_payload(decode=True) or b""
                return raw.decode(part.get_content_charset() or "utf-8", "replace")
    except (ValueError, LookupError, TypeError, AttributeError):  # a malformed part: show it raw
        return None
    return None
