"""The incremental path (one Analyzer per campaign, one add per capture) equals a batch fold."""

from __future__ import annotations

import random

import pytest
import sqlite_utils
from helpers.readings import reading_lists
from helpers.scenarios import SCENARIOS
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.analysis.cache import AnalysisCache
from companion.analysis.detect import Analyzer, Thresholds, find_anomalies
from companion.analysis.points import to_points
from companion.core.migrations import migrations
from companion.evidence.ingest import reading_facts, reading_row


def incremental(readings):
    analyzer = Analyzer()
    seen = []
    for point in to_points(readings):
        analyzer.add(point)
        seen.append(point.capture_id)
        yield seen, analyzer.findings()


@settings(max_examples=100, deadline=None)
@given(reading_lists())
def test_every_step_equals_a_batch_fold(readings):
    by_id = {r["capture_id"]: r for r in readings}
    for prefix, findings in incremental(readings):
        assert findings == find_anomalies([by_id[c] for c in prefix])


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenarios_incrementally(scenario):
    steps = list(incremental(scenario.readings))
    final = steps[-1][1] if steps else []
    assert final == find_anomalies(scenario.readings)


# ------------------------------------------------------------------ the cache path (AnalysisCache)


def fresh_db():
    db = sqlite_utils.Database(memory=True)  # the real schema; no foreign keys enforced in memory
    migrations.apply(db)
    return db


def through_the_cache(readings, cache=None, db=None):
    """Post the readings in the given (arrival) order the way the write path does: store the row, one
    ``append`` (cheap, in order), else a re-fold with ``findings``; yield the answer after each."""
    db = db or fresh_db()
    cache = cache or AnalysisCache(Thresholds())
    for r in readings:
        answer = cache.append(db, "camp", store(db, r))
        yield answer if answer is not None else cache.findings(db, "camp")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_cache_in_page_order_equals_the_batch_fold(scenario):
    in_order = sorted(scenario.readings, key=lambda r: (r["taken_at"], r["capture_id"]))
    answers = list(through_the_cache(in_order))
    for n, answer in enumerate(answers, 1):
        assert answer == find_anomalies(in_order[:n])


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_cache_after_out_of_order_arrival_equals_the_batch_fold(scenario):
    arrival = list(scenario.readings)
    random.Random(scenario.name).shuffle(arrival)
    answers = list(through_the_cache(arrival))
    for n, answer in enumerate(answers, 1):
        assert answer == find_anomalies(arrival[:n])
    assert answers[-1] == find_anomalies(scenario.readings)


@settings(max_examples=25, deadline=None)
@given(reading_lists(), st.randoms(use_true_random=False))
def test_cache_equals_the_batch_fold_for_any_arrival(readings, rnd):
    arrival = list(readings)
    rnd.shuffle(arrival)
    for n, answer in enumerate(through_the_cache(arrival), 1):
        assert answer == find_anomalies(arrival[:n])


@settings(max_examples=40, deadline=None)
@given(reading_lists(), st.randoms(use_true_random=False), st.sampled_from([1, 2, 3, 5]))
def test_snapshot_refold_equals_the_batch_fold_for_any_arrival(readings, rnd, every):
    """A late reading re-folds from the cache's last snapshot before it (#13): with a snapshot every
    few readings, any arrival order still answers exactly what a full fold of the same readings does."""
    from companion.analysis import cache as cache_module

    arrival = list(readings)
    rnd.shuffle(arrival)
    cache = AnalysisCache(Thresholds(), snapshot_every=every)
    with pytest.MonkeyPatch.context() as mp:  # thin the older snapshots too, as a long campaign does
        mp.setattr(cache_module, "DENSE_SNAPSHOTS", 2)
        mp.setattr(cache_module, "SPARSE_EVERY", 2)
        for n, answer in enumerate(through_the_cache(arrival, cache), 1):
            assert answer == find_anomalies(arrival[:n])


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_snapshot_refold_in_scenarios(scenario):
    arrival = list(scenario.readings)
    random.Random(scenario.name + "late").shuffle(arrival)
    answers = list(through_the_cache(arrival, AnalysisCache(Thresholds(), snapshot_every=2)))
    assert answers[-1] == find_anomalies(scenario.readings)


def minute_apart(n: int) -> list[dict]:
    """``n`` readings a minute apart, each with one more helper and a hundredth of a percent more."""
    return [
        {
            "capture_id": f"r{i:04d}",
            "taken_at": f"2026-11-20T{8 + i // 60:02d}:{i % 60:02d}:00+08:00",
            "cut_percent": 50 + i * 0.01,
            "helper_count": i,
        }
        for i in range(n)
    ]


