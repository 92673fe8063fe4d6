"""Anomaly detection over one campaign's readings: the rules of ``rules.py`` and ``trends.py`` as a fold.

The detectors are written as a fold over readings in page order (``Analyzer.add``), so appending a
capture costs O(1) plus the asymptote fit, not a re-analysis of the whole campaign; the batch
``find_anomalies`` is the same fold over the readings sorted by ``points.sort_key``, so incremental and
batch results cannot disagree and arrival order cannot matter. Each figure is compared with its LAST
KNOWN value in the stage, so a capture that lacks a figure never hides a change across it.
Pure code, no Flask and no SQLite.
"""

from __future__ import annotations

import copy
from collections import Counter, deque
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from companion.analysis import incidents
from companion.analysis.points import (
    Point,
    differs,
    helper_key,
    same_display,
    scrolled,
    sort_key,
    to_points,
    truncated,
    unseen_helpers,
    vanished_helpers,
)
from companion.analysis.rules import (
    Thresholds,
    count_fell_finding,
    deadline_change_finding,
    regression_finding,
    rule_change_between,
    unmoved_finding,
    vanished_finding,
)
from companion.analysis.trends import (
    asymptote_finding,
    deadline_risk_finding,
    listed_sum_excess,
    rate_start,
    remaining_share,
    stall_finding,
    sum_mismatch_finding,
)
from companion.core.vocab import severity_rank

__all__ = ["Analyzer", "Thresholds", "find_anomalies"]


class Run:
    """Readings showing the same progress as ``start``. Counts and new helpers of readings that show
    no comparable figure wait in ``pending`` until a later reading shows the run went on."""

    def __init__(self, p: Point) -> None:
        self.start = self.last = p
        self.length = 1
        self.first_count = self.max_count = p.helper_count
        self.arrivals: list[dict[str, Any]] = []
        self.pending_counts: list[int] = []
        self.pending_arrivals: list[dict[str, Any]] = []

    def note(self, count: int | None, arrivals: list[dict[str, Any]]) -> None:
        if count is not None:
            self.pending_counts.append(count)
        self.pending_arrivals += arrivals

    def extend(self, p: Point, arrivals: list[dict[str, Any]]) -> None:
        self.note(p.helper_count, arrivals)
        for c in self.pending_counts:
            self.first_count = c if self.first_count is None else self.first_count
            self.max_count = c if self.max_count is None else max(self.max_count, c)
        self.arrivals += self.pending_arrivals
        self.pending_counts, self.pending_arrivals = [], []
        self.last = p
        self.length += 1

    def clone(self) -> Run:
        twin = copy.copy(self)
        twin.arrivals, twin.pending_counts = list(self.arrivals), list(self.pending_counts)
        twin.pending_arrivals = list(self.pending_arrivals)
        return twin

    def assists(self) -> int:
        """What the run's own readings prove: the rise of stated counts inside it, else new helpers."""
        rise = 0
        if self.first_count is not None and self.max_count is not None:
            rise = self.max_count - self.first_count
        return max(rise, len(self.arrivals))


class Deadlines:
    """The deadlines of one stage: every reading since the last claim must agree within the tolerance
    plus both countdowns' display resolution, so a deadline creeping by small steps is judged by its
    accumulated drift. ``lo``/``hi`` bound the agreement from each side, with the reading that sets it."""

    def __init__(self) -> None:
        self.last: Point | None = None
        self.last_bounds = (0.0, 0.0)
        self.lo: tuple[float, Point] | None = None  # greatest deadline − resolution
        self.hi: tuple[float, Point] | None = None  # least deadline + resolution

    def add(self, p: Point, th: Thresholds) -> list[dict[str, Any]]:
        assert p.deadline is not None
        tol, d, r = th.deadline_tolerance_seconds, p.deadline.timestamp(), p.deadline_resolution
        low, high = d - r, d + r
        before = None
        if self.last is not None and (self.last_bounds[0] - high > tol or low - self.last_bounds[1] > tol):
            before = self.last
        elif self.lo is not None and self.lo[0] - high > tol:
            before = self.lo[1]
        elif self.hi is not None and low - self.hi[0] > tol:
            before = self.hi[1]
        if before is not None:
            self.lo, self.hi = (low, p), (high, p)
        else:
            self.lo = (low, p) if self.lo is None or low >= self.lo[0] else self.lo
            self.hi = (high, p) if self.hi is None or high <= self.hi[0] else self.hi
        self.last, self.last_bounds = p, (low, high)
        return [deadline_change_finding(before, p)] if before is not None else []


