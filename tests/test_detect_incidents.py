"""Incidents (companion/analysis/incidents.py, docs/detection.md "Incidents"): the findings of one
period grouped, one sentence each, stable ids, valid against shared/schema.json's ``incident``."""

from __future__ import annotations

import ast
import json
import random
import re
from pathlib import Path

import pytest
from helpers.scenarios import SCENARIOS, series
from jsonschema import Draft202012Validator

from companion.analysis import incidents
from companion.analysis.detect import Analyzer, find_anomalies
from companion.analysis.incidents import group
from companion.analysis.points import to_points
from companion.core.vocab import FINDING_TYPES, severity_rank

ROOT = Path(__file__).resolve().parent.parent
_SCHEMA = json.loads((ROOT / "shared" / "schema.json").read_text(encoding="utf-8"))
INCIDENT = Draft202012Validator({"$ref": "#/$defs/incident", "$defs": _SCHEMA["$defs"]})
TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def by_name(name: str):
    return next(s for s in SCENARIOS if s.name == name)


def check_incidents(findings: list[dict], found: list[dict]) -> None:
    for inc in found:
        errors = [e.message for e in INCIDENT.iter_errors(inc)]
        assert not errors, (errors, inc)
        members = [findings[i] for i in inc["findings"]]
        assert inc["finding_count"] == len(members)
        assert inc["severity"] == min((f["severity"] for f in members), key=severity_rank)
        assert inc["types"] == sorted({f["type"] for f in members}, key=FINDING_TYPES.index)
        assert all(f["incident_id"] == inc["incident_id"] for f in members)
        assert TIME.search(inc["summary_zh"]) and inc["summary_zh"].endswith("。")
        if inc["finding_count"] > 1:
            assert inc["summary_zh"].count("。") == 1, inc["summary_zh"]  # one sentence
    indexes = sorted(i for inc in found for i in inc["findings"])
    assert indexes == list(range(len(findings))), "every finding in exactly one incident"
    assert len({inc["incident_id"] for inc in found}) == len(found)
    keys = [(severity_rank(inc["severity"]), inc["started_at"]) for inc in found]
    assert [k[0] for k in keys] == sorted(k[0] for k in keys), "worst first"


@pytest.mark.parametrize("sc", SCENARIOS, ids=lambda s: s.name)
def test_every_scenario_groups_into_valid_incidents(sc):
    findings = find_anomalies(sc.readings)
    check_incidents(findings, group(findings))


def test_a_frozen_period_is_one_incident():
    findings = find_anomalies(by_name("frozen_period_one_incident").readings)
    assert len(findings) == 6
    (inc,) = group(findings)
    assert inc["types"] == ["swallowed_assist", "stall"]
    assert (inc["severity"], inc["before_capture_id"], inc["after_capture_id"]) == ("warning", "c02", "c07")
    assert inc["finding_count"] == 6
    assert inc["summary_zh"] == (
        "2026-11-20 14:11 至 14:47 期间新增 5 位好友助力，"
        "页面显示的砍价进度始终为 99.9%（已砍 ¥99.90、还差 ¥0.10），"
        "其中助力列表新增的 5 位好友（静香 ¥0.02、大雄 ¥0.02、小夫 ¥0.02、阿强 ¥0.02、月月 ¥0.02）"
        "合计 ¥0.10，"
        "没有反映在页面显示的金额中。"
    )
    assert [a["name"] for a in inc["assists"]] == ["静香", "大雄", "小夫", "阿强", "月月"]
    assert all(a == {"name": a["name"], "amount": 0.02, "at": None} for a in inc["assists"])


def test_a_stall_ending_in_a_drop_is_one_incident_with_both_figures():
    r = series(
        cut=[99.00, 99.50, 99.50, 99.50, 99.50, 99.20, 99.80],
        remaining=[1.00, 0.50, 0.50, 0.50, 0.50, 0.80, 0.20],
        helper_count=[10, 11, 12, 13, 14, 15, 16],
    )
    findings = find_anomalies(r)
    assert sorted((f["type"], f["before_capture_id"], f["after_capture_id"]) for f in findings) == [
        ("regression", "c05", "c06"),
        ("stall", "c02", "c05"),
    ]
    (inc,) = group(findings)
    assert (inc["severity"], inc["types"]) == ("critical", ["regression", "stall"])
    assert inc["summary_zh"] == (
        "2026-11-20 14:13 至 14:53 期间新增 4 位好友助力，"
        "页面显示的砍价进度由 已砍 ¥99.50（还差 ¥0.50） 变为 已砍 ¥99.20（还差 ¥0.80），"
        "其中 2026-11-20 14:43 至 14:53 页面显示的砍价进度"
        "从 已砍 ¥99.50（还差 ¥0.50） 倒退为 已砍 ¥99.20（还差 ¥0.80）。"
    )