def store(db, r):
    sent = {k: v for k, v in r.items() if k not in ("capture_id", "taken_at") and v is not None}
    facts = reading_facts({"taken_at": r["taken_at"], "facts": sent})
    db["readings"].insert(reading_row(r["capture_id"], "camp", r["taken_at"], facts))
    return {"capture_id": r["capture_id"], "taken_at": r["taken_at"], **facts}


@settings(max_examples=40, deadline=None)
@given(reading_lists(), st.randoms(use_true_random=False), st.sampled_from([1, 2, 3, 8]))
def test_readings_another_writer_stored_are_folded_in_with_the_next_append(readings, rnd, every):
    """Another process (an import from the command line) stores readings this cache never saw: the
    next capture's ``append`` folds them in with its own (a bounded gap) or leaves it to
    ``findings``; either way the answer is a full fold's of everything stored."""
    arrival = list(readings)
    rnd.shuffle(arrival)
    db, cache = fresh_db(), AnalysisCache(Thresholds(), snapshot_every=every)
    for n, r in enumerate(arrival, 1):
        reading = store(db, r)
        if rnd.random() < 0.4:
            continue  # the other writer's: no append here
        answer = cache.append(db, "camp", reading)
        if answer is None:
            answer = cache.findings(db, "camp")
        assert answer == find_anomalies(arrival[:n])


def test_a_small_gap_is_folded_inside_the_append_and_a_long_one_is_not():
    readings = minute_apart(200)
    db, cache = fresh_db(), AnalysisCache(Thresholds(), snapshot_every=8)
    list(through_the_cache(readings[:100], cache, db))
    for r in readings[100:105]:  # the other writer's five
        store(db, r)
    answer = cache.append(db, "camp", store(db, readings[105]))
    assert answer is not None and answer == find_anomalies(readings[:106])
    for r in readings[106:180]:  # 74: more than the bounded window (2 x 8)
        store(db, r)
    assert cache.append(db, "camp", store(db, readings[180])) is None
    assert cache.findings(db, "camp") == find_anomalies(readings[:181])


def test_a_late_reading_refolds_only_from_the_snapshot_before_it(monkeypatch):
    """The cost of a late arrival is the readings after it, not the campaign: count the points folded."""
    from companion.analysis import cache as cache_module

    readings = minute_apart(300)
    late = readings.pop(290)
    cache, db = AnalysisCache(Thresholds(), snapshot_every=16), fresh_db()
    list(through_the_cache(readings, cache, db))
    added = []
    real_add = cache_module.Entry.add

    def counting_add(self, point, every):
        added.append(point)
        real_add(self, point, every)

    monkeypatch.setattr(cache_module.Entry, "add", counting_add)
    (answer,) = through_the_cache([late], cache, db)
    assert answer == find_anomalies([*readings, late])
    assert 0 < len(added) <= 16 + 10, len(added)  # from the snapshot at 288 (or before), not all 300


def test_analyzer_refuses_out_of_order_points():
    points = to_points(
        [
            {"capture_id": "a", "taken_at": "2026-11-20T14:00:00+08:00", "cut_percent": 50.0},
            {"capture_id": "b", "taken_at": "2026-11-20T15:00:00+08:00", "cut_percent": 60.0},
        ]
    )
    analyzer = Analyzer()
    analyzer.add(points[1])
    assert not analyzer.accepts(points[0])
    with pytest.raises(ValueError):
        analyzer.add(points[0])


def test_api_cache_matches_a_cold_fold(client, app):
    """Many captures through the API (cached, appended), then a fresh app folds from the database."""
    from datetime import datetime, timedelta

    from helpers import CST, capture_payload

    from companion.analysis.cache import campaign_findings
    from companion.core.db import connect

    rng = random.Random(3)
    start = datetime(2026, 11, 20, 9, 0, tzinfo=CST)
    cut, helpers, answers = 90.0, 3, []
    order = list(range(40))
    order[10], order[11] = order[11], order[10]  # one late arrival forces a re-fold mid-way
    for i in order:
        if rng.random() < 0.5:
            helpers += 1
            cut = min(98.9, cut + rng.choice([0.0, 0.0, 0.01, 0.3]))
        body = capture_payload(
            url="https://mobile.yangkeduo.com/b.html?goods_id=cache",
            seed=i,
            taken_at=start + timedelta(minutes=15 * i),
            facts={
                "cut_amount": round(cut, 2),
                "remaining_amount": round(99.0 - round(cut, 2), 2),
                "helper_count": helpers,
                "countdown_seconds": 86400 - 900 * i,
            },
        )
        answers.append(client.post("/api/v1/captures", json=body).get_json())
    db = connect(app.config["DATABASE"])
    try:
        cold = campaign_findings(db, answers[-1]["campaign_id"], app.extensions["bargain_witness"].thresholds)
    finally:
        db.close()
    assert answers[-1]["findings"] == cold
    assert (
        client.get(f"/api/v1/campaigns/{answers[-1]['campaign_id']}/findings").get_json()["findings"] == cold
    )
