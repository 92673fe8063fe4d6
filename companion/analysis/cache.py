"""Glue between storage and the pure detector, with one live ``Analyzer`` per recent campaign.

The capture log is append-only and SQLite gives rows increasing rowids in commit order (the write
lock serialises commits), so an analyzer knows exactly what it has folded: the campaign's readings up
to ``Entry.rowid``. Whatever came after is one indexed seek (migration ``m006_analysis_index``).

- A new capture later in page order than all others is one ``add`` (``append``, cheap enough to run
  inside the capture's write transaction).
- A capture that arrives out of order (the offline queue, several clients into one campaign) needs
  the readings after it folded again. The cache keeps a snapshot of the analyzer every
  ``snapshot_every`` readings (``Analyzer.clone``; older ones thinned out), so a re-fold starts
  from the last snapshot before the late reading: a bisect over the snapshots, then the readings
  after it, read with one indexed range query. A reading late by w readings costs
  O(w + snapshot_every), not the whole campaign. When that is at most ``2 * snapshot_every``
  readings, ``append`` does it inside the capture's transaction (bounded work); anything longer is
  left to ``findings``, which the write path calls after its commit, so the write lock is never
  held for it (docs/performance.md).
- A campaign not in the cache (a restart, evicted) is folded once from the database.
- Friends' proofs (``friends.py``) are judged at each answer, over the campaign's readings, only
  for a campaign that has one (an indexed lookup otherwise).
Held by the app's services; one lock for the map, one per campaign for its analyzer.
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from companion.analysis.detect import Analyzer, Thresholds
from companion.analysis.friends import campaign_proofs, proof_findings
from companion.analysis.points import sort_key, to_point, to_points
from companion.campaigns.queries import campaign_readings, readings_after, readings_from

MAX_CACHED_CAMPAIGNS = 32
SNAPSHOT_EVERY = 32
# The newest DENSE_SNAPSHOTS snapshots are all kept (late readings are mostly recent); older ones,
# only every SPARSE_EVERY-th: memory stays a few hundred analyzers at 100,000 readings.
DENSE_SNAPSHOTS = 64
SPARSE_EVERY = 32


@dataclass
class Snapshot:
    key: tuple  # sort key of the last point folded into it
    capture_id: str
    analyzer: Analyzer
    ordinal: int  # how many snapshots the entry had taken before this one


@dataclass
class Entry:
    """One campaign's analyzer: it has folded every analysed reading with rowid <= ``rowid``."""

    analyzer: Analyzer
    rowid: int = 0
    snapshots: list[Snapshot] = field(default_factory=list)
    since_snapshot: int = 0
    taken: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, point, every: int) -> None:
        self.analyzer.add(point)
        self.since_snapshot += 1
        if self.since_snapshot >= every:
            clone = self.analyzer.clone()
            self.snapshots.append(Snapshot(sort_key(point), point.capture_id, clone, self.taken))
            self.since_snapshot, self.taken = 0, self.taken + 1
            if len(self.snapshots) > DENSE_SNAPSHOTS:  # the one leaving the dense window
                leaving = len(self.snapshots) - DENSE_SNAPSHOTS - 1
                if self.snapshots[leaving].ordinal % SPARSE_EVERY:
                    del self.snapshots[leaving]


