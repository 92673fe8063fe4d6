"""Page-derived text made harmless in every file of the bundle (pure).

A page's title, URL or rules text is chosen by whoever runs the page: in the bundle it must not
become markup (HTML, Markdown), a spreadsheet formula (CSV), or reorder what a reader sees
(Unicode bidirectional controls, e.g. U+202E, can make "gpj.exe" read as "exe.jpg").
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape

from companion.core import checks

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#!|<>&~])")


def plain(value: Any) -> str:
    """Text safe to show as is in a .txt file: controls and bidi overrides shown as code points, as on
    the dashboard (``checks.visible_controls``), and CR too (a bundle's line break is LF alone)."""
    text = checks.visible_controls("" if value is None else str(value))
    return text.replace("\r", "<U+000D>")


def md(value: Any) -> str:
    """Text for Markdown: every character Markdown or inline HTML could act on is escaped."""
    return _MD_SPECIAL.sub(r"\\\1", plain(value)).replace("\n", " ")


def html(value: Any) -> Markup:
    """Text for HTML (the Jinja filter ``t`` in report.html)."""
    return escape(plain(value))


def csv_cell(value: Any) -> Any:
    """A spreadsheet would run a cell that starts with = + - @ as a formula: quote it."""
    if isinstance(value, str):
        value = plain(value)
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + value
    return value
