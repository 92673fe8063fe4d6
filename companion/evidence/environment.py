"""The capture environment and the capture's time, judged (pure: no Flask, no SQLite).

The extension sends ``client`` {name, version, browser}; the request's User-Agent header names the
browser, its version and the OS, so the companion records both (docs/evidence.md, "The capture
environment"). ``clock_flag`` says when a browser capture's own time (``taken_at``, the client's
clock) can't be trusted; such a capture is kept, shown as flagged, and left out of "latest" and of
findings (docs/evidence.md, "Time order").
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

# A browser capture taken more than this after the companion received it: the client's clock is ahead.
CLOCK_TOLERANCE = timedelta(minutes=5)
# The extension sends its offline queue oldest first before any new capture, so a capture that
# arrives after one of the same campaign taken more than this later did not come from that queue.
ORDER_GRACE = timedelta(hours=1)
MAX_USER_AGENT = 1000

CLOCK_FLAG_ZH = {
    "clock_ahead": "截图时间晚于助手收到它的时间：拍摄设备的时钟偏快或被改动，这张截图的时间不可信",
    "client_clock": "客户端发送时的时钟与助手的时钟相差超过 5 分钟，这张截图的时间不可信",
    "out_of_order": "比本活动已收到的截图早 1 小时以上却在它们之后才送达（不是离线补发的顺序），时间无法核实",
}

_BROWSERS = (
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("OPR/", "Opera"),
    ("QQBrowser/", "QQ浏览器"),
    ("MetaSr", "搜狗浏览器"),
    ("UCBrowser/", "UC浏览器"),
    ("360SE", "360安全浏览器"),
    ("360EE", "360极速浏览器"),
    ("YaBrowser/", "Yandex"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("CriOS/", "Chrome"),
)
_WINDOWS = {"10.0": "Windows 10/11", "6.3": "Windows 8.1", "6.2": "Windows 8", "6.1": "Windows 7"}


def browser_of(user_agent: str) -> str | None:
    """ "Chrome 131.0.0.0", "Firefox 133.0", ... from a User-Agent header; None when unknown."""
    for token, name in _BROWSERS:
        at = user_agent.find(token)
        if at >= 0:
            version = re.match(r"[/ ]?([0-9][0-9.]*)", user_agent[at + len(token) :])
            return f"{name} {version.group(1)}" if version else name
    found = re.search(r"Version/([0-9.]+).*Safari/", user_agent)
    return f"Safari {found.group(1)}" if found else None


def os_of(user_agent: str) -> str | None:
    """ "Windows 10/11", "macOS 10.15.7", "Android 14", "Linux x86_64", ... ; None when unknown."""
    found = re.search(r"Windows NT ([0-9.]+)", user_agent)
    if found:
        return _WINDOWS.get(found.group(1), f"Windows NT {found.group(1)}")
    found = re.search(r"(?:iPhone|CPU) OS ([0-9_]+)", user_agent)
    if found:
        return "iOS " + found.group(1).replace("_", ".")
    found = re.search(r"Mac OS X ([0-9_.]+)", user_agent)
    if found:
        return "macOS " + found.group(1).replace("_", ".")
    found = re.search(r"Android ([0-9.]+)", user_agent)
    if found:
        return f"Android {found.group(1)}"
    if "CrOS" in user_agent:
        return "ChromeOS"
    found = re.search(r"Linux ?([A-Za-z0-9_]*)", user_agent)
    if found:
        return f"Linux {found.group(1)}".strip()
    return None


def environment(user_agent: str | None, companion_version: str, sent_at: str | None) -> dict[str, str | None]:
    """The record's environment fields (format 2)."""
    ua = (user_agent or "")[:MAX_USER_AGENT] or None
    return {
        "user_agent": ua,
        "browser": browser_of(ua) if ua else None,
        "os": os_of(ua) if ua else None,
        "companion_version": companion_version,
        "client_sent_at": sent_at,
    }


def utc_instant(dt: datetime) -> str:
    """The stored ordering key: fixed-width UTC text, so text order is time order."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def clock_flag(
    source: str,
    taken: datetime,
    received: datetime,
    sent: datetime | None = None,
    newest_taken: datetime | None = None,
) -> str | None:
    """Why this capture's own time can't be trusted (a ``CLOCK_FLAG_ZH`` key), or None.

    Only browser captures are judged: an import or a screen capture may legitimately be old.
    ``newest_taken`` is the latest unflagged capture time already stored for the campaign.
    """
    if source != "extension":
        return None
    if taken - received > CLOCK_TOLERANCE:
        return "clock_ahead"
    if sent is not None:
        if abs(received - sent) > CLOCK_TOLERANCE:
            return "client_clock"
        if taken - sent > CLOCK_TOLERANCE:
            return "clock_ahead"
    if newest_taken is not None and taken + ORDER_GRACE < newest_taken:
        return "out_of_order"
    return None
