"""The detector against labelled scenarios (tests/helpers/scenarios.py), per docs/detection.md."""

from __future__ import annotations

import copy
import json
import random
import re
from dataclasses import fields, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers.scenarios import SCENARIOS, Scenario
from jsonschema import Draft202012Validator

from companion.analysis.detect import Thresholds, find_anomalies
from companion.core.vocab import FINDING_TYPES

ROOT = Path(__file__).resolve().parent.parent
_SCHEMA = json.loads((ROOT / "shared" / "schema.json").read_text(encoding="utf-8"))
FINDING = Draft202012Validator({"$ref": "#/$defs/finding", "$defs": _SCHEMA["$defs"]})

# Severities docs/detection.md allows per type.
SEVERITIES = {
    "regression": {"critical"},
    "swallowed_assist": {"warning", "critical"},
    "stall": {"warning", "critical"},
    "asymptote": {"warning", "critical"},
    "deadline_risk": {"info", "warning"},
    "rule_change": {"warning"},
    "deadline_change": {"info", "warning"},
}
# Types whose summary must carry a figure besides the times (progress, counts, amounts, ratios).
FIGURE_TYPES = {"regression", "swallowed_assist", "stall", "asymptote", "deadline_risk"}
TIME = re.compile(r"(?:\d{4}-\d{2}-\d{2}\s*)?\d{1,2}:\d{2}(?::\d{2})?")
ZERO_CLAIM = re.compile(r"为\s*(?:0(?:\.0+)?(?![.\d])|零)|没有砍|未砍|砍了\s*0(?:\.0+)?\s*元")
# Every column of the readings table (companion/migrations.py): stored readings carry them all.
READING_KEYS = (
    "cut_amount",
    "remaining_amount",
    "cut_percent",
    "remaining_percent",
    "target_price",
    "countdown_seconds",
    "deadline",
    "helper_count",
    "helpers",
    "rules_text",
    "unit",
    "raw",
)

POSITIVE = [s for s in SCENARIOS if not s.healthy]
HEALTHY = [s for s in SCENARIOS if s.healthy]


def ids(scenarios: list[Scenario]) -> list[str]:
    return [s.name for s in scenarios]


def parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def run(readings: list[dict[str, Any]], thresholds: Thresholds | None = None) -> list[dict[str, Any]]:
    """Call the detector on a private copy and check it did not touch the caller's readings."""
    given = copy.deepcopy(readings)
    findings = find_anomalies(given, thresholds=thresholds)
    assert given == readings, "find_anomalies must not modify its input"
    assert isinstance(findings, list)
    return findings


def page_order(readings: list[dict[str, Any]]) -> list[str]:
    return [r["capture_id"] for r in sorted(readings, key=lambda r: (parse(r["taken_at"]), r["capture_id"]))]


def show(findings: list[dict[str, Any]]) -> str:
    return json.dumps(
        [
            {k: f.get(k) for k in ("type", "severity", "before_capture_id", "after_capture_id", "summary_zh")}
            for f in findings
        ],
        ensure_ascii=False,
        indent=1,
    )


def span_matches(f: dict[str, Any], e: dict[str, Any], order: list[str]) -> bool:
    before, after = f.get("before_capture_id"), f.get("after_capture_id")
    if e["match"] == "covers":
        if after not in order or order.index(after) < order.index(e["after_capture_id"]):
            return False
        return before is None or (
            before in order and order.index(before) <= order.index(e["before_capture_id"])
        )
    allowed_before = (
        e["before_capture_id"] if isinstance(e["before_capture_id"], set) else {e["before_capture_id"]}
    )
    return before in allowed_before and after == e["after_capture_id"]


def times_match(f: dict[str, Any], readings: list[dict[str, Any]]) -> bool:
    """started_at/ended_at, when given, are the taken_at of the before/after captures."""
    taken = {r["capture_id"]: parse(r["taken_at"]) for r in readings}
    for cid_key, ts_key in (("before_capture_id", "started_at"), ("after_capture_id", "ended_at")):
        cid, ts = f.get(cid_key), f.get(ts_key)
        if cid is not None and ts is not None and parse(ts) != taken[cid]:
            return False
    return True


def key(f: dict[str, Any]) -> str:
    return json.dumps(f, ensure_ascii=False, sort_keys=True)


