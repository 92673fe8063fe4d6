"""Hypothesis strategies for readings as the companion stores them, and the well-formedness check
of findings: shared by the detector's property tests."""

from __future__ import annotations

import contextlib
import json
import random
import warnings
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from helpers import SCHEMA_PATH

# On a failing example the hypothesis pytest plugin imports libcst to suggest a patch; libcst 1.0 raises a
# DeprecationWarning (mypy_extensions.TypedDict) at import, which pyproject's filterwarnings = "error"
# turns into an INTERNALERROR that aborts the whole session. Import it once here, quietly.
with warnings.catch_warnings(), contextlib.suppress(ImportError):
    warnings.simplefilter("ignore", DeprecationWarning)
    import libcst  # noqa: F401

_SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
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
