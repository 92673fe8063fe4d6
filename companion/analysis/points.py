"""Readings normalised for analysis: page order, stage (unit), displayed figures and their resolution.

Kept apart from the detectors so the complaint drafts and the dashboard describe the same figures the
findings were computed from.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from companion.core.timeutil import parse_rfc3339_or_none

FEN = 0.01
EPS = 1e-9


@dataclass
class Point:
    """One reading, normalised: sorted time, stage, displayed figures and what they can resolve."""

    capture_id: str
    taken_at: str
    t: datetime
    stage: str
    cut_amount: float | None = None
    remaining_amount: float | None = None
    cut_percent: float | None = None
    remaining_percent: float | None = None
    percent_step: float | None = None  # one unit of the last displayed decimal, in percent
    total: float | None = None
    helper_count: int | None = None
    helpers: list[dict[str, Any]] | None = None
    deadline: datetime | None = None
    deadline_stated: bool = False  # shown as a date on the page, not derived from a countdown
    rules: str | None = None
    rules_raw: str | None = None
    figures: dict[str, float] = field(default_factory=dict)

    @property
    def progress(self) -> float | None:
        """Share cut in [0, 1], from the finest figure shown (amounts are finer than 0.1 %)."""
        pct = progress_percent(
            self.cut_amount, self.remaining_amount, self.cut_percent, self.remaining_percent, self.total
        )
        return None if pct is None else pct / 100

    @property
    def resolution(self) -> float | None:
        """Smallest change of ``progress`` the page can display."""
        if (self.cut_amount is not None or self.remaining_amount is not None) and self.total:
            return FEN / self.total
        if self.percent_step is not None:
            return self.percent_step / 100
        return None

    @property
    def finished(self) -> bool:
        return (
            (self.remaining_amount is not None and self.remaining_amount < FEN / 2)
            or (self.remaining_percent is not None and self.remaining_percent <= 0)
            or (self.cut_percent is not None and self.cut_percent >= 100)
        )

    @property
    def helpers_seen(self) -> int | None:
        if self.helper_count is not None:
            return self.helper_count
        return len(self.helpers) if self.helpers is not None else None


def total_of(
    cut_amount: float | None, remaining_amount: float | None, target_price: float | None
) -> float | None:
    """The amount being cut to zero: 已砍 + 还差 when both are shown, else a stated target price."""
    if cut_amount is not None and remaining_amount is not None and cut_amount + remaining_amount > 0:
        return cut_amount + remaining_amount
    return target_price if target_price and target_price > 0 else None


def progress_percent(
    cut_amount: float | None,
    remaining_amount: float | None,
    cut_percent: float | None,
    remaining_percent: float | None,
    total: float | None,
) -> float | None:
    """Progress in percent from the finest figure shown; the one rule the detector and the chart share."""
    if cut_amount is not None and total:
        return max(0.0, min(100.0, 100 * cut_amount / total))
    if remaining_amount is not None and total:
        return max(0.0, min(100.0, 100 - 100 * remaining_amount / total))
    if cut_percent is not None:
        return cut_percent
    if remaining_percent is not None:
        return 100 - remaining_percent
    return None


def num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _percent_step(raw: Any, value: float) -> float:
    """Display resolution of a percent figure: from the page text when known, else the number."""
    text = raw if isinstance(raw, str) else ""
    m = re.search(r"(\d+)(?:[.．](\d+))?\s*[%％]", text)
    if m:
        decimals = len(m.group(2) or "")
    else:
        s = repr(float(value))
        decimals = 0 if s.endswith(".0") else len(s.split(".")[1]) if "." in s and "e" not in s else 4
    return 10.0**-decimals


def _normalise_rules(text: Any) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    return re.sub(r"\s+", "", text)


def to_point(reading: dict[str, Any]) -> Point | None:
    t = parse_rfc3339_or_none(reading.get("taken_at"))
    if t is None:
        return None
    raw = reading.get("raw") if isinstance(reading.get("raw"), dict) else {}
    p = Point(
        capture_id=str(reading.get("capture_id", "")),
        taken_at=reading["taken_at"],
        t=t,
        stage=str(reading.get("unit") or ""),
    )
    p.cut_amount = num(reading.get("cut_amount"))
    p.remaining_amount = num(reading.get("remaining_amount"))
    p.cut_percent = num(reading.get("cut_percent"))
    p.remaining_percent = num(reading.get("remaining_percent"))
    if p.cut_percent is not None:
        p.percent_step = _percent_step(raw.get("cut_percent"), p.cut_percent)
    elif p.remaining_percent is not None:
        p.percent_step = _percent_step(raw.get("remaining_percent"), p.remaining_percent)
    p.total = total_of(p.cut_amount, p.remaining_amount, num(reading.get("target_price")))
    count = reading.get("helper_count")
    p.helper_count = count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else None
    helpers = reading.get("helpers")
    if isinstance(helpers, list):
        p.helpers = [h for h in helpers if isinstance(h, dict) and isinstance(h.get("name"), str)]
    # A countdown wins over a stored deadline: the companion stores taken_at + countdown as the
    # reading's deadline, and the sentence must say which one the page actually showed.
    countdown = reading.get("countdown_seconds")
    if isinstance(countdown, int) and not isinstance(countdown, bool) and 0 <= countdown <= 10**8:
        p.deadline = t + timedelta(seconds=countdown)
    else:
        p.deadline = parse_rfc3339_or_none(reading.get("deadline"))
        p.deadline_stated = p.deadline is not None
    p.rules_raw = reading.get("rules_text") if isinstance(reading.get("rules_text"), str) else None
    p.rules = _normalise_rules(p.rules_raw)
    p.figures = {
        k: v
        for k, v in (
            ("cut_amount", p.cut_amount),
            ("remaining_amount", p.remaining_amount),
            ("cut_percent", p.cut_percent),
            ("remaining_percent", p.remaining_percent),
        )
        if v is not None
    }
    return p


def to_points(readings: Iterable[dict[str, Any]]) -> list[Point]:
    """Normalised points in page order (taken_at, then capture id): late arrivals slot in place."""
    points = [p for p in (to_point(r) for r in readings if isinstance(r, dict)) if p is not None]
    points.sort(key=sort_key)
    return points


# ---------------------------------------------------------------------------------------------
# Comparisons between two points of one stage


def same_display(a: Point, b: Point) -> bool | None:
    """True when every figure both show is equal as displayed; None when they share no figure."""
    common = a.figures.keys() & b.figures.keys()
    if not common:
        return None
    return all(abs(a.figures[k] - b.figures[k]) < EPS + (FEN / 2 if "amount" in k else 1e-7) for k in common)


def assists_between(a: Point, b: Point) -> int | None:
    """How many assists arrived from a to b, from stated counts or else from the listed helpers."""
    if a.helper_count is not None and b.helper_count is not None:
        return b.helper_count - a.helper_count
    if a.helpers is not None and b.helpers is not None:
        return len(new_helpers(a, b))
    return None


def _helper_key(h: dict[str, Any]) -> tuple[str, float | None]:
    amount = num(h.get("amount"))
    return (h["name"].strip(), round(amount, 2) if amount is not None else None)


def new_helpers(a: Point, b: Point) -> list[dict[str, Any]]:
    before = Counter(_helper_key(h) for h in a.helpers or [])
    fresh = []
    for h in b.helpers or []:
        key = _helper_key(h)
        if before[key] > 0:
            before[key] -= 1
        else:
            fresh.append(h)
    return fresh


def vanished_helpers(a: Point, b: Point) -> list[dict[str, Any]]:
    """Helpers listed in a but gone in b, unless the list merely scrolled (a fixed-size window)."""
    if not a.helpers or b.helpers is None:
        return []
    after = Counter(_helper_key(h) for h in b.helpers)
    keys = [_helper_key(h) for h in a.helpers]
    present = []
    for key in keys:
        present.append(after[key] > 0)
        if after[key] > 0:
            after[key] -= 1
    gone = [i for i, ok in enumerate(present) if not ok]
    if not gone:
        return []
    shrank = len(b.helpers) < len(a.helpers)
    first_kept = next((i for i, ok in enumerate(present) if ok), None)
    last_kept = max((i for i, ok in enumerate(present) if ok), default=None)
    middle = [i for i in gone if first_kept is not None and first_kept < i < last_kept]
    if shrank and (b.helper_count is None or a.helper_count is None or b.helper_count <= a.helper_count):
        return [a.helpers[i] for i in gone]
    return [a.helpers[i] for i in middle]


def sort_key(p: Point) -> tuple[datetime, str]:
    return (p.t, p.capture_id)
