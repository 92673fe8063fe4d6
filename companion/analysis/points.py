"""Readings normalised for analysis: page order, stage (unit), displayed figures and their resolution.

Kept apart from the detectors so the complaint drafts and the dashboard describe the same figures the
findings were computed from.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Any

from companion.analysis.wording import percent_step
from companion.core.timeutil import parse_rfc3339_or_none

FEN = 0.01
EPS = 1e-9
AMOUNT_KEYS = ("cut_amount", "remaining_amount")
PERCENT_KEYS = ("cut_percent", "remaining_percent")
# A helper list that ends with one of these is a window onto a longer list (docs/reader.md, Helpers).
MORE_MARKERS = ("查看更多", "查看全部", "展开更多", "展开全部", "加载更多", "更多助力")


@dataclass
class Point:
    """One reading, normalised: sorted time, stage, displayed figures and what they can resolve."""

    capture_id: str
    taken_at: str
    t: datetime
    stage: str
    stage_named: bool = False  # the reading says its unit (a unit, or amounts, which are yuan by default)
    cut_amount: float | None = None
    remaining_amount: float | None = None
    cut_percent: float | None = None
    remaining_percent: float | None = None
    percent_step: float | None = None  # one unit of the last displayed decimal, in percent
    # The same for the remaining percent alone: a page may show 已砍99% beside 仅差0.52%.
    remaining_percent_step: float | None = None
    total: float | None = None
    helper_count: int | None = None
    helpers: list[dict[str, Any]] | None = None
    list_more: bool = False  # the page said 查看更多 under the helper list
    deadline: datetime | None = None
    deadline_stated: bool = False  # shown as a date on the page, not derived from a countdown
    deadline_resolution: int = 0  # seconds: one unit of the countdown as displayed ("剩余5小时": 3600)
    rules: str | None = None
    rules_raw: str | None = None
    figures: dict[str, float] = field(default_factory=dict)
    # Derived once by ``to_point`` (plain fields: instances keep CPython's shared-key dicts).
    progress: float | None = None  # share cut in [0, 1], from the finest figure shown
    resolution: float | None = None  # smallest change of ``progress`` the page can display

    def percent_step_of(self, key: str) -> float | None:
        """One display step of the percent ``key`` as this reading showed it: the remaining percent
        by its own decimals (a page may show 已砍99% beside 仅差0.52%), else ``percent_step``."""
        own = self.remaining_percent_step if key == "remaining_percent" else None
        return own or self.percent_step

    @property
    def by_amounts(self) -> bool:
        """Progress comes from amounts shown to the fen (the finer figure decides)."""
        return (self.cut_amount is not None or self.remaining_amount is not None) and bool(self.total)

    @property
    def finished(self) -> bool:
        """Cut to zero, by the finest figure shown: 已砍100% with 还差¥0.05 beside it is not finished."""
        if self.remaining_amount is not None:
            return self.remaining_amount < FEN / 2
        if self.cut_amount is not None and self.total:
            return self.total - self.cut_amount < FEN / 2
        return (self.remaining_percent is not None and self.remaining_percent <= 0) or (
            self.cut_percent is not None and self.cut_percent >= 100
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


@lru_cache(maxsize=256)
def _text_resolution(text: str) -> int:
    text = unicodedata.normalize("NFKC", text)
    if re.search(r"\d{1,2}:\d{2}:\d{2}|\d\s*秒", text):
        return 1
    if re.search(r"\d\s*分", text):
        return 60
    if re.search(r"\d\s*(?:小时|时)", text):
        return 3600
    if re.search(r"\d\s*[天日]", text):
        return 86400
    return 1


def countdown_resolution(raw: Any, seconds: int) -> int:
    """One unit of the countdown as displayed: '23:59:12' -> 1 s, '剩余5小时' -> 3600 s, '2天' -> 1 day.

    Without the page text, a value on a whole hour or day most likely came from a coarse display
    (a ticking clock lands there once in 3600 readings), so it is given that resolution."""
    if isinstance(raw, str) and raw.strip():
        return _text_resolution(raw[:200])
    for unit in (86400, 3600):
        if seconds and seconds % unit == 0:
            return unit
    return 1


def normalise_rules(text: Any) -> str | None:
    """Rules as compared: NFKC (full-width punctuation and digits become half-width), no whitespace."""
    if not isinstance(text, str) or not text.strip():
        return None
    return _normalise_rules(text)


@lru_cache(maxsize=64)
def _normalise_rules(text: str) -> str | None:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)) or None


def _says_more(raw: dict[str, Any]) -> bool:
    texts = [raw.get(k) for k in ("helpers", "helper_count")]
    return any(isinstance(t, str) and any(m in t for m in MORE_MARKERS) for t in texts)


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
    if p.remaining_percent is not None:
        p.remaining_percent_step = percent_step(raw.get("remaining_percent"), p.remaining_percent)
    if p.cut_percent is not None:
        p.percent_step = percent_step(raw.get("cut_percent"), p.cut_percent)
    else:
        p.percent_step = p.remaining_percent_step
    p.total = total_of(p.cut_amount, p.remaining_amount, num(reading.get("target_price")))
    count = reading.get("helper_count")
    p.helper_count = count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else None
    helpers = reading.get("helpers")
    if isinstance(helpers, list):
        p.helpers = [h for h in helpers if isinstance(h, dict) and isinstance(h.get("name"), str)]
    p.list_more = _says_more(raw)
    # A countdown wins over a stored deadline: the companion stores taken_at + countdown as the
    # reading's deadline, and the sentence must say which one the page actually showed.
    countdown = reading.get("countdown_seconds")
    if isinstance(countdown, int) and not isinstance(countdown, bool) and 0 <= countdown <= 10**8:
        p.deadline = t + timedelta(seconds=countdown)
        p.deadline_resolution = countdown_resolution(raw.get("countdown_seconds"), countdown)
    else:
        p.deadline = parse_rfc3339_or_none(reading.get("deadline"))
        p.deadline_stated = p.deadline is not None
    p.rules_raw = reading.get("rules_text") if isinstance(reading.get("rules_text"), str) else None
    p.rules = normalise_rules(p.rules_raw)
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
    p.stage_named = bool(p.stage) or p.cut_amount is not None or p.remaining_amount is not None
    pct = progress_percent(p.cut_amount, p.remaining_amount, p.cut_percent, p.remaining_percent, p.total)
    p.progress = None if pct is None else pct / 100
    if p.by_amounts:
        p.resolution = FEN / (p.total or 1)
    elif p.percent_step is not None:
        p.resolution = p.percent_step / 100
    return p


def sort_key(p: Point) -> tuple[datetime, float, int, str]:
    """Page order: taken_at; captures taken at the same instant in the order a healthy page would show
    them (less progress, fewer helpers first), so a tie never reads as a drop; then the capture id."""
    progress = p.progress
    seen = p.helpers_seen
    return (p.t, -1.0 if progress is None else progress, -1 if seen is None else seen, p.capture_id)


def to_points(readings: Iterable[dict[str, Any]]) -> list[Point]:
    """Normalised points in page order (``sort_key``): late arrivals slot in place."""
    points = [p for p in (to_point(r) for r in readings if isinstance(r, dict)) if p is not None]
    points.sort(key=sort_key)
    return points


# ---------------------------------------------------------------------------------------------
# Comparisons between two points of one stage


def same_display(a: Point, b: Point) -> bool | None:
    """Whether b shows the same progress as a, at the finest figure both show (the finer one decides:
    equal amounts with a percent that flickers 99.9 %/100 % are the same display); None when they show
    no comparable figure (one shows only amounts, the other only percents)."""
    am_a = [k for k in AMOUNT_KEYS if k in a.figures]
    am_b = [k for k in AMOUNT_KEYS if k in b.figures]
    if am_a and am_b:
        common = [k for k in am_a if k in am_b]
        if common:
            return all(abs(a.figures[k] - b.figures[k]) < FEN / 2 + EPS for k in common)
        if a.by_amounts and b.by_amounts and a.progress is not None and b.progress is not None:
            return abs(a.progress - b.progress) * min(a.total or 0, b.total or 0) < FEN / 2 + EPS
        return None
    if am_a or am_b:
        return None
    common = [k for k in PERCENT_KEYS if k in a.figures and k in b.figures]
    if common:
        return all(abs(a.figures[k] - b.figures[k]) < EPS + 1e-7 for k in common)
    if a.progress is not None and b.progress is not None:
        return abs(a.progress - b.progress) < EPS + 1e-9
    return None


def differs(a: Point, b: Point) -> bool:
    """The progress two points imply differs by more than both displays' resolution together."""
    pa, pb = a.progress, b.progress
    if pa is None or pb is None:
        return False
    return abs(pa - pb) > (a.resolution or 0) + (b.resolution or 0) + EPS


