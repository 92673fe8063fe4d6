"""Anomaly detection over one campaign's readings: the rules of ``rules.py`` as a fold.

The detectors are written as a fold over readings in page order (``Analyzer.add``), so appending a
capture costs O(1) plus the asymptote fit, not a re-analysis of the whole campaign; the batch
``find_anomalies`` is the same fold, so incremental and batch results cannot disagree.
Pure code, no Flask and no SQLite.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from companion.analysis.points import Point, assists_between, same_display, sort_key, to_points
from companion.analysis.rules import (
    Thresholds,
    asymptote_finding,
    deadline_change_between,
    deadline_risk_finding,
    listed_sum_excess,
    regression_between,
    remaining_share,
    rule_change_between,
    stall_finding,
    sum_mismatch_finding,
    swallowed_between,
)
from companion.core.vocab import severity_rank

__all__ = ["Analyzer", "Thresholds", "find_anomalies"]


# ---------------------------------------------------------------------------------------------
# The fold


class Stage:
    """State of one run of readings in one unit; figures of different units never compare."""

    def __init__(self, p: Point, th: Thresholds) -> None:
        self.unit = p.stage
        self.th = th
        self.last = p
        self.run_start, self.run_last, self.run_assists, self.run_len = p, p, 0, 1
        self.excess_first = self.excess_last = p if listed_sum_excess(p) is not None else None
        self.by_n: dict[int, tuple[Point, float, float]] = {}
        self.finished = False
        self.first_progress: Point | None = None
        self.last_progress: Point | None = None
        self.deadline = None
        self._track(p)

    def _track(self, p: Point) -> None:
        self.finished = self.finished or p.finished
        share = remaining_share(p)
        n = p.helpers_seen
        if n is not None and self.by_n and n < max(self.by_n):
            self.by_n = {}  # the count fell (a swallowed_assist): fit only the series after it
        if share is not None and n is not None and share[0] > 0:
            self.by_n[n] = (p, *share)  # the latest reading for each helper count
        if p.progress is not None:
            self.first_progress = self.first_progress or p
            self.last_progress = p
        if p.deadline is not None:
            self.deadline = p.deadline

    def add(self, p: Point) -> list[dict[str, Any]]:
        """Take the next reading; return the findings that can no longer change."""
        a = self.last
        settled = regression_between(a, p) + swallowed_between(a, p)
        if same_display(self.run_start, p):
            self.run_assists += max(0, assists_between(self.run_last, p) or 0)
            self.run_last = p
            self.run_len += 1
        else:
            settled += self._stall()
            self.run_start, self.run_last, self.run_assists, self.run_len = p, p, 0, 1
        if listed_sum_excess(p) is not None:
            self.excess_first = self.excess_first or p
            self.excess_last = p
        else:
            settled += self._excess()
            self.excess_first = self.excess_last = None
        self.last = p
        self._track(p)
        return settled

    def _stall(self) -> list[dict[str, Any]]:
        return stall_finding(self.run_start, self.run_last, self.run_assists, self.run_len, self.th)

    def _excess(self) -> list[dict[str, Any]]:
        if self.excess_first is None or self.excess_last is None:
            return []
        return [sum_mismatch_finding(self.excess_first, self.excess_last)]

    def open_findings(self, latest: bool) -> list[dict[str, Any]]:
        """Findings that later readings may still extend; the deadline risk only for the latest stage."""
        out = self._stall() + self._excess()
        if not self.finished:
            out += asymptote_finding(self.by_n, self.th)
        if latest and self.first_progress is not None and self.last_progress is not None:
            out += deadline_risk_finding(self.first_progress, self.last_progress, self.deadline, self.th)
        return out


class Analyzer:
    """Findings of one campaign, updated one reading at a time (readings must come in page order)."""

    def __init__(self, thresholds: Thresholds | None = None) -> None:
        self.th = thresholds or Thresholds()
        self.count = 0
        self.last_key: tuple | None = None
        self._settled: list[dict[str, Any]] = []
        self._stage: Stage | None = None
        self._last_rules: Point | None = None
        self._last_deadline: Point | None = None

    def accepts(self, p: Point) -> bool:
        """Appending keeps page order; otherwise the caller re-folds from the start."""
        return self.last_key is None or sort_key(p) >= self.last_key

    def add(self, p: Point) -> None:
        if not self.accepts(p):
            raise ValueError("readings must be added in page order")
        self.count += 1
        self.last_key = sort_key(p)
        if self._stage is None:
            self._stage = Stage(p, self.th)
        elif self._stage.unit != p.stage:
            self._settled += self._stage.open_findings(latest=False)
            self._stage = Stage(p, self.th)
        else:
            self._settled += self._stage.add(p)
        if p.rules:
            if self._last_rules is not None:
                self._settled += rule_change_between(self._last_rules, p)
            self._last_rules = p
        if p.deadline is not None:
            if self._last_deadline is not None:
                self._settled += deadline_change_between(self._last_deadline, p, self.th)
            self._last_deadline = p

    def findings(self) -> list[dict[str, Any]]:
        """All findings, most severe first, then in time order."""
        out = list(self._settled)
        if self._stage is not None:
            out += self._stage.open_findings(latest=True)
        out.sort(
            key=lambda f: (severity_rank(f["severity"]), f["started_at"], f["type"], f["before_capture_id"])
        )
        return out


def find_anomalies(
    readings: Iterable[dict[str, Any]], thresholds: Thresholds | None = None
) -> list[dict[str, Any]]:
    """All findings for one campaign's readings, in any order (they are sorted by taken_at first)."""
    analyzer = Analyzer(thresholds)
    for p in to_points(readings):
        analyzer.add(p)
    return analyzer.findings()