class AnalysisCache:
    def __init__(
        self, thresholds: Thresholds, size: int = MAX_CACHED_CAMPAIGNS, snapshot_every: int = SNAPSHOT_EVERY
    ) -> None:
        self.thresholds = thresholds
        self.size = size
        self.snapshot_every = snapshot_every
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, Entry] = OrderedDict()

    def _entry(self, campaign_id: str, create: bool) -> Entry | None:
        with self._lock:
            entry = self._entries.get(campaign_id)
            if entry is None and create:
                entry = self._entries[campaign_id] = Entry(Analyzer(self.thresholds))
            if entry is not None:
                self._entries.move_to_end(campaign_id)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
            return entry

    def append(
        self, db: sqlite_utils.Database, campaign_id: str, reading: dict[str, Any]
    ) -> list[dict[str, Any]] | None:
        """Fold in the reading just inserted, as the capture POST built it (no read-back), when that
        is one step; None when it needs a re-fold (call ``findings`` after the commit)."""
        row = db.execute(
            "SELECT rowid, (SELECT MAX(rowid) FROM readings WHERE campaign_id = ? AND clock_flag IS NULL "
            "AND rowid < r.rowid) FROM readings r WHERE capture_id = ?",
            [campaign_id, reading["capture_id"]],
        ).fetchone()
        if row is None:
            return None
        rowid, before = row
        entry = self._entry(campaign_id, create=before is None)  # a new campaign starts empty here
        if entry is None:
            return None
        if not entry.lock.acquire(blocking=False):
            return None  # a re-fold of this campaign is running: never wait for it under the write lock
        try:
            if entry.rowid != (before or 0):
                return self._fold_gap(db, campaign_id, entry)
            point = to_point(reading)
            if point is None:
                entry.analyzer.count += 1  # a reading without a usable time still counts
            elif entry.analyzer.accepts(point):
                entry.add(point, self.snapshot_every)
            elif self._replay_size(entry, sort_key(point)) <= 2 * self.snapshot_every:
                # Late by a few readings (several clients, a short queue): the bounded re-fold here
                # saves the second transaction (and its sync) a re-fold after the commit needs.
                self._catch_up(db, campaign_id, entry, readings_after(db, campaign_id, entry.rowid))
            else:
                return None
            entry.rowid = rowid
            return self._current(db, campaign_id, entry)
        finally:
            entry.lock.release()

    def _fold_gap(
        self, db: sqlite_utils.Database, campaign_id: str, entry: Entry
    ) -> list[dict[str, Any]] | None:
        """Readings stored by another writer since the analyzer last looked (another process: an
        import from the command line), and this capture's own: folded here when that is bounded work
        (a few readings, no re-fold past the window ``append`` allows); else None, left to ``findings``
        after the commit, with a second transaction for the answer."""
        new = readings_after(db, campaign_id, entry.rowid)
        if not new or len(new) > 2 * self.snapshot_every:
            return None
        points = to_points(new)  # in page order
        last = entry.analyzer.last_key
        late = bool(points) and last is not None and sort_key(points[0]) < last
        if late and self._replay_size(entry, sort_key(points[0])) > 2 * self.snapshot_every:
            return None
        self._catch_up(db, campaign_id, entry, new)
        return self._current(db, campaign_id, entry)

    def forget(self, campaign_id: str) -> None:
        """Drop the campaign's analyzer: a reading was rewritten in place (OCR filled it), which
        the count alone can't see; the next ``findings`` re-folds."""
        with self._lock:
            self._entries.pop(campaign_id, None)

    def findings(self, db: sqlite_utils.Database, campaign_id: str) -> list[dict[str, Any]]:
        """Current findings: what was stored since the analyzer last looked is folded in first, from the
        last snapshot before the earliest of it when some of it is out of page order."""
        entry = self._entry(campaign_id, create=True)
        assert entry is not None
        with entry.lock:  # other campaigns go on meanwhile
            new = readings_after(db, campaign_id, entry.rowid)
            if new:
                self._catch_up(db, campaign_id, entry, new)
            return self._current(db, campaign_id, entry)

    def findings_upto(self, db: sqlite_utils.Database, campaign_id: str, upto: int) -> list[dict[str, Any]]:
        """The findings of the campaign's analysed readings stored up to row ``upto``: what a capture's
        answer said when it was computed there (a replayed answer stored by reference, m015). The
        cached analyzer when it stands exactly there (a retry of the newest capture), else a fold of
        those readings (a rare replay of an older one: O(readings))."""
        entry = self._entry(campaign_id, create=False)
        if entry is not None:
            with entry.lock:
                if entry.rowid == upto:
                    return self._current(db, campaign_id, entry)
        analyzer = Analyzer(self.thresholds)
        for point in to_points(readings_from(db, campaign_id, None, upto)):
            analyzer.add(point)
        result = analyzer.findings(friend_findings(db, campaign_id))
        result.upto = upto
        return result

    @staticmethod
    def _current(db: sqlite_utils.Database, campaign_id: str, entry: Entry) -> list[dict[str, Any]]:
        result = entry.analyzer.findings(friend_findings(db, campaign_id))
        result.upto = entry.rowid
        return result

    @staticmethod
    def _replay_size(entry: Entry, key: tuple) -> int:
        """How many readings a re-fold for a reading with sort key ``key`` folds again."""
        keep = bisect.bisect_left([s.key for s in entry.snapshots], key)
        return entry.analyzer.count - (entry.snapshots[keep - 1].analyzer.count if keep else 0)

    def _catch_up(self, db: sqlite_utils.Database, campaign_id: str, entry: Entry, new: list[dict]) -> None:
        upto = max(r["rowid"] for r in new)
        points = to_points(new)
        analyzer = entry.analyzer
        if points and analyzer.last_key is not None and sort_key(points[0]) < analyzer.last_key:
            keep = bisect.bisect_left([s.key for s in entry.snapshots], sort_key(points[0]))
            base = entry.snapshots[keep - 1] if keep else None
            del entry.snapshots[keep:]
            entry.since_snapshot = 0
            entry.analyzer = base.analyzer.clone() if base else Analyzer(self.thresholds)
            count = len(new) + analyzer.count
            # Every analysed reading after the snapshot, up to what this pass has seen: the
            # new ones are among them.
            after = readings_from(db, campaign_id, base.capture_id if base else None, upto)
            points = [p for p in to_points(after) if base is None or sort_key(p) > base.key]
        else:
            count = analyzer.count + len(new)
        for point in points:
            entry.add(point, self.snapshot_every)
        entry.analyzer.count = count  # readings without a usable time count too
        entry.rowid = upto


def refold(db: sqlite_utils.Database, campaign_id: str, thresholds: Thresholds) -> Analyzer:
    """An analyzer that has folded every stored reading of the campaign."""
    analyzer = Analyzer(thresholds)
    readings = campaign_readings(db, campaign_id)
    for point in to_points(readings):
        analyzer.add(point)
    # Readings without a usable time still count, so the cache stays in step with the table.
    analyzer.count = len(readings)
    return analyzer


def campaign_findings(
    db: sqlite_utils.Database, campaign_id: str, thresholds: Thresholds
) -> list[dict[str, Any]]:
    """Uncached: fold everything (benchmarks, exports)."""
    return refold(db, campaign_id, thresholds).findings(friend_findings(db, campaign_id))


def friend_findings(db: sqlite_utils.Database, campaign_id: str) -> list[dict[str, Any]]:
    """Findings of the campaign's friends' proofs (``friends.py``); one indexed query when it has none."""
    proofs = campaign_proofs(db, campaign_id)
    if not proofs:
        return []
    return proof_findings(proofs, to_points(campaign_readings(db, campaign_id)))
