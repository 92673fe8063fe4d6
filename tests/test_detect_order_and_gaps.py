"""Properties of the detector from issue #9: arrival order never matters, a capture that lacks figures
never removes a finding, and generated healthy campaigns are never accused (docs/detection.md)."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from helpers.readings import check
from helpers.scenarios import CST, RULES, SCENARIOS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion.analysis.detect import find_anomalies
from companion.analysis.incidents import group

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=CST)
FIGURES = ("cut_amount", "remaining_amount", "cut_percent", "remaining_percent", "target_price")
RULE_VARIANTS = [
    RULES,
    RULES.replace("：", ":").replace("24", "２４"),
    " " + RULES.replace("\n", "\n\u3000"),
    RULES.replace("。", "｡").replace("1.", "１．"),
]


def claims(findings: list[dict[str, Any]]) -> list[tuple]:
    return sorted(
        (f["type"], f["severity"], f.get("before_capture_id"), f.get("after_capture_id")) for f in findings
    )


def canon(findings: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(f, ensure_ascii=False, sort_keys=True) for f in findings)


def accusations(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in findings if f["severity"] in ("warning", "critical")]


# ------------------------------------------------------------------------------ healthy campaigns


def _percent(part: int, total: int, decimals: int, rounding: str) -> float:
    scaled = part * 100 * 10**decimals
    shown = (scaled * 2 + total) // (2 * total) if rounding == "round" else scaled // total
    return shown / 10**decimals


def _countdown(seconds: int, coarse: str) -> tuple[int, str]:
    seconds = max(0, seconds)
    if coarse == "hours":
        hours = seconds // 3600
        return hours * 3600, f"剩余{hours}小时"
    if coarse == "hours_up":
        hours = -(-seconds // 3600)
        return hours * 3600, f"剩余{hours}小时"
    return seconds, f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d} 后结束"


@st.composite
def stage_plan(draw, named: bool) -> dict[str, Any]:
    modes = ["amounts", "both", "amount_target", "rounded"]
    if not named:
        modes += ["percent", "remaining_percent"]
    plan = {
        "unit": draw(st.sampled_from(["金币", "钻石"])) if named else None,
        "total": draw(st.sampled_from([1000, 5990, 10000, 88888])),
        "mode": draw(st.sampled_from(modes)),
        "decimals": draw(st.sampled_from([0, 1, 2])),
        "count": draw(st.booleans()),
        "list": draw(st.sampled_from(["none", "complete", "window", "resorted", "more"])),
        "coarse": draw(st.sampled_from(["clock", "clock", "hours", "hours_up"])),
        "countdown": draw(st.booleans()),
    }
    if plan["mode"] in ("percent", "remaining_percent"):
        plan["decimals"] = max(1, plan["decimals"])
    return plan


def _step_fen(plan: dict[str, Any]) -> int:
    """The smallest cut the stage's finest figure shows, in fen: every healthy assist is visible."""
    if plan["mode"] in ("percent", "remaining_percent"):
        return -(-plan["total"] * 10 ** -plan["decimals"] // 100) + 1
    return 1


def _reading(plan, cut: int, helpers: list, t: datetime, deadline: datetime, draw) -> dict[str, Any]:
    total, mode = plan["total"], plan["mode"]
    r: dict[str, Any] = {"taken_at": t.isoformat()}
    raw: dict[str, str] = {}
    d = plan["decimals"]
    if mode in ("percent", "both"):
        r["cut_percent"] = _percent(cut, total, d, "floor")
        raw["cut_percent"] = f"已砍{r['cut_percent']:.{d}f}%"
    if mode == "rounded":
        r["cut_percent"] = _percent(cut, total, d, "round")
        raw["cut_percent"] = f"已砍{r['cut_percent']:.{d}f}%"
    if mode == "remaining_percent":
        r["remaining_percent"] = _percent(total - cut, total, d, "floor")
        raw["remaining_percent"] = f"仅差{r['remaining_percent']:.{d}f}%"
    if mode in ("amounts", "both", "rounded"):
        r["cut_amount"] = cut / 100
        r["remaining_amount"] = (total - cut) / 100
    if mode == "amount_target":
        r["remaining_amount"] = (total - cut) / 100
        r["target_price"] = total / 100
    if plan["unit"]:
        r["unit"] = plan["unit"]
    if plan["count"]:
        r["helper_count"] = len(helpers)
    rows = [{"name": n, "amount": a / 100} for n, a in helpers]
    if plan["list"] == "complete":
        r["helpers"] = list(reversed(rows))
    elif plan["list"] == "window":
        r["helpers"] = list(reversed(rows))[:5]
    elif plan["list"] == "resorted":
        newest = draw(st.booleans())
        r["helpers"] = (list(reversed(rows)) if newest else sorted(rows, key=lambda h: -h["amount"]))[:5]
        raw["helpers"] = "查看更多"
    elif plan["list"] == "more":
        shown = list(reversed(rows))
        r["helpers"] = shown[: draw(st.integers(0, len(shown)))]
        raw["helpers"] = "查看更多"
    if plan["countdown"]:
        r["countdown_seconds"], raw["countdown_seconds"] = _countdown(
            int((deadline - t).total_seconds()), plan["coarse"]
        )
    r["rules_text"] = draw(st.sampled_from(RULE_VARIANTS))
    if raw:
        r["raw"] = raw
    return r


@st.composite
def healthy_campaigns(draw) -> list[dict[str, Any]]:
    """Fast start slowing to a finish, every assist visible on the page's finest figure; captures after
    some assists, idle captures, long gaps, duplicates, partial reads; one or two stages, each with its
    own countdown (fine or in whole hours); lists complete, windows, re-sorted or cut short under 查看更多.
    Arrives shuffled."""
    out: list[dict[str, Any]] = []
    t = T0
    n_stages = draw(st.sampled_from([1, 1, 2]))
    for stage in range(n_stages):
        plan = draw(stage_plan(named=stage > 0))
        deadline = t + timedelta(hours=72)
        step, total, cut, helpers = _step_fen(plan), plan["total"], 0, []
        while cut < total:
            left = total - cut
            share = draw(st.integers(50, 90)) if not helpers else draw(st.integers(25, 75))
            c = left if left <= 3 * step else min(left, max(step, left * share // 100))
            cut += c
            helpers.append((f"好友{stage}-{len(helpers)}", c))
            gap = draw(st.sampled_from([2, 5, 11, 30, 60, 60 * draw(st.integers(6, 12))]))
            t += timedelta(minutes=gap)
            for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2]) if cut < total else st.just(1))):
                t += timedelta(seconds=draw(st.integers(20, 90)))
                out.append(_reading(plan, cut, helpers, t, deadline, draw))
                if draw(st.integers(0, 9)) == 0:  # the same frame captured again
                    dup = dict(out[-1])
                    dup["taken_at"] = (t + timedelta(seconds=draw(st.integers(0, 9)))).isoformat()
                    out.append(dup)
                if draw(st.integers(0, 6)) == 0:  # a partial read: some figures missing
                    lost = draw(
                        st.sets(
                            st.sampled_from(
                                [*FIGURES, "helper_count", "helpers", "countdown_seconds", "unit"]
                            )
                        )
                    )
                    if "unit" in lost:  # the reader takes the unit from the amounts: both or neither
                        lost |= set(FIGURES)
                    part = {k: v for k, v in out[-1].items() if k not in lost}
                    part["taken_at"] = (t + timedelta(seconds=11)).isoformat()
                    out.append(part)
        t += timedelta(minutes=draw(st.integers(5, 90)))
    for i, r in enumerate(out):
        r["capture_id"] = f"h{i:03d}"
    shuffled = list(out)
    random.Random(draw(st.integers(0, 2**16))).shuffle(shuffled)
    return shuffled


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(healthy_campaigns())
def test_generated_healthy_campaigns_are_not_accused(readings):
    findings = find_anomalies(readings)
    check(findings, readings)
    assert not accusations(findings), json.dumps(accusations(findings), ensure_ascii=False, indent=1)