def check_well_formed(findings: list[dict[str, Any]], readings: list[dict[str, Any]]) -> None:
    capture_ids = {r["capture_id"] for r in readings}
    for f in findings:
        errors = [e.message for e in FINDING.iter_errors(f)]
        assert not errors, (errors, f)
        assert f["severity"] in SEVERITIES[f["type"]], f
        for k in ("before_capture_id", "after_capture_id"):
            assert f.get(k) is None or f[k] in capture_ids, (k, f)
        if f.get("started_at") and f.get("ended_at"):
            assert parse(f["started_at"]) <= parse(f["ended_at"]), f
        assert isinstance(f.get("data", {}), dict)
        text = f["summary_zh"]
        assert text.strip(), f
        assert TIME.search(text), f"summary_zh has no time: {text}"
        if f["type"] in FIGURE_TYPES:
            assert re.search(r"\d", TIME.sub("", text)), f"summary_zh has no figure besides times: {text}"


# ------------------------------------------------------------------------------------ the library itself


def test_library_shape():
    assert len(SCENARIOS) >= 32
    assert len(HEALTHY) >= 12
    for t in FINDING_TYPES:
        n = sum(any(e["type"] == t for e in s.expect) for s in SCENARIOS)
        assert n >= 2, f"fewer than 2 scenarios for {t}"
    for s in SCENARIOS:
        cids = [r["capture_id"] for r in s.readings]
        assert len(cids) == len(set(cids)), s.name
        for e in s.expect:
            assert e["type"] in FINDING_TYPES
            assert e["severity"] <= SEVERITIES[e["type"]], (s.name, e)


# ----------------------------------------------------------------------------------------- the scenarios


@pytest.mark.parametrize("sc", POSITIVE, ids=ids(POSITIVE))
def test_expected_findings(sc: Scenario):
    findings = run(sc.readings)
    order = page_order(sc.readings)
    for e in sc.expect:
        same_type = [f for f in findings if f["type"] == e["type"]]
        spans = [f for f in same_type if span_matches(f, e, order)]
        assert spans, (
            f"{sc.name}: no {e['type']} finding spanning {e['before_capture_id']} -> {e['after_capture_id']} "
            f"({e['match']}); got:\n{show(findings)}"
        )
        good = [f for f in spans if f["severity"] in e["severity"]]
        assert good, f"{sc.name}: {e['type']} severity should be {sorted(e['severity'])}; got:\n{show(spans)}"
        timed = [f for f in good if times_match(f, sc.readings)]
        assert timed, f"{sc.name}: started_at/ended_at are not the captures' taken_at:\n{good}"
        if e["match"] == "exact":
            f = timed[0]
            assert parse(f["ended_at"]) == parse(e["ended_at"]), f
            if e["started_at"] is not None and f.get("before_capture_id") is not None:
                assert parse(f["started_at"]) == parse(e["started_at"]), f
            # The sentence names the time of the evidence as the page's clock shows it (+08:00).
            local = [parse(t).strftime("%H:%M") for t in (e["started_at"], e["ended_at"]) if t]
            assert any(hm in f["summary_zh"] for hm in local), (local, f["summary_zh"])


EXACT = [s for s in SCENARIOS if s.exact]


def test_issue_9_scenarios_cover_every_class():
    """Each class of issue #9 has scenarios of its own, with healthy ones among them."""
    assert len(EXACT) >= 20
    assert sum(s.healthy for s in EXACT) >= 8
    assert {t for s in EXACT for e in s.expect for t in [e["type"]]} == set(FINDING_TYPES)


@pytest.mark.parametrize("sc", EXACT, ids=ids(EXACT))
def test_exact_findings(sc: Scenario):
    """The issue #9 scenarios: every finding, of any severity, is one of the expected ones, and each
    expected one is there (type, severity, before and after capture)."""
    findings = run(sc.readings)
    got = sorted((f["type"], f["severity"], f["before_capture_id"], f["after_capture_id"]) for f in findings)
    want = sorted(
        (e["type"], *sorted(e["severity"]), e["before_capture_id"], e["after_capture_id"]) for e in sc.expect
    )
    assert got == want, show(findings)


@pytest.mark.parametrize("sc", HEALTHY, ids=ids(HEALTHY))
def test_healthy_campaign_accuses_nothing(sc: Scenario):
    findings = run(sc.readings)
    accusations = [f for f in findings if f["severity"] in ("warning", "critical")]
    assert not accusations, f"{sc.name}: false accusation on a healthy campaign:\n{show(accusations)}"
    if sc.quiet:
        assert not findings, f"{sc.name}: docs/detection.md lists this as 'Not findings':\n{show(findings)}"


@pytest.mark.parametrize("sc", SCENARIOS, ids=ids(SCENARIOS))
def test_findings_well_formed(sc: Scenario):
    findings = run(sc.readings)
    check_well_formed(findings, sc.readings)
    if sc.percent_only:
        # Percent displays truncate: an unchanged display is never proof the cut was zero.
        for f in findings:
            assert not ZERO_CLAIM.search(f["summary_zh"]), f"claims a zero cut: {f['summary_zh']}"