class Stage:
    """State of one stage (one unit); figures of different stages never compare."""

    def __init__(self, unit: str | None, th: Thresholds) -> None:
        self.unit = unit  # None until a reading names it
        self.th = th
        self.known: dict[str, Point] = {}  # figure -> the last reading that showed it
        self.last_progress: Point | None = None
        self.last_amounts: Point | None = None
        self.last_count: Point | None = None
        self.last_list: Point | None = None
        self.last_list_truncated = False
        self.last_list_count: int | None = None
        self.seen: Counter = Counter()  # most times each helper (name, amount) was listed at once
        self.run: Run | None = None
        self.excess_first: Point | None = None
        self.excess_last: Point | None = None
        self.by_n: dict[int, tuple[Point, float, float]] = {}
        self.recent: deque[Point] = deque()
        self.deadlines = Deadlines()
        # The furthest end the stage's deadlines ever showed (with their resolution): a new round is
        # judged against it, so a page that first shows a short clock can't pass a reset off as one.
        self.furthest_end: datetime | None = None

    def clone(self) -> Stage:
        """A copy that later ``add``s don't touch (points and findings are never changed: shared)."""
        twin = copy.copy(self)
        twin.known, twin.seen, twin.by_n = dict(self.known), Counter(self.seen), dict(self.by_n)
        twin.recent, twin.deadlines = deque(self.recent), copy.copy(self.deadlines)
        twin.run = self.run.clone() if self.run is not None else None
        return twin

    @property
    def name(self) -> str:
        return self.unit or ""

    def ends_before(self, p: Point) -> bool:
        """p belongs to a new stage: it names another unit, or it starts over (less progress) after
        this stage finished, or it names a unit other than yuan while this stage named none."""
        if p.stage_named and self.unit is not None and p.stage != self.unit:
            return True
        last = self.last_progress
        if last is None or last.progress is None or p.progress is None or not differs(last, p):
            return False
        starts_over = last.progress > p.progress
        new_unit = self.unit is None and p.stage_named and p.stage != ""
        return starts_over and (last.finished or self._expired_before(p) or new_unit)

    def _expired_before(self, p: Point) -> bool:
        """Every deadline this stage showed had passed when ``p`` was taken (its furthest end), and ``p``
        shows a new one at least an hour later: a new round after the old one expired unfinished, so
        its lower progress starts a stage rather than accusing a regression. Progress that falls
        before the furthest deadline passed, or without a new deadline shown, is still a regression."""
        ended = self.furthest_end
        if ended is None or p.deadline is None:
            return False
        return ended <= p.t and p.deadline - ended >= timedelta(hours=1)

    def add(self, p: Point) -> list[dict[str, Any]]:
        """Take the next reading; return the findings that can no longer change."""
        out: list[dict[str, Any]] = []
        last_count = self.last_count.helper_count if self.last_count is not None else None
        if p.helper_count is not None and last_count is not None and p.helper_count < last_count:
            assert self.last_count is not None
            out.append(count_fell_finding(self.last_count, p, self.name))
        since = self.last_list
        arrivals = self._helpers(p, last_count, out) if p.helpers is not None else []
        if self.run is not None and (since is None or sort_key(since) < sort_key(self.run.start)):
            arrivals = []  # they may have arrived before the run began
        if p.figures:
            out += self._progress(p, arrivals)
        elif self.run is not None:
            self.run.note(p.helper_count, arrivals)
        if p.deadline is not None:
            out += self.deadlines.add(p, self.th)
            end = p.deadline + timedelta(seconds=p.deadline_resolution)
            self.furthest_end = end if self.furthest_end is None else max(self.furthest_end, end)
        if p.helper_count is not None:
            self.last_count = p
        return out

    def _helpers(self, p: Point, last_count: int | None, out: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Vanished helpers; the helpers that provably arrived since the last list (``arrivals``)."""
        assert p.helpers is not None
        count = p.helper_count if p.helper_count is not None else last_count
        is_truncated = truncated(p, count)
        k, arrivals = self.last_list, []
        if k is not None and k.helpers is not None:
            fresh = unseen_helpers(p, self.seen)
            gone = vanished_helpers(
                k, p, self.last_list_truncated, is_truncated, self.last_list_count, count, fresh
            )
            if gone:
                out.append(vanished_finding(k, p, gone, self.name))
            if fresh and (not self.last_list_truncated or scrolled(k.helpers, p.helpers, fresh)):
                if k.helper_count is not None and p.helper_count is not None:
                    fresh = fresh[: max(0, p.helper_count - k.helper_count)]
                arrivals = fresh
            anchor = self.last_amounts
            if (
                arrivals
                and anchor is not None
                and sort_key(k) >= sort_key(anchor)
                and set(p.figures) & {"cut_amount", "remaining_amount"}
                and same_display(anchor, p)
            ):
                out += unmoved_finding(anchor, p, arrivals, self.name)
        for key, n in Counter(helper_key(h) for h in p.helpers).items():
            self.seen[key] = max(self.seen[key], n)
        self.last_list, self.last_list_truncated, self.last_list_count = p, is_truncated, count
        return arrivals

    def _progress(self, p: Point, arrivals: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = regression_finding(self.known, self.last_progress, p, self.name)
        run = self.run
        if run is None:
            self.run = Run(p)
        else:
            same = same_display(run.start, p)
            if same is None and differs(run.start, p):
                same = False
            if same:
                run.extend(p, arrivals)
            elif same is False:
                out += self._stall()
                self.run = Run(p)
            else:
                run.note(p.helper_count, arrivals)
        if p.cut_amount is not None and p.helpers:
            if listed_sum_excess(p) is not None:
                self.excess_first = self.excess_first or p
                self.excess_last = p
            else:
                out += self._excess()
                self.excess_first = self.excess_last = None
        for k in p.figures:
            self.known[k] = p
        self.last_progress = p
        if p.by_amounts:
            self.last_amounts = p
        share, n = remaining_share(p), p.helpers_seen
        if n is not None and self.by_n and n < max(self.by_n):
            self.by_n = {}  # the count fell (a swallowed_assist): fit only the series after it
        if share is not None and n is not None and share[0] > 0:
            self.by_n[n] = (p, *share)  # the latest reading for each helper count
        self.recent.append(p)
        window = self.th.rate_window_hours * 3600
        while len(self.recent) > 1 and (p.t - self.recent[1].t).total_seconds() >= window:
            self.recent.popleft()
        return out

    def _stall(self) -> list[dict[str, Any]]:
        run = self.run
        if run is None:
            return []
        return stall_finding(run.start, run.last, run.assists(), run.length, run.arrivals, self.th, self.name)

    def _excess(self) -> list[dict[str, Any]]:
        if self.excess_first is None or self.excess_last is None:
            return []
        return [sum_mismatch_finding(self.excess_first, self.excess_last, self.name)]

    def open_findings(self, latest: bool) -> list[dict[str, Any]]:
        """Findings that later readings may still extend; the deadline risk only for the latest stage."""
        out = self._stall() + self._excess()
        last = self.last_progress
        if last is not None and not last.finished:
            out += asymptote_finding(self.by_n, self.th, self.name)
        dl = self.deadlines.last
        if latest and last is not None and dl is not None:
            # Measured from a reading that shows a share of the whole too (an amount-only one has none).
            first = rate_start([q for q in self.recent if q.progress is not None], last, self.th)
            out += deadline_risk_finding(first, last, dl.deadline, dl.deadline_resolution, self.th, self.name)
        return out


class Analyzer:
    """Findings of one campaign, updated one reading at a time (readings must come in page order).

    A reading that does not name its stage (no unit and no amount: percent only, or no figure at all)
    belongs to the current stage; its findings stay provisional until a reading names that stage again,
    and are dropped if the next named reading starts a new stage (it may have shown the new stage)."""

    def __init__(self, thresholds: Thresholds | None = None) -> None:
        self.th = thresholds or Thresholds()
        self.count = 0
        self.last_key: tuple | None = None
        self._settled: list[dict[str, Any]] = []
        self._provisional: list[dict[str, Any]] = []
        self._stage: Stage | None = None
        self._last_rules: Point | None = None
        self._memo = incidents.IncidentMemo()

    def clone(self) -> Analyzer:
        """A snapshot to fold on from later (the cache keeps some, so a late reading re-folds only
        the readings after it: ``analysis/cache.py``)."""
        twin = copy.copy(self)
        twin._settled, twin._provisional = list(self._settled), list(self._provisional)
        twin._stage = self._stage.clone() if self._stage is not None else None
        twin._memo = incidents.IncidentMemo()  # each analyzer its own (they may run on two threads)
        return twin

    def accepts(self, p: Point) -> bool:
        """Appending keeps page order; otherwise the caller re-folds from the start."""
        return self.last_key is None or sort_key(p) >= self.last_key

    def add(self, p: Point) -> None:
        if not self.accepts(p):
            raise ValueError("readings must be added in page order")
        self.count += 1
        self.last_key = sort_key(p)
        stage = self._stage
        if stage is None or stage.ends_before(p):
            if stage is not None:
                self._settled += stage.open_findings(latest=False)
            self._provisional = []
            stage = self._stage = Stage(p.stage if p.stage_named else None, self.th)
        elif p.stage_named and stage.unit is None:
            stage.unit = p.stage
        found = stage.add(p)
        if p.stage_named or stage.unit is None:
            self._settled += self._provisional + found
            self._provisional = []
        else:
            self._provisional += found
        if p.rules:
            if self._last_rules is not None:
                self._settled += rule_change_between(self._last_rules, p)
            self._last_rules = p

    def findings(self, extra: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:
        """All findings (and ``extra`` ones, as friends' proofs give), most severe first, then in time
        order; each carries its ``incident_id``."""
        # (copy, the unchanging dict it copies or None): settled and provisional findings are kept as
        # found, so the grouping may reuse what it made of them last time (incidents.IncidentMemo).
        pairs = [(dict(f), f) for f in [*self._settled, *self._provisional]]
        pairs += [(dict(f), None) for f in extra]
        if self._stage is not None:
            pairs += [(f, None) for f in self._stage.open_findings(latest=True)]
        pairs.sort(
            key=lambda fs: (
                severity_rank(fs[0]["severity"]),
                fs[0]["started_at"],
                fs[0]["type"],
                fs[0]["before_capture_id"],
            )
        )
        out = [f for f, _ in pairs]
        grouped = incidents.group(out, [src for _, src in pairs], self._memo)
        for incident in grouped:
            for i in incident["findings"]:
                out[i]["incident_id"] = incident["incident_id"]
        result = incidents.Findings(out)
        result.incidents = grouped  # the capture's answer reuses them (incidents.incidents_of)
        return result


def find_anomalies(
    readings: Iterable[dict[str, Any]], thresholds: Thresholds | None = None
) -> list[dict[str, Any]]:
    """All findings for one campaign's readings, in any order (they are sorted by page order first)."""
    analyzer = Analyzer(thresholds)
    for p in to_points(readings):
        analyzer.add(p)
    return analyzer.findings()