# ---------------------------------------------------------------------------------------------
# Helper lists


def helper_key(h: dict[str, Any]) -> tuple[str, float | None]:
    amount = num(h.get("amount"))
    return (h["name"].strip(), round(amount, 2) if amount is not None else None)


def truncated(p: Point, count: int | None) -> bool:
    """The list shown is a window onto a longer one: fewer rows than the (last known) count, or 查看更多."""
    return p.list_more or (count is not None and p.helpers is not None and count > len(p.helpers))


def _matches(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[int | None]:
    """For each row of ``before``, the index of the same helper (name and amount) in ``after``."""
    slots: dict[tuple[str, float | None], list[int]] = {}
    for i, h in enumerate(after):
        slots.setdefault(helper_key(h), []).append(i)
    out: list[int | None] = []
    for h in before:
        free = slots.get(helper_key(h))
        out.append(free.pop(0) if free else None)
    return out


def order_kept(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> bool:
    """The helpers both lists show appear in the same relative order (a window that only scrolled)."""
    idx = [i for i in _matches(before, after) if i is not None]
    return all(x < y for x, y in pairwise(idx))


def vanished_helpers(
    a: Point,
    b: Point,
    a_truncated: bool,
    b_truncated: bool,
    count_a: int | None,
    count_b: int | None,
    fresh: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Helpers listed in a but gone in b, when that is evidence.

    A complete list that gets shorter (while the count does not rise) lost someone; a helper missing
    between two helpers who are still listed was removed. A window onto a longer list (more people than
    rows, or 查看更多) proves neither when it was re-sorted or caught mid-load: a gap counts only when
    the window otherwise just scrolled (it still starts with a's top row, keeps a's order, and every
    other row of b is ``fresh``, never listed before, on top)."""
    if not a.helpers or b.helpers is None:
        return []
    match = _matches(a.helpers, b.helpers)
    gone = [i for i, m in enumerate(match) if m is None]
    if not gone:
        return []
    kept = [i for i, m in enumerate(match) if m is not None]
    middle = [i for i in gone if kept and kept[0] < i < kept[-1]]
    if a_truncated or b_truncated:
        shown = sorted(m for m in match if m is not None)
        fresh_ids = {id(h) for h in fresh}
        others = [j for j in range(len(b.helpers)) if j not in set(shown)]
        scrolled_only = (
            all(id(b.helpers[j]) in fresh_ids and j < shown[0] for j in others) if shown else False
        )
        if not (scrolled_only and kept[0] == 0 and order_kept(a.helpers, b.helpers)):
            return []
        return [a.helpers[i] for i in middle]
    shrank = len(b.helpers) < len(a.helpers)
    if shrank and (count_b is None or count_a is None or count_b <= count_a):
        return [a.helpers[i] for i in gone]
    return [a.helpers[i] for i in middle]


def unseen_helpers(p: Point, seen: Counter) -> list[dict[str, Any]]:
    """Rows of p's list beyond the most times each helper (name and amount) was listed before."""
    counts: Counter = Counter()
    fresh = []
    for h in p.helpers or []:
        key = helper_key(h)
        counts[key] += 1
        if counts[key] > seen[key]:
            fresh.append(h)
    return fresh


def scrolled(before: list[dict[str, Any]], after: list[dict[str, Any]], fresh: list[Any]) -> bool:
    """``after`` is ``before`` scrolled on: the new rows on top, then ``before``'s rows from its top in
    the same order. Only then does a window (a list of fewer rows than helpers) show that the new rows
    came after ``before`` was read: a re-sorted window (手气最佳 first) or one caught mid-load does not."""
    ids = {id(h) for h in fresh}
    top = next((i for i, h in enumerate(after) if id(h) not in ids), len(after))
    if top == 0 or any(id(h) in ids for h in after[top:]):
        return False
    old = after[top:]
    shared = min(len(old), len(before))
    return shared > 0 and [helper_key(h) for h in old[:shared]] == [helper_key(h) for h in before[:shared]]
