"""Checks of values from outside (request bodies, forms) and of values read back from storage.

Pure (no Flask, no SQLite), so the write path, the routes and the readers share one rule each:

- JSON: parsed with bounded nesting, no NaN or Infinity, no lone surrogates anywhere (SQLite can't
  store them: they would fail at the commit, after the checks);
- dates and times: real calendar days, RFC 3339 with an offset, years 2000–2100 (nothing a bargain
  shows is outside; past them the date arithmetic of due dates and deadlines overflows);
- URLs: parseable, with a possible port.

Refusals are ``DomainError``s with a Chinese sentence; the ``*_or_none`` readers answer None for a
stored value that is odd, so a reader can skip it instead of failing a page.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from companion.core.errors import DomainError
from companion.core.timeutil import parse_rfc3339

MIN_YEAR, MAX_YEAR = 2000, 2100
# The deepest a valid message nests is 4 (capture > facts > helpers > helper); 32 leaves room.
MAX_DEPTH = 32
# Page-derived text (a title, a helper's name) is chosen by whoever runs the page: C0/C1 controls
# (but tab, newline and CR) and the bidi embedding/override/isolate marks, e.g. U+202E, which can
# make "gpj.exe" read as "exe.jpg". Shown as code points on the dashboard, left out of drafts.
UNSAFE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible_controls(text: str) -> str:
    """``text`` with each unsafe character shown as ``<U+202E>``: nothing reorders what is read."""
    return UNSAFE_TEXT.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def without_controls(text: str) -> str:
    """``text`` without its unsafe characters (a draft the user copies into an official form)."""
    return UNSAFE_TEXT.sub("", text)


_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def loads(data: bytes | str) -> Any:
    """A request body as JSON: 400 for anything but plain JSON of bounded depth, 422 for bad text."""
    try:
        value = json.loads(data, parse_constant=_no_constant)
    except RecursionError:
        raise too_deep() from None
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, NaN/Infinity, a 5000-digit integer
        raise DomainError(400, "invalid_json", "请求体不是有效的 JSON。") from None
    check_value(value)
    return value


def too_deep() -> DomainError:
    return DomainError(400, "invalid_json", f"请求体的 JSON 嵌套过深（最多 {MAX_DEPTH} 层）。")


def check_value(value: Any) -> None:
    """Bounded nesting, finite numbers and storable text (no lone surrogates) in a parsed value.

    Iterative, so a deep value can't exhaust the stack; linear in the size of the value.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise DomainError(400, "invalid_json", "请求体中的数字必须是有限的数（不能是 NaN 或无穷）。")
        elif isinstance(item, (dict, list)):
            if depth >= MAX_DEPTH:
                raise too_deep()
            if isinstance(item, dict):
                for key, child in item.items():
                    if isinstance(key, str):
                        _check_text(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


def _check_text(text: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise DomainError(
            422, "invalid_text", "请求中含有无效的 Unicode 字符（孤立的代理项，如 \\ud800），未保存任何内容。"
        ) from None


def storable_text(text: str) -> bool:
    """True when ``text`` can be stored as UTF-8 (no lone surrogates)."""
    try:
        _check_text(text)
    except DomainError:
        return False
    return True


def in_years(year: int) -> bool:
    return MIN_YEAR <= year <= MAX_YEAR


def day_or_none(value: Any) -> date | None:
    """A calendar day written ``YYYY-MM-DD`` in 2000–2100, or None (for stored values)."""
    if not isinstance(value, str) or not _DAY.match(value):
        return None
    try:
        found = date.fromisoformat(value)
    except ValueError:
        return None
    return found if in_years(found.year) else None


def require_day(value: Any, what: str) -> date:
    """The same, for input: 422 with a Chinese sentence naming the field."""
    found = day_or_none(value)
    if found is None:
        raise DomainError(
            422,
            "invalid_date",
            f"{what}不是有效的日期：应为 {MIN_YEAR}–{MAX_YEAR} 年间真实存在的一天，如 2026-11-21。",
        )
    return found


def time_or_none(value: Any) -> datetime | None:
    """An RFC 3339 time with an offset in 2000–2100, or None (for stored values)."""
    try:
        found = parse_rfc3339(value)
    except (ValueError, TypeError):
        return None
    return found if in_years(found.year) else None


def require_time(value: Any, what: str) -> datetime:
    """The same, for input: 422 ``invalid_time`` naming the field."""
    found = time_or_none(value)
    if found is None:
        raise DomainError(
            422,
            "invalid_time",
            f"{what} 必须是带时区偏移的 RFC 3339 时间，且在 {MIN_YEAR}–{MAX_YEAR} 年之间。",
        )
    return found


def url_problem(url: Any) -> str | None:
    """Why ``url`` can't be parsed (an impossible port, a broken IPv6 host), or None when it can."""
    if not isinstance(url, str):
        return "不是文本"
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port outside 0–65535 or not a number
        parts.hostname  # noqa: B018
    except ValueError as exc:
        return str(exc)
    return None


def json_or_none(text: Any) -> Any:
    """A stored JSON text, or None when it is missing or not JSON (a stored row that is odd)."""
    if not isinstance(text, (str, bytes)) or not text:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None