def test_separate_periods_and_other_types_are_separate_incidents():
    creep = find_anomalies(by_name("deadline_creeps_earlier").readings)
    assert [i["types"] for i in group(creep)] == [["deadline_change"], ["deadline_change"]]
    moved = find_anomalies(by_name("rule_change_and_back").readings)
    assert [i["finding_count"] for i in group(moved)] == [1, 1]
    # A visible move ends a period: two stalls of different displays do not touch.
    r = series(
        progress=[99.0, 99.0, 99.0, 99.0, 99.5, 99.5, 99.5, 99.5],
        helper_count=[1, 2, 3, 4, 5, 6, 7, 8],
    )
    found = group(find_anomalies(r))
    assert [(i["types"], i["before_capture_id"], i["after_capture_id"]) for i in found] == [
        (["stall"], "c01", "c04"),
        (["stall"], "c05", "c08"),
    ]


def test_ids_do_not_depend_on_order():
    for sc in SCENARIOS:
        findings = find_anomalies(sc.readings)
        expected = {i["incident_id"]: i["finding_count"] for i in group(findings)}
        shuffled = list(findings)
        random.Random(len(sc.name)).shuffle(shuffled)
        again = group(shuffled)
        assert {i["incident_id"]: i["finding_count"] for i in again} == expected, sc.name
        for inc in again:  # the same findings, whatever their positions
            before = {
                json.dumps(findings[i], sort_keys=True)
                for i in range(len(findings))
                if findings[i]["incident_id"] == inc["incident_id"]
            }
            assert {json.dumps(shuffled[i], sort_keys=True) for i in inc["findings"]} == before


def test_ids_are_stable_as_a_period_grows():
    """The id names what starts the period: later captures that extend it keep the id."""
    readings = by_name("frozen_period_one_incident").readings
    ids = [
        {i["incident_id"] for i in group(find_anomalies(readings[:n]))} for n in range(4, len(readings) + 1)
    ]
    assert all(x == ids[0] for x in ids) and len(ids[0]) == 1


def test_group_of_nothing():
    assert group([]) == []


@pytest.mark.parametrize("name", ["incidents.py", "trends.py"])
def test_new_analysis_modules_are_pure(name):
    """Not yet in tests/test_architecture.py's PURE list (not this change's file): checked here."""
    tree = ast.parse((Path(incidents.__file__).parent / name).read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not {m for m in imported if m.split(".")[0] in ("flask", "sqlite3", "sqlite_utils", "werkzeug")}


# -- The memo (#13): regrouping reuses the incidents of unchanged findings, and only those ---------


def _richest():
    """The scenario with the most incidents (several to reuse)."""
    return max(SCENARIOS, key=lambda s: len(group(find_anomalies(s.readings))))


@pytest.mark.parametrize("sc", SCENARIOS, ids=lambda s: s.name)
def test_an_analyzer_regrouping_at_every_reading_agrees_with_a_fresh_grouping(sc):
    """The analyzer groups with its memo at each reading; a grouping without one says the same."""
    analyzer = Analyzer()
    for p in to_points(sc.readings):
        analyzer.add(p)
        found = analyzer.findings()
        assert found.incidents == group([dict(f) for f in found])
    assert len(analyzer._memo.incidents) <= len(found.incidents)  # only the last grouping's


def test_the_memo_reuses_the_incidents_of_the_same_finding_dicts(monkeypatch):
    findings = find_anomalies(_richest().readings)
    sources = [dict(f) for f in findings]  # the unchanging dicts the analyzer keeps
    memo = incidents.IncidentMemo()
    first = group([dict(s) for s in sources], sources, memo)
    assert len(first) > 1
    made = []
    real = incidents._incident
    monkeypatch.setattr(incidents, "_incident", lambda *a: made.append(a[0]) or real(*a))

    assert group([dict(s) for s in sources], sources, memo) == first
    assert made == []  # nothing made again

    renewed = [dict(sources[0]), *sources[1:]]  # an equal finding, but a new dict: not trusted
    assert group([dict(s) for s in renewed], renewed, memo) == first
    assert made == [first_incident_of(first, 0)]

    assert group([dict(s) for s in sources], [None] * len(sources), memo) == first
    assert len(made) == 1 + len(first)  # new findings: every incident made, none kept
    assert memo.incidents == {} and memo.facts == {}


def first_incident_of(found: list[dict], index: int) -> str:
    return next(x["incident_id"] for x in found if index in x["findings"])


def test_a_reused_incident_is_a_copy_with_this_groupings_indexes():
    findings = find_anomalies(_richest().readings)
    sources = [dict(f) for f in findings]
    memo = incidents.IncidentMemo()
    first = group([dict(s) for s in sources], sources, memo)
    first[0]["findings"].append(999)  # a caller's change to what it was given
    first[0]["summary_zh"] = "changed"
    again = group([dict(s) for s in sources], sources, memo)
    assert again == group([dict(s) for s in sources])