@pytest.mark.parametrize("sc", SCENARIOS, ids=ids(SCENARIOS))
def test_deterministic_and_order_independent(sc: Scenario):
    first = run(sc.readings)
    assert run(sc.readings) == first, "same input, different output"
    expected = sorted(map(key, first))
    for seed in range(3):
        shuffled = list(sc.readings)
        random.Random(seed).shuffle(shuffled)
        assert sorted(map(key, run(shuffled))) == expected, f"{sc.name}: findings depend on arrival order"
    assert sorted(map(key, run(list(reversed(sc.readings))))) == expected


def stored_shape(readings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Readings as the companion stores them: every column present (None when not read), campaign_id,
    and ``deadline`` derived from taken_at + countdown_seconds (companion/captures.py)."""
    out = []
    for r in readings:
        row = {"capture_id": r["capture_id"], "campaign_id": "camp-1", "taken_at": r["taken_at"]}
        row.update({k: copy.deepcopy(r.get(k)) for k in READING_KEYS})
        if row["countdown_seconds"] is not None and row["deadline"] is None:
            t = parse(r["taken_at"]) + timedelta(seconds=row["countdown_seconds"])
            row["deadline"] = t.isoformat(timespec="milliseconds")
        out.append(row)
    return out


@pytest.mark.parametrize("sc", SCENARIOS, ids=ids(SCENARIOS))
def test_stored_shape_gives_same_findings(sc: Scenario):
    def claims(findings):
        return sorted(
            (f["type"], f["severity"], str(f.get("before_capture_id")), str(f.get("after_capture_id")))
            for f in findings
        )

    stored = stored_shape(sc.readings)
    findings = run(stored)
    check_well_formed(findings, stored)
    assert claims(findings) == claims(run(sc.readings))


# ------------------------------------------------------------------------------------------- thresholds


DOC_DEFAULTS = {
    "stall_min_assists": 3,
    "stall_long_span_hours": 6,
    "stall_critical_assists": 6,
    "asymptote_min_assists": 5,
    "asymptote_min_ratio": 0.7,
    "asymptote_implausible_assists": 30,
    "rate_min_span_minutes": 30,
    "deadline_risk_warning_hours": 6,
    "deadline_tolerance_seconds": 120,
}


def by_name(name: str) -> Scenario:
    return next(s for s in SCENARIOS if s.name == name)


def test_threshold_defaults_are_the_documented_ones():
    th = Thresholds()
    names = {f.name for f in fields(th)}
    for k, v in DOC_DEFAULTS.items():
        assert k in names, k
        assert getattr(th, k) == v, k
    with pytest.raises(AttributeError):
        th.stall_min_assists = 1  # frozen


def test_thresholds_are_honoured():
    five = by_name("stall_five_assists").readings  # +5 assists at 99.9 %
    stalls = [f for f in run(five, replace(Thresholds(), stall_critical_assists=5)) if f["type"] == "stall"]
    assert stalls and all(f["severity"] == "critical" for f in stalls)
    assert not [f for f in run(five, replace(Thresholds(), stall_min_assists=6)) if f["type"] == "stall"]

    moved = by_name("deadline_moved_earlier").readings  # the deadline moves 2 h
    loose = replace(Thresholds(), deadline_tolerance_seconds=3 * 3600)
    assert not [f for f in run(moved, loose) if f["type"] == "deadline_change"]

    far = by_name("deadline_risk_info_far").readings  # 20 h left, cannot finish
    risks = [
        f
        for f in run(far, replace(Thresholds(), deadline_risk_warning_hours=24))
        if f["type"] == "deadline_risk"
    ]
    assert risks and all(f["severity"] == "warning" for f in risks)


def test_stated_deadline_change_does_not_cite_a_countdown():
    """summary_zh is evidence text: it must not name a countdown the page never showed."""
    sc = by_name("deadline_stated_earlier")
    assert all(r.get("countdown_seconds") is None for r in sc.readings)
    changes = [f for f in run(sc.readings) if f["type"] == "deadline_change"]
    assert changes
    for f in changes:
        assert "倒计时" not in f["summary_zh"], f["summary_zh"]


def test_no_deadline_risk_is_claimed_without_a_share_of_the_whole():
    """还差 alone (no price, no percent) falling ¥1.90 every 20 minutes, 2 h 40 min left: it will
    finish. Progress unknown was read as 0 and gave "没有可见进展…无法在截止前砍完" (a review's series)."""
    start = datetime.fromisoformat("2026-12-03T13:00:00+08:00")
    readings = [
        {
            "capture_id": f"o{i:02d}",
            "taken_at": (start + timedelta(minutes=20 * i)).isoformat(),
            "remaining_amount": rem,
            "helper_count": 4 + i,
            "countdown_seconds": int(
                (datetime.fromisoformat("2026-12-03T17:00:00+08:00") - start).total_seconds()
            )
            - 1200 * i,
            "raw": {"remaining_amount": f"还差¥{rem:.2f}"},
        }
        for i, rem in enumerate([9.5, 7.6, 5.7, 3.8, 1.9])
    ]
    assert not [f for f in run(readings) if f["type"] == "deadline_risk"]
    with_price = [{**r, "target_price": 20.0} for r in readings]  # the same, a share known: still none
    assert not [f for f in run(with_price) if f["type"] == "deadline_risk"]


def _mixed(cid: str, at: str, cut: str, rem: str, count: int) -> dict[str, Any]:
    """已砍 in whole percents beside 仅差 to the hundredth, as the page wrote them."""
    return {
        "capture_id": cid,
        "taken_at": f"2026-12-03T{at}:00+08:00",
        "cut_percent": float(cut),
        "remaining_percent": float(rem),
        "helper_count": count,
        "raw": {
            "cut_percent": f"已砍{cut}%",
            "remaining_percent": f"仅差{rem}%",
            "helper_count": f"已有{count}位好友帮砍",
        },
    }


def test_a_remaining_percent_keeps_its_own_decimals():
    """已砍99% beside 仅差0.52%: 仅差 rising to 0.61% is a regression by its own step (it was judged by
    已砍's 1% step and missed), and every sentence quotes 0.52%, not "还差 1%" (a review's series)."""
    rose = [_mixed("u01", "16:00", "99", "0.80", 30), _mixed("u02", "16:30", "99", "0.52", 33)]
    rose.append(_mixed("u03", "17:00", "99", "0.61", 34))
    (regression,) = [f for f in run(rose) if f["type"] == "regression"]
    assert (regression["before_capture_id"], regression["after_capture_id"]) == ("u02", "u03")
    assert "还差 0.52%" in regression["summary_zh"] and "还差 0.61%" in regression["summary_zh"]
    frozen = [_mixed(f"w{i}", f"{16 + i}:00", "99", "0.52", 30 + 2 * i) for i in range(4)]
    stalls = [f for f in run(frozen) if f["type"] == "stall"]
    assert stalls and all(
        "还差 0.52%" in f["summary_zh"] and "还差 1%" not in f["summary_zh"] for f in stalls
    )


def _round(cid: str, at: str, cut: float, rem: float, count: int, deadline: str) -> dict[str, Any]:
    taken = datetime.fromisoformat(f"{at}+08:00")
    left = int((datetime.fromisoformat(f"{deadline}+08:00") - taken).total_seconds())
    return {
        "capture_id": cid,
        "taken_at": taken.isoformat(),
        "cut_amount": cut,
        "remaining_amount": rem,
        "helper_count": count,
        "countdown_seconds": max(0, left),
    }


def test_a_new_round_after_the_old_one_expired_is_not_a_regression():
    """The bargain expired unfinished at ¥17.60 (9 helpers); the next morning a new one starts at
    ¥11.00 with 0 helpers and a fresh 24 h countdown: a new stage, not a regression nor lost
    helpers (a review's series). The same drop before the deadline passed is still a regression."""
    first = [
        _round("h01", "2026-12-03T10:00:00", 14.0, 6.0, 5, "2026-12-03T22:00:00"),
        _round("h02", "2026-12-03T21:30:00", 17.6, 2.4, 9, "2026-12-03T22:00:00"),
        _round("h03", "2026-12-03T22:00:05", 17.6, 2.4, 9, "2026-12-03T22:00:00"),
    ]
    again = [
        _round("h04", "2026-12-04T08:10:00", 11.0, 9.0, 0, "2026-12-05T08:10:00"),
        _round("h05", "2026-12-04T09:00:00", 13.2, 6.8, 2, "2026-12-05T08:10:00"),
    ]
    found = run(first + again)
    assert not [f for f in found if f["type"] in ("regression", "swallowed_assist")], found
    early = [*first[:2], _round("h04", "2026-12-03T21:40:00", 11.0, 9.0, 0, "2026-12-04T21:40:00")]
    assert [f["type"] for f in run(early) if f["severity"] == "critical"].count("regression") == 1
    # A page that first shows a short clock can't pass a reset off as a new round: the round is
    # judged against the furthest deadline it ever showed (a review of the change).
    short = [
        _round("c1", "2026-12-03T10:00:00", 90.0, 10.0, 10, "2026-12-04T10:00:00"),
        _round("c2", "2026-12-03T20:00:00", 95.0, 5.0, 12, "2026-12-03T20:00:10"),
        _round("c3", "2026-12-03T20:01:00", 20.0, 80.0, 1, "2026-12-04T20:01:00"),
    ]
    assert "regression" in [f["type"] for f in run(short) if f["severity"] == "critical"]
