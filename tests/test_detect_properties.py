"""Property tests for companion.analysis.detect: any valid readings are analysed without error into
well-formed findings, and a monotone campaign with no assists and no rule or deadline changes is never
accused."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any

from helpers.readings import FACTS, NAMES, RULES, T0, ZONES, check, iso, reading_lists
from hypothesis import example, given, settings
from hypothesis import strategies as st

from companion.analysis.detect import find_anomalies

# Found by this test. A helper count that is not monotone in page order must not make a finding's span
# run backwards (an asymptote fitted in helper-count order reported before = the latest capture).
SHRUNK = [
    {
        "capture_id": "a",
        "taken_at": "2026-11-20T08:00:00+08:00",
        "cut_percent": 0.0,
        "helpers": [{"name": "小明"}],
    },
    {"capture_id": "c", "taken_at": "2026-11-20T08:00:01+08:00", "cut_percent": 0.1, "helper_count": 0},
    {
        "capture_id": "b",
        "taken_at": "2026-11-20T08:00:00+08:00",
        "remaining_percent": 24.4,
        "helper_count": 7,
    },
]
# Helper count falls 9 -> 1 while 还差 grows x1/0.9 per reading: read backwards it is a fine asymptote.
FALLING = [
    {
        "capture_id": f"c{i:02d}",
        "taken_at": (T0 + timedelta(minutes=10 * i)).isoformat(),
        "cut_amount": round(100 - 10 * 0.9 ** (8 - i), 2),
        "remaining_amount": round(10 * 0.9 ** (8 - i), 2),
        "helper_count": 9 - i,
    }
    for i in range(9)
]


@settings(max_examples=200, deadline=None)
@given(reading_lists())
@example(SHRUNK)
@example(FALLING)
def test_any_valid_readings_give_well_formed_findings(readings):
    for r in readings:  # the generator makes readings the companion would accept
        facts = {k: v for k, v in r.items() if k not in ("capture_id", "taken_at") and v is not None}
        assert not list(FACTS.iter_errors(facts))
    check(find_anomalies(readings), readings)


@st.composite
def monotone_campaigns(draw) -> list[dict[str, Any]]:
    """Non-decreasing progress in page order; helper count, helper list, rules and unit constant; no
    deadline. Times may repeat (ties are ordered by capture_id) and the list arrives shuffled."""
    n = draw(st.integers(0, 40))
    total_fen = draw(st.sampled_from([1000, 10000, 88888, 59900]))
    cuts = sorted(draw(st.lists(st.integers(0, total_fen), min_size=n, max_size=n)))
    offsets = sorted(draw(st.lists(st.integers(0, 2 * 86400), min_size=n, max_size=n)))
    mode = draw(st.sampled_from(["percent", "remaining_percent", "amounts", "both", "amount_target"]))
    zone = draw(st.sampled_from(ZONES))
    style = draw(st.integers(0, 2))
    count = draw(st.one_of(st.none(), st.integers(0, 60)))
    names = draw(st.one_of(st.none(), st.lists(st.sampled_from(NAMES[:6]), max_size=5, unique=True)))
    rules = draw(st.one_of(st.none(), st.sampled_from(RULES[:3])))
    unit = draw(st.sampled_from([None, "金币"]))
    out = []
    for i, (cut, off) in enumerate(zip(cuts, offsets, strict=True)):
        r: dict[str, Any] = {
            "capture_id": f"m{i:03d}",
            "taken_at": iso(T0 + timedelta(seconds=off), zone, style),
        }
        pct = cut * 1000 // total_fen / 10  # truncated to 0.1 %, as the page shows it
        rem_pct = (total_fen - cut) * 1000 // total_fen / 10
        if mode in ("percent", "both"):
            r["cut_percent"] = pct
            r["raw"] = {"cut_percent": f"已砍{pct:.1f}%"}
        if mode == "remaining_percent":
            r["remaining_percent"] = rem_pct
            r["raw"] = {"remaining_percent": f"仅差{rem_pct:.1f}%"}
        if mode in ("amounts", "both"):
            r["cut_amount"] = cut / 100
            r["remaining_amount"] = (total_fen - cut) / 100
        if mode == "amount_target":
            r["remaining_amount"] = (total_fen - cut) / 100
            r["target_price"] = total_fen / 100
        if count is not None:
            r["helper_count"] = count
        if names is not None:
            r["helpers"] = [{"name": x} for x in names]
        if rules is not None:
            r["rules_text"] = rules
        if unit is not None:
            r["unit"] = unit
        out.append(r)
    random.Random(draw(st.integers(0, 2**16))).shuffle(out)
    return out


@settings(max_examples=200, deadline=None)
@given(monotone_campaigns())
def test_monotone_campaign_without_assists_is_not_accused(readings):
    findings = find_anomalies(readings)
    check(findings, readings)
    accusations = [f for f in findings if f["severity"] in ("warning", "critical")]
    assert not accusations, accusations


@settings(max_examples=100, deadline=None)
@given(reading_lists(), st.integers(0, 2**16))
def test_findings_do_not_depend_on_arrival_order(readings, seed):
    def canon(fs):
        return sorted(json.dumps(f, ensure_ascii=False, sort_keys=True) for f in fs)

    shuffled = list(readings)
    random.Random(seed).shuffle(shuffled)
    assert canon(find_anomalies(shuffled)) == canon(find_anomalies(readings))