# ------------------------------------------------------------------------------------- arrival order


POSITIVE = [s for s in SCENARIOS if not s.healthy]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SCENARIOS), st.randoms(use_true_random=False))
def test_permuting_a_scenario_gives_the_same_findings_and_incidents(sc, rnd):
    first = find_anomalies(sc.readings)
    shuffled = list(sc.readings)
    rnd.shuffle(shuffled)
    again = find_anomalies(shuffled)
    assert canon(again) == canon(first)  # incident_id included
    ids = sorted(i["incident_id"] for i in group(first))
    assert sorted(i["incident_id"] for i in group(again)) == ids


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(healthy_campaigns(), st.randoms(use_true_random=False))
def test_permuting_a_generated_campaign_gives_the_same_findings(readings, rnd):
    shuffled = list(readings)
    rnd.shuffle(shuffled)
    assert canon(find_anomalies(shuffled)) == canon(find_anomalies(readings))


# ----------------------------------------------------------------------- captures that lack figures


def _between(readings: list[dict[str, Any]], draw, keep: tuple[str, ...]) -> list[dict[str, Any]]:
    """Insert copies of readings with every figure except ``keep`` removed, strictly between two
    captures of different times (the page as it was, read partially)."""
    by_time = sorted(readings, key=lambda r: datetime.fromisoformat(r["taken_at"]))
    out = list(readings)
    slots = [
        (a, b)
        for a, b in pairwise(by_time)
        if datetime.fromisoformat(b["taken_at"]) > datetime.fromisoformat(a["taken_at"])
    ]
    if not slots:
        return out
    for k in range(draw(st.integers(1, 4))):
        a, b = draw(st.sampled_from(slots))
        ta, tb = datetime.fromisoformat(a["taken_at"]), datetime.fromisoformat(b["taken_at"])
        t = ta + (tb - ta) * draw(st.sampled_from([0.25, 0.5, 0.75]))
        gap = {"capture_id": f"zz{k}", "taken_at": t.isoformat()}
        gap.update({f: a[f] for f in keep if f in a})
        if "countdown_seconds" in gap:
            gap["countdown_seconds"] = max(0, a["countdown_seconds"] - round((t - ta).total_seconds()))
            gap["raw"] = {"countdown_seconds": (a.get("raw") or {}).get("countdown_seconds", "")}
        out.append(gap)
    return out


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(SCENARIOS), st.data())
def test_figureless_captures_change_no_finding(sc, data):
    """A capture with no figures at all (at most the unit) leaves every finding exactly as it was:
    same type, severity and captures."""
    keep = data.draw(st.sampled_from([(), ("unit",)]))
    padded = _between(sc.readings, data.draw, keep)
    assert claims(find_anomalies(padded)) == claims(find_anomalies(sc.readings))


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(POSITIVE), st.data())
def test_partial_captures_never_remove_a_finding(sc, data):
    """A capture that shows only some of what the page showed (the count, the countdown, the list)
    may tighten a finding's span, never remove it: each finding is still there, ending at the same
    capture, with the same severity, starting no earlier."""
    keep = data.draw(
        st.sampled_from(
            [
                ("helper_count",),
                ("helpers",),
                ("countdown_seconds",),
                ("rules_text",),
                ("helper_count", "helpers"),
            ]
        )
    )
    padded = _between(sc.readings, data.draw, keep)
    after = find_anomalies(padded)
    times = {r["capture_id"]: datetime.fromisoformat(r["taken_at"]) for r in padded}
    for f in find_anomalies(sc.readings):
        same = [
            g
            for g in after
            if (g["type"], g["severity"], g["after_capture_id"])
            == (f["type"], f["severity"], f["after_capture_id"])
            and times[g["before_capture_id"]] >= times[f["before_capture_id"]]
        ]
        assert same, (f["type"], f["before_capture_id"], f["after_capture_id"], claims(after))
