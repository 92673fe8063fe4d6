"""Property tests for companion.analysis.detect: any valid readings are analysed without error into
well-formed findings, and a monotone campaign with no assists and no rule or deadline changes is never
accused."""

from __future__ import annotations

import contextlib
import json
import random
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from companion.analysis.detect import find_anomalies

# On a failing example the hypothesis pytest plugin imports libcst to suggest a patch; libcst 1.0 raises a
# DeprecationWarning (mypy_extensions.TypedDict) at import, which pyproject's filterwarnings = "error"
# turns into an INTERNALERROR that aborts the whole session. Import it once here, quietly.
with warnings.catch_warnings(), contextlib.suppress(ImportError):
    warnings.simplefilter("ignore", DeprecationWarning)
    import libcst  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
_SCHEMA = json.loads((ROOT / "shared" / "schema.json").read_text(encoding="utf-8"))
FINDING = Draft202012Validator({"$ref": "#/$defs/finding", "$defs": _SCHEMA["$defs"]})
FACTS = Draft202012Validator({"$ref": "#/$defs/facts", "$defs": _SCHEMA["$defs"]})

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=timezone(timedelta(hours=8)))
ZONES = [timezone(timedelta(hours=8)), timezone.utc, timezone(timedelta(hours=-5))]
NAMES = ["小明", "阿花", "老王", "Lily", "张三", "李四", "", "好友***", "a" * 40]
RULES = ["活动规则：砍至0元免费拿。", "活动规则：砍至0元免费拿。\n", "活动规则：24小时内完成。", ""]


def iso(dt: datetime, zone: timezone, style: int) -> str:
    local = dt.astimezone(zone)
    if style == 0:
        return local.isoformat()
    if style == 1:
        return local.isoformat(timespec="milliseconds")
    text = dt.astimezone(timezone.utc).isoformat()
    return text.replace("+00:00", "Z")


@st.composite
def timestamps(draw, span_seconds: int = 3 * 86400) -> str:
    dt = T0 + timedelta(seconds=draw(st.integers(0, span_seconds)))
    return iso(dt, draw(st.sampled_from(ZONES)), draw(st.integers(0, 2)))


def money(hi: float) -> st.SearchStrategy[float]:
    return st.integers(0, int(hi * 100)).map(lambda f: f / 100)


percents = st.one_of(
    st.integers(0, 1000).map(lambda x: x / 10),
    st.integers(0, 10000).map(lambda x: x / 100),
    st.integers(0, 100).map(float),
)
TEXT = st.text(
    alphabet=st.sampled_from(list("已砍仅差还剩¥￥%.:：0123456789 \n\t元金币钻石好友助力abc")), max_size=24
)


@st.composite
def mostly(draw, common: st.SearchStrategy, rare: st.SearchStrategy) -> Any:
    """``common`` nine times in ten (cheap, ready-made values), ``rare`` otherwise (arbitrary ones)."""
    return draw(rare if draw(st.integers(0, 9)) == 0 else common)


HELPER_POOL = [
    {"name": n, **extra}
    for n in NAMES[:6]
    for extra in ({}, {"amount": 0.03}, {"amount": 1.5, "at": "3分钟前"}, {"percent": 0.9, "amount": 12.34})
]
_rng = random.Random(20261120)
# Ready-made helper lists sharing names, so helpers appear, vanish and reorder between readings.
HELPER_LISTS = [[], *([_rng.choice(HELPER_POOL) for _ in range(_rng.randint(1, 7))] for _ in range(40))]
helper = st.fixed_dictionaries(
    {"name": st.one_of(st.sampled_from(NAMES), TEXT)},
    optional={"amount": money(200), "percent": percents, "at": st.sampled_from(["14:03", "刚刚", "3分钟前"])},
)
RAW_TEXTS = [
    "已砍99.9%",
    "仅差0.1%",
    "还差¥0.52",
    "已砍￥98.76",
    "免费拿仅差0.9%",
    "23:59:12 后结束",
    "",
    "%",
    "已砍9９.5%",
]
RAW_KEYS = ["cut_amount", "remaining_amount", "cut_percent", "remaining_percent", "countdown_seconds"]
RAW_DICTS = [{}, *({k: t} for k in RAW_KEYS for t in RAW_TEXTS), dict(zip(RAW_KEYS, RAW_TEXTS, strict=False))]
RULE_TEXTS = [
    *RULES,
    "活动规则：\n1. 砍至0元免费拿。\n2. 24小时内有效。",
    "规则",
    " ",
    "活动规则：" + "详见页面。" * 50,
]
FIELDS = {
    "cut_amount": money(1000),
    "remaining_amount": money(1000),
    "cut_percent": percents,
    "remaining_percent": percents,
    "target_price": money(1000),
    "countdown_seconds": st.integers(0, 3 * 86400),
    "deadline": timestamps(5 * 86400),
    "helper_count": st.integers(0, 500),
    "helpers": mostly(st.sampled_from(HELPER_LISTS), st.lists(helper, max_size=3)),
    "rules_text": mostly(st.sampled_from(RULE_TEXTS), TEXT),
    "unit": st.sampled_from(["金币", "钻石", "元"]),
    "raw": mostly(st.sampled_from(RAW_DICTS), st.dictionaries(st.sampled_from(RAW_KEYS), TEXT, max_size=3)),
}


@st.composite
def reading_body(draw) -> dict[str, Any]:
    """A random subset of the fields; some present as None (a stored reading's empty column).
    Drawn with two bit masks rather than one optional strategy per field: much faster to generate."""
    every = 2 ** len(FIELDS) - 1
    present = draw(st.integers(0, every))
    nulls = draw(st.integers(0, every)) & draw(st.integers(0, every))
    return {
        k: None if nulls >> i & 1 else draw(v) for i, (k, v) in enumerate(FIELDS.items()) if present >> i & 1
    }


@st.composite
def reading_lists(draw) -> list[dict[str, Any]]:
    """0-40 readings, unsorted, with repeated times (a small pool) and unique capture ids."""
    pool = draw(st.lists(timestamps(), min_size=1, max_size=6))
    taken = st.one_of(st.sampled_from(pool), timestamps())
    n = draw(st.integers(0, 40))
    bodies = draw(st.lists(st.tuples(taken, reading_body()), min_size=n, max_size=n))
    return [{"capture_id": f"r{i:02d}", "taken_at": t, **body} for i, (t, body) in enumerate(bodies)]


def check(findings: Any, readings: list[dict[str, Any]]) -> None:
    assert isinstance(findings, list)
    cids = {r["capture_id"] for r in readings}
    for f in findings:
        errors = [e.message for e in FINDING.iter_errors(f)]
        assert not errors, (errors, f)
        assert f["summary_zh"].strip()
        for k in ("before_capture_id", "after_capture_id"):
            assert f.get(k) is None or f[k] in cids, (k, f)
        if f.get("started_at") and f.get("ended_at"):
            start = datetime.fromisoformat(f["started_at"].replace("Z", "+00:00"))
            end = datetime.fromisoformat(f["ended_at"].replace("Z", "+00:00"))
            assert start <= end, f


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
