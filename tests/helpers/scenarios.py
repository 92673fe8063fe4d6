"""Labelled campaigns for the anomaly detector (docs/detection.md), built from small readable builders.

Each ``Scenario`` has a ``name``, a one-line English ``description``, the ``readings`` (dicts shaped like
rows of the ``readings`` table, see docs/detection.md "Input") and ``expect``:

- a list of expected findings, each {type, severity (set of allowed), before_capture_id,
  after_capture_id, started_at, ended_at, match}; ``match`` is ``"exact"`` (the finding's span is exactly
  those two captures) or ``"covers"`` (the finding's span contains them; used where the doc does not fix
  the span, e.g. the window of a fit). ``before_capture_id`` may be a set of allowed ids (``None``
  included when the doc allows a single-reading finding);
- ``[]`` for a healthy campaign: no warning or critical finding at all. ``quiet=True`` also forbids
  info findings, for the cases docs/detection.md lists as "Not findings".

``exact=True`` (the issue #9 scenarios): the findings, of every severity, are exactly the expected ones
(type, severity, before and after capture), no more.

Times are China Standard Time (+08:00) like the page; capture ids are ``c01``, ``c02``, ... in page order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

CST = timezone(timedelta(hours=8))
DAY = "2026-11-20"
NAMES = [
    "小明", "阿花", "老王", "Lily", "张三", "李四", "王五", "赵六", "小红", "大白",
    "糖糖", "阿杰", "Kevin", "小雨", "胖虎", "静香", "大雄", "小夫", "阿强", "月月",
]  # fmt: skip

RULES = (
    "活动规则：\n1. 邀请好友助力砍价，砍至0元即可免费领取商品。\n"
    "2. 每位好友每天可助力1次。\n3. 砍价需在24小时内完成，逾期未完成则砍价失败。"
)
RULES_CHANGED = RULES.replace("24小时内", "12小时内")


# --------------------------------------------------------------------------------------------- builders


def when(clock: str) -> datetime:
    """'14:03' (on DAY) or '2026-11-21 09:00' -> an aware datetime in +08:00."""
    text = clock if " " in clock else f"{DAY} {clock}"
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=CST)


def _column(values: Any, n: int, label: str) -> list[Any]:
    if values is None:
        return [None] * n
    if isinstance(values, (list, tuple)):
        if len(values) != n:
            raise ValueError(f"{label}: {len(values)} values for {n} readings")
        return list(values)
    return [values] * n


def _helper(entry: Any) -> dict[str, Any]:
    if isinstance(entry, str):
        return {"name": entry}
    name, amount = entry
    return {"name": name} if amount is None else {"name": name, "amount": amount}


def series(
    start: str = "14:03",
    step_minutes: float = 10,
    *,
    minutes: list[float] | None = None,
    first: int = 1,
    prefix: str = "c",
    progress: Any = None,
    remaining_percent: Any = None,
    cut: Any = None,
    remaining: Any = None,
    target: Any = None,
    helper_count: Any = None,
    helpers: Any = None,
    rules: Any = None,
    countdown: Any = None,
    ends_at: str | None = None,
    jitter: list[int] | None = None,
    deadline: Any = None,
    unit: Any = None,
) -> list[dict[str, Any]]:
    """Readings taken every ``step_minutes`` from ``start`` (or at ``minutes`` offsets).

    Per-reading arguments are lists (one value per reading, ``None`` = not shown) or a scalar for all.
    ``progress`` is 已砍 percent as displayed (str or float; the raw page text keeps its decimals);
    ``cut``/``remaining`` are 已砍/还差 amounts; ``helpers`` is, per reading, the list shown on the page
    (names or (name, amount) pairs, newest first); ``ends_at`` derives ``countdown_seconds`` from a fixed
    deadline (plus ``jitter`` seconds of page/clock noise).
    """
    columns = {
        "progress": progress,
        "remaining_percent": remaining_percent,
        "cut": cut,
        "remaining": remaining,
        "helper_count": helper_count,
        "helpers": helpers,
        "rules": rules,
        "countdown": countdown,
        "deadline": deadline,
    }
    lengths = {len(v) for v in columns.values() if isinstance(v, list)}
    if minutes is not None:
        lengths.add(len(minutes))
    if len(lengths) != 1:
        raise ValueError(f"inconsistent series lengths {lengths}")
    n = lengths.pop()
    offsets = minutes if minutes is not None else [i * step_minutes for i in range(n)]
    t0 = when(start)
    cols = {k: _column(v, n, k) for k, v in columns.items()}
    units = _column(unit, n, "unit")
    targets = _column(target, n, "target")
    jit = jitter or [0] * n
    out = []
    for i in range(n):
        taken = t0 + timedelta(minutes=offsets[i])
        r: dict[str, Any] = {"capture_id": f"{prefix}{first + i:02d}", "taken_at": taken.isoformat()}
        raw: dict[str, str] = {}
        u = units[i]
        if cols["progress"][i] is not None:
            text = str(cols["progress"][i])
            r["cut_percent"] = float(text)
            raw["cut_percent"] = f"已砍{text}%"
        if cols["remaining_percent"][i] is not None:
            text = str(cols["remaining_percent"][i])
            r["remaining_percent"] = float(text)
            raw["remaining_percent"] = f"仅差{text}%"
        if cols["cut"][i] is not None:
            r["cut_amount"] = round(cols["cut"][i], 2)
            raw["cut_amount"] = f"已砍{r['cut_amount']:g}{u}" if u else f"已砍¥{r['cut_amount']:.2f}"
        if cols["remaining"][i] is not None:
            r["remaining_amount"] = round(cols["remaining"][i], 2)
            raw["remaining_amount"] = (
                f"还差{r['remaining_amount']:g}{u}" if u else f"还差¥{r['remaining_amount']:.2f}"
            )
        if targets[i] is not None:
            r["target_price"] = targets[i]
        if cols["helper_count"][i] is not None:
            r["helper_count"] = cols["helper_count"][i]
            raw["helper_count"] = f"已有{cols['helper_count'][i]}位好友帮砍"
        if cols["helpers"][i] is not None:
            r["helpers"] = [_helper(h) for h in cols["helpers"][i]]
        if cols["rules"][i] is not None:
            r["rules_text"] = cols["rules"][i]
        if cols["countdown"][i] is not None:
            r["countdown_seconds"] = cols["countdown"][i]
        elif ends_at is not None:
            r["countdown_seconds"] = int((when(ends_at) - taken).total_seconds()) + jit[i]
        if r.get("countdown_seconds") is not None:
            s = r["countdown_seconds"]
            raw["countdown_seconds"] = f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d} 后结束"
        if cols["deadline"][i] is not None:
            r["deadline"] = when(cols["deadline"][i]).isoformat()
        if u is not None:
            r["unit"] = u
        if raw:
            r["raw"] = raw
        out.append(r)
    return out


def dup(reading: dict[str, Any], capture_id: str, seconds: int = 0) -> dict[str, Any]:
    """The same page read again (identical figures), ``seconds`` later, as another capture."""
    copy = {k: (dict(v) if isinstance(v, dict) else v) for k, v in reading.items()}
    copy["capture_id"] = capture_id
    copy["taken_at"] = (datetime.fromisoformat(reading["taken_at"]) + timedelta(seconds=seconds)).isoformat()
    return copy


def rolling(arrivals: list[tuple[str, float]], counts: list[int], show: int = 5) -> list[list]:
    """The helper list of a page that shows only the latest ``show`` helpers, newest first."""
    return [list(reversed(arrivals[:c]))[:show] for c in counts]


def geometric(start: float, ratio: float, steps: int, per_step: int = 1) -> list[float]:
    """还差 shrinking by ``ratio`` per assist, ``per_step`` assists between readings, shown to the fen."""
    return [round(start * ratio ** (k * per_step), 2) for k in range(steps + 1)]


def complement(values: list[float], total: float) -> list[float]:
    return [round(total - v, 2) for v in values]


@dataclass
class Scenario:
    name: str
    description: str
    readings: list[dict[str, Any]]
    expect: list[dict[str, Any]] = field(default_factory=list)
    quiet: bool = False  # healthy and "Not findings" in docs/detection.md: no finding of any severity
    exact: bool = False  # the expected findings are all the findings (issue #9 scenarios)

    @property
    def healthy(self) -> bool:
        return not self.expect

    @property
    def percent_only(self) -> bool:
        """No amount anywhere: the page shows percentages only (no 已砍/还差 in yuan, no helper amounts)."""
        for r in self.readings:
            if any(r.get(k) is not None for k in ("cut_amount", "remaining_amount", "target_price")):
                return False
            if any(h.get("amount") is not None for h in r.get("helpers") or []):
                return False
        return any(
            r.get("cut_percent") is not None or r.get("remaining_percent") is not None for r in self.readings
        )

    def __str__(self) -> str:
        return self.name


def expect(
    readings: list[dict[str, Any]],
    type_: str,
    severity: str | set[str],
    before: str | set[str | None] | None,
    after: str,
    match: str = "exact",
) -> dict[str, Any]:
    taken = {r["capture_id"]: r["taken_at"] for r in readings}
    return {
        "type": type_,
        "severity": {severity} if isinstance(severity, str) else set(severity),
        "before_capture_id": before,
        "after_capture_id": after,
        "started_at": taken[before] if isinstance(before, str) else None,
        "ended_at": taken[after],
        "match": match,
    }


SCENARIOS: list[Scenario] = []


def scenario(
    name: str, description: str, readings: list[dict[str, Any]], *expected, quiet=False, exact=False
) -> None:
    found = [expect(readings, *e) for e in expected]
    SCENARIOS.append(Scenario(name, description, readings, found, quiet or (exact and not found), exact))


# ---------------------------------------------------------------------------------------- healthy ones

r = series(
    progress=[f"{p}.0" for p in range(10, 101, 10)],
    cut=list(range(10, 101, 10)),
    remaining=list(range(90, -1, -10)),
    helper_count=list(range(1, 11)),
)
scenario("steady_finish", "Ten assists of ¥10 each, 10 % each, every 10 minutes, finishing at 100 %", r)

r = series(
    cut=[10.00, 15.00, 17.50, 18.75, 19.38, 19.69, 20.00],
    remaining=[10.00, 5.00, 2.50, 1.25, 0.62, 0.31, 0.00],
    helper_count=list(range(1, 8)),
)
scenario("halving_then_finish", "Remaining halves with every assist and the last assist finishes it", r)

rem = [*geometric(5.00, 0.85, 6), 0.00]
r = series(cut=complement(rem, 100), remaining=rem, helper_count=list(range(1, 9)))
scenario(
    "diminishing_085_then_finish",
    "Remaining shrinks x0.85 per assist for six assists, then one assist cuts the rest: it finished",
    r,
)

r = series(
    minutes=[0, 10, 70, 130, 190, 250, 310, 370, 430, 440, 450],
    progress=[40.0, 45.0, *[45.0] * 7, 50.0, 55.0],
    helper_count=[4, 5, *[5] * 7, 6, 7],
)
scenario(
    "long_idle_then_resumed",
    "Seven hours with no assist at 45 %, then assists resume and move it",
    r,
    quiet=True,
)

base = series(
    progress=[60.0, 70.0, 80.0, 90.0, 95.0],
    cut=[60, 70, 80, 90, 95],
    remaining=[40, 30, 20, 10, 5],
    helper_count=[1, 2, 3, 4, 5],
)
r = [
    base[0],
    base[1],
    dup(base[1], "c02-dup"),
    base[2],
    base[3],
    dup(base[3], "c04-dup"),
    dup(base[3], "c04-re"),
]
r.append(base[4])
scenario(
    "duplicates_same_time",
    "The same frame captured twice or three times with the same taken_at",
    r,
    quiet=True,
)

base = series(
    progress=[50.0, 60.0, 70.0, 80.0, 90.0],
    helper_count=[2, 3, 4, 5, 6],
    ends_at="2026-11-21 10:00",
)
r = [base[0], dup(base[0], "c01-b", 5), base[1], base[2], dup(base[2], "c03-b", 4), dup(base[2], "c03-c", 20)]
r += base[3:]
scenario(
    "duplicates_seconds_apart",
    "Identical readings (countdown included) captured again 4 to 20 seconds later",
    r,
    quiet=True,
)

base = series(
    progress=[f"{p}.0" for p in range(30, 101, 10)],
    cut=list(range(30, 101, 10)),
    remaining=list(range(70, -1, -10)),
    helper_count=list(range(1, 9)),
    helpers=rolling([("小明", 30.0)] + [(n, 10.0) for n in NAMES[1:8]], list(range(1, 9)), show=10),
    rules=RULES,
    ends_at="2026-11-21 14:00",
)
order = [3, 0, 6, 1, 7, 2, 5, 4]
scenario(
    "out_of_order_arrival",
    "A steady finishing campaign whose captures arrive shuffled (offline queue flushed late)",
    [base[i] for i in order],
    quiet=True,
)

r = series(progress=["37.4", "41.9", "46.2", "50.0", "53.9"], helper_count=[3, 4, 5, 6, 7])
scenario(
    "percent_only_visible",
    "Percent-only page, one decimal, truncated (37.46 % shows 37.4 %); every assist visibly moves it",
    r,
)

r = series(
    cut=[95.00, 97.00, 98.30, 98.90, 99.48],
    remaining=[5.00, 3.00, 1.70, 1.10, 0.52],
    helper_count=[10, 11, 12, 13, 14],
)
scenario("amount_only", "Amount-only page (已砍/还差 in yuan, no percent), every assist moves both", r)

r = series(
    progress=[20.0, 30.0, 40.0, 50.0, 60.0],
    helper_count=[1, 2, 3, 4, 5],
    ends_at="2026-11-21 10:00",
    jitter=[0, 2, -3, 1, -2],
)
scenario(
    "countdown_consistent",
    "The countdown ticks down consistently (implied deadline stable within 3 s) and the rate is ample",
    r,
    quiet=True,
)

variants = [
    RULES,
    RULES + "\n",
    "  " + RULES.replace("\n", "\r\n"),
    RULES.replace("\n", "\n\n").replace("活动规则：", "活动规则：  "),
    RULES.replace("\n", " \t"),
]
r = series(progress=[50.0, 55.0, 60.0, 65.0, 70.0], helper_count=[1, 2, 3, 4, 5], rules=variants)
scenario(
    "rules_whitespace_only", "Rules text re-read with different line breaks/indentation only", r, quiet=True
)

r = series(
    cut=[90.00, 95.00, 98.00, 99.50],
    remaining=[10.00, 5.00, 2.00, 0.50],
    helper_count=[1, 2, 3, 4],
) + series(
    "14:43",
    cut=[100, 250, 400, 520],
    remaining=[900, 750, 600, 480],
    helper_count=[1, 2, 3, 4],
    unit="金币",
    first=5,
)
scenario(
    "stage_switch_coins",
    "The cash stage gives way to a 金币 stage: unit changes, figures and helper count restart",
    r,
)

r = series(
    progress=[60.0, 75.0, 90.0, 97.5, 100.0],
    cut=[60, 75, 90, 97.5, 100],
    remaining=[40, 25, 10, 2.5, 0],
    helper_count=[1, 2, 3, 4, 5],
) + series(
    "15:43",
    60,
    progress=[100.0] * 8,
    cut=[100] * 8,
    remaining=[0] * 8,
    helper_count=[5, 5, 5, 6, 6, 6, 6, 6],
    first=6,
)
scenario(
    "finished_tail",
    "Finished at 100 % (还差 0), then eight more hourly captures (one late helper click) — the tail",
    r,
    quiet=True,
)

arrivals = [(NAMES[i], a) for i, a in enumerate([3.00, 1.50, 0.80, 0.40, 0.30, 0.25, 0.20, 0.15, 0.10])]
counts = [5, 6, 8, 9]
r = series(
    cut=[round(sum(a for _, a in arrivals[:c]), 2) for c in counts],
    remaining=[round(10 - sum(a for _, a in arrivals[:c]), 2) for c in counts],
    helper_count=counts,
    helpers=rolling(arrivals, counts),
)
scenario(
    "rolling_helper_list",
    "The page lists only the latest 5 helpers: old names scroll off as the count rises and 已砍 moves",
    r,
)

r = series(progress=[99.7, 99.8, 99.8, 99.9], helper_count=[20, 21, 22, 23])
scenario(
    "single_invisible_assist",
    "Percent-only at 0.1 % resolution: one assist does not move the display, the next one does",
    r,
)

figures = series(
    progress=[50.0, 60.0, 70.0, 80.0, 90.0],
    helper_count=[1, 2, 3, 4, 5],
    rules=RULES,
    ends_at="2026-11-21 10:00",
)
blank = series(
    "14:08",
    minutes=[0, 10, 20],
    rules=RULES,
    ends_at="2026-11-21 10:00",
    prefix="x",
)
r = [figures[0], blank[0], figures[1], blank[1], figures[2], blank[2], *figures[3:]]
scenario(
    "figureless_frames",
    "Frames where OCR read only the rules and countdown (no progress, no helper count) in between",
    r,
    quiet=True,
)

arr = [("小明", 99.48), ("阿花", 0.03), ("老王", 0.02), ("Lily", 0.01)]
r = series(
    cut=[99.48, 99.51, 99.53, 99.54],
    remaining=[0.52, 0.49, 0.47, 0.46],
    helper_count=[1, 2, 3, 4],
    helpers=rolling(arr, [1, 2, 3, 4]),
)
scenario("tiny_assists_visible", "Assists of ¥0.03/0.02/0.01 each move 还差 by exactly that much", r)

r = series(progress=[f"{p}.0" for p in range(30, 59, 4)], helper_count=list(range(1, 9)))
scenario(
    "linear_progress_unfinished",
    "Steady +4.0 % per assist from 30 % to 58 % (would finish in ~11 more): not an asymptote",
    r,
)

r = series(progress=[99.0, None, 99.5, None, 99.6], helper_count=[1, 2, 3, 4, 5])
for reading, (c, rm) in zip(
    r, [(None, None), (99.42, 0.58), (None, None), (99.58, 0.42), (None, None)], strict=True
):
    if c is not None:
        reading.update(cut_amount=c, remaining_amount=rm, raw={"cut_amount": f"已砍¥{c:.2f}"})
scenario(
    "mixed_figures_consistent",
    "Captures alternate between 已砍X% (truncated) and 已砍/还差 amounts that agree within the display",
    r,
)

# ------------------------------------------------------------------------------------------- regression

r = series(progress=[97.0, 98.5, 99.5, 98.0, 98.6], helper_count=[10, 11, 12, 13, 14])
scenario(
    "regression_percent_drop",
    "已砍 percent falls 99.5 % -> 98.0 %",
    r,
    ("regression", "critical", "c03", "c04"),
)

r = series(cut=[90.00, 95.50, 94.20, 94.80], remaining=[10.00, 4.50, 5.80, 5.20], helper_count=[1, 2, 3, 4])
scenario(
    "regression_amount_drop",
    "已砍 falls ¥95.50 -> ¥94.20 (还差 rises ¥4.50 -> ¥5.80)",
    r,
    ("regression", "critical", "c02", "c03"),
)

r = series(remaining_percent=[0.5, 0.3, 0.1, 0.9], helper_count=[30, 31, 32, 33])
scenario(
    "regression_remaining_percent_rise",
    "仅差 0.1 % becomes 仅差 0.9 % (percent-only page)",
    r,
    ("regression", "critical", "c03", "c04"),
)

r = series(remaining=[1.20, 0.80, 0.52, 0.61], target=100.0, helper_count=[7, 8, 9, 10])
scenario(
    "regression_remaining_amount_rise",
    "还差 rises ¥0.52 -> ¥0.61 (page shows 还差 and the price only)",
    r,
    ("regression", "critical", "c03", "c04"),
)

r = series(progress=[99.0, 99.5, None, None], helper_count=[1, 2, 3, 4])
r[2].update(cut_amount=98.00, remaining_amount=2.00, raw={"cut_amount": "已砍¥98.00"})
r[3].update(cut_amount=98.10, remaining_amount=1.90, raw={"cut_amount": "已砍¥98.10"})
scenario(
    "regression_mixed_figures",
    "已砍99.5% is followed by a capture showing only amounts: 已砍¥98.00 / 还差¥2.00 (98.0 %)",
    r,
    ("regression", "critical", "c02", "c03"),
)

# ------------------------------------------------------------------------------------- swallowed_assist

r = series(
    cut=[95.00, 95.40, 95.40, 95.50],
    remaining=[5.00, 4.60, 4.60, 4.50],
    helper_count=[1, 2, 3, 4],
    helpers=[
        [("小明", 0.50)],
        [("阿花", 0.40), ("小明", 0.50)],
        [("老王", 0.03), ("阿花", 0.40), ("小明", 0.50)],
        [("Lily", 0.10), ("老王", 0.03), ("阿花", 0.40), ("小明", 0.50)],
    ],
)
scenario(
    "swallowed_new_helper_no_move",
    "A new helper '老王 帮你砍了0.03元' appears but 已砍/还差 stay the same to the fen",
    r,
    ("swallowed_assist", "warning", "c02", "c03"),
)

r = series(progress=[99.0, 99.5, 99.5, 99.6], helper_count=[3, 5, 4, 6])
scenario(
    "swallowed_count_falls",
    "The stated helper count falls 5 -> 4",
    r,
    ("swallowed_assist", "critical", "c02", "c03"),
)

names = [("小明", 5.00), ("阿花", 2.00), ("老王", 1.00), ("Lily", 0.50), ("张三", 0.30), ("李四", 0.20)]
r = series(
    cut=[8.50, 8.80, 9.00],
    remaining=[1.50, 1.20, 1.00],
    helper_count=[4, 5, 6],
    helpers=[
        list(reversed(names[:4])),
        list(reversed(names[:5])),
        [names[5], names[4], names[3], names[1], names[0]],  # 老王 is gone from the middle
    ],
)
scenario(
    "swallowed_helper_vanishes_middle",
    "A helper (老王) vanishes from the middle of the list while a new one is added at the top",
    r,
    ("swallowed_assist", "critical", "c02", "c03"),
)

r = series(
    cut=[1.00, 1.50, 1.60],
    remaining=[9.00, 8.50, 8.40],
    helpers=[
        [("小明", 0.60), ("阿花", 0.40)],
        [("老王", 0.50), ("小明", 0.60), ("阿花", 0.40)],
        [("Lily", 2.00), ("老王", 0.50), ("小明", 0.60), ("阿花", 0.40)],
    ],
)
scenario(
    "swallowed_sum_exceeds_cut",
    "Listed helper amounts add up to ¥3.50 while 已砍 is only ¥1.60",
    r,
    ("swallowed_assist", "warning", {None, "c02", "c03"}, "c03"),
)

r = series(
    cut=[2.00, 2.20, 2.20],
    remaining=[8.00, 7.80, 7.80],
    helpers=[
        [("阿花", 0.40), ("小明", 1.60)],
        [("老王", 0.20), ("阿花", 0.40), ("小明", 1.60)],
        [("老王", 0.20), ("阿花", 0.40)],
    ],
)
scenario(
    "swallowed_list_shorter",
    "The helper list gets shorter (3 -> 2 names) with no count stated and no progress change",
    r,
    ("swallowed_assist", "critical", "c02", "c03"),
)

# ------------------------------------------------------------------------------------------------ stall

r = series(progress=[99.5, 99.9, 99.9, 99.9, 99.9], helper_count=[8, 10, 12, 14, 15])
scenario(
    "stall_five_assists",
    "已砍99.9% for four readings while the helper count rises 10 -> 15",
    r,
    ("stall", "warning", "c02", "c05"),
)

r = series(progress=[99.5, 99.9, 99.9, 99.9, 99.9], helper_count=[8, 10, 12, 14, 16])
scenario(
    "stall_six_assists",
    "已砍99.9% for four readings while the helper count rises 10 -> 16",
    r,
    ("stall", "critical", "c02", "c05"),
)

r = series(
    "08:00",
    60,
    cut=[98.50] + [99.00] * 8,
    remaining=[1.50] + [1.00] * 8,
    helper_count=[18, 20, 20, 20, 21, 21, 22, 22, 22],
)
scenario(
    "stall_long_span",
    "还差 ¥1.00 unchanged for 7 hours of hourly captures while 2 friends help",
    r,
    ("stall", "warning", "c02", "c09"),
)

r = series(cut=[99.40, 99.48, 99.48, 99.48], remaining=[0.60, 0.52, 0.52, 0.52], helper_count=[5, 6, 8, 9])
scenario(
    "stall_three_assists_amounts",
    "还差 ¥0.52 to the fen across three assists (threshold case)",
    r,
    ("stall", "warning", "c02", "c04"),
)

# -------------------------------------------------------------------------------------------- asymptote

rem = geometric(10.00, 0.9, 8)
r = series(cut=complement(rem, 100), remaining=rem, helper_count=list(range(1, 10)))
scenario(
    "asymptote_ratio_09",
    "还差 shrinks x0.9 per assist over 8 assists (¥10.00 -> ¥4.30): ~58 more assists needed",
    r,
    ("asymptote", "warning", "c05", "c09", "covers"),
)

rem = geometric(5.00, 0.95, 5, per_step=2)
r = series(cut=complement(rem, 100), remaining=rem, helper_count=list(range(2, 13, 2)))
scenario(
    "asymptote_two_per_reading",
    "Two assists between readings, x0.95 per assist over 10 assists: >100 more needed (per assist!)",
    r,
    ("asymptote", "critical", "c03", "c06", "covers"),
)

# ---------------------------------------------------------------------------------------- deadline_risk

r = series("11:00", 60, progress=[35.0, 40.0, 45.0, 50.0], helper_count=[1, 2, 3, 4], ends_at="17:00")
scenario(
    "deadline_risk_warning",
    "5 % per hour, 50 % left (10 h needed) and the countdown shows 3 h left",
    r,
    ("deadline_risk", "warning", "c04", "c04", "covers"),
)

r = series(
    "09:00",
    60,
    cut=[10.00, 11.00, 12.00, 13.00],
    remaining=[90.00, 89.00, 88.00, 87.00],
    helper_count=[1, 2, 3, 4],
    ends_at="2026-11-21 08:00",
)
scenario(
    "deadline_risk_info_far",
    "¥1 per hour with ¥87 left (87 h needed) and 20 h left: cannot finish, but not yet urgent",
    r,
    ("deadline_risk", "info", "c04", "c04", "covers"),
)

r = series(
    "10:00",
    30,
    cut=[44.00, 45.00, 46.00, 47.00, 48.00, 50.00],
    remaining=[56.00, 55.00, 54.00, 53.00, 52.00, 50.00],
    helper_count=[1, 2, 3, 4, 5, 6],
    deadline="14:30",
)
scenario(
    "deadline_risk_stated_deadline",
    "A stated deadline (no countdown) 2 h after the last capture; ¥2/h with ¥50 left",
    r,
    ("deadline_risk", "warning", "c06", "c06", "covers"),
)

# ------------------------------------------------------------------------------------------ rule_change

r = series(
    progress=[50.0, 55.0, 60.0, 65.0],
    helper_count=[1, 2, 3, 4],
    rules=[RULES, RULES, RULES_CHANGED, RULES_CHANGED],
)
scenario(
    "rule_change_24h_to_12h",
    "The rules text changes '24小时内' -> '12小时内' between two captures",
    r,
    ("rule_change", "warning", "c02", "c03"),
)

extra = RULES + "\n4. 平台有权根据活动情况调整规则。"
r = series(progress=[50.0, 55.0, 60.0], helper_count=[1, 2, 3], rules=[RULES, extra, RULES + " "])
scenario(
    "rule_change_and_back",
    "A clause is added, then removed again: two rule changes",
    r,
    ("rule_change", "warning", "c01", "c02"),
    ("rule_change", "warning", "c02", "c03"),
)

# -------------------------------------------------------------------------------------- deadline_change

cd = series(
    "10:00", 30, progress=[50.0, 60.0, 70.0, 80.0], helper_count=[1, 2, 3, 4], ends_at="2026-11-21 10:00"
)
cd[2]["countdown_seconds"] -= 7200
cd[3]["countdown_seconds"] -= 7200
scenario(
    "deadline_moved_earlier",
    "The countdown jumps so the implied deadline moves 2 h earlier",
    cd,
    ("deadline_change", "warning", "c02", "c03"),
)

cd = series(
    "10:00", 30, progress=[50.0, 60.0, 70.0, 80.0], helper_count=[1, 2, 3, 4], ends_at="2026-11-21 10:00"
)
cd[2]["countdown_seconds"] += 3 * 3600
cd[3]["countdown_seconds"] += 3 * 3600
scenario(
    "deadline_moved_later",
    "The countdown jumps so the implied deadline moves 3 h later",
    cd,
    ("deadline_change", "info", "c02", "c03"),
)

r = series(
    "10:00",
    30,
    progress=[50.0, 60.0, 70.0, 80.0],
    helper_count=[1, 2, 3, 4],
    deadline=["2026-11-21 10:00", "2026-11-21 10:00", "2026-11-21 09:00", "2026-11-21 09:00"],
)
scenario(
    "deadline_stated_earlier",
    "The stated deadline moves from 10:00 to 09:00 the next day",
    r,
    ("deadline_change", "warning", "c02", "c03"),
)

# ------------------------------------------------------------------------------------ issue #9 helpers


def coarse(
    readings: list[dict[str, Any]], unit: str = "小时", seconds: int = 3600, mode: str = "floor"
) -> None:
    """Show each countdown in whole ``unit``s ('剩余5小时'), as the reader stores it (raw text kept)."""
    for r in readings:
        if r.get("countdown_seconds") is None:
            continue
        left = r["countdown_seconds"]
        shown = -(-left // seconds) if mode == "ceil" else left // seconds
        r["countdown_seconds"] = shown * seconds
        r.setdefault("raw", {})["countdown_seconds"] = f"剩余{shown}{unit}"


def without(reading: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The same capture with some figures missing (caught mid-load, partial read)."""
    copy = {k: (dict(v) if isinstance(v, dict) else v) for k, v in reading.items() if k not in keys}
    if "raw" in copy:
        copy["raw"] = {k: v for k, v in copy["raw"].items() if k not in keys}
    return copy


def percent_text(readings: list[dict[str, Any]], texts: list[str | None]) -> None:
    """Set 已砍 percent as displayed (e.g. a rounded '100%') beside the amounts already there."""
    for r, text in zip(readings, texts, strict=True):
        if text is not None:
            r["cut_percent"] = float(text)
            r.setdefault("raw", {})["cut_percent"] = f"已砍{text}%"


# ----------------------------------------------------------- issue #9 (1): compare with the last known value

r = series(
    cut=[96.00, 97.10, 97.90, 98.40],
    remaining=[4.00, 2.90, 2.10, 1.60],
    helper_count=[10, 12, None, 11],
)
scenario(
    "count_drop_across_partial_read",
    "Helper count 12, then a capture without the count (mid-load), then 11: the drop is across the gap",
    r,
    ("swallowed_assist", "critical", "c02", "c04"),
    exact=True,
)

r = series(progress=[96.0, 98.2, None, 97.1, 97.5], helper_count=[3, 4, 5, 6, 7])
scenario(
    "regression_across_figureless_capture",
    "已砍98.2%, a capture that read only the helper count, then 已砍97.1%: a drop across the gap",
    r,
    ("regression", "critical", "c02", "c04"),
    exact=True,
)

r = series(
    "20:00",
    5,
    cut=[99.40, 99.70, 99.70, 99.70, 99.70, 99.70, 99.70],
    remaining=[0.60, 0.30, 0.30, 0.30, 0.30, 0.30, 0.30],
    helper_count=[19, 20, 21, 22, 23, 24, 26],
)
r = [r[0], r[1], without(r[2], "cut_amount", "remaining_amount"), r[3], without(r[4], "helper_count"), *r[5:]]
scenario(
    "stall_across_partial_reads",
    "还差¥0.30 frozen while the count rises 20 -> 26; every other capture lacks the amounts or the count",
    r,
    ("stall", "critical", "c02", "c07"),
    exact=True,
)

full = series(
    cut=[20.00, 35.00, 50.00, 62.00, 74.00, 85.00, 93.00, 100.00],
    remaining=[80.00, 65.00, 50.00, 38.00, 26.00, 15.00, 7.00, 0.00],
    helper_count=[1, 2, 3, 4, 5, 6, 7, 8],
    ends_at="2026-11-21 10:00",
)
r = [
    full[0],
    without(full[1], "remaining_amount", "cut_amount"),
    full[2],
    without(full[3], "helper_count"),
    without(full[4], "countdown_seconds", "cut_amount"),
    full[5],
    without(full[6], "cut_amount", "remaining_amount", "helper_count"),
    full[7],
]
scenario(
    "partial_reads_healthy",
    "A healthy finishing campaign where half the captures miss some figure (amounts, count, countdown)",
    r,
    exact=True,
)

# ------------------------------------------------------------ issue #9 (2): truncated, re-sorted helper lists

# Oldest first: who helped and how much. The page shows 5 rows of a longer list, sometimes newest
# first and sometimes biggest cut first (the 手气最佳 tab), so rows come and go from the middle.
pool = [("王五", 2.20), ("李四", 3.00), ("张三", 1.50), ("Lily", 0.80), ("老王", 2.60), ("阿花", 0.50)]
pool += [("赵六", 1.90), ("小红", 0.70)]


def window(n: int, pool: list[tuple[str, float]], biggest: bool) -> list[tuple[str, float]]:
    """The 5 rows shown of the first n helpers: newest first, or biggest cut first."""
    rows = sorted(pool[:n], key=lambda h: -h[1]) if biggest else list(reversed(pool[:n]))
    return rows[:5]


counts = [6, 7, 8, 8]
r = series(
    cut=[round(sum(a for _, a in pool[:n]) + 5, 2) for n in counts],
    remaining=[round(95 - sum(a for _, a in pool[:n]), 2) for n in counts],
    helper_count=counts,
    helpers=[window(n, pool, biggest) for n, biggest in zip(counts, [False, True, False, True], strict=True)],
)
scenario(
    "truncated_list_resorted",
    "5 rows of 6-8 helpers, alternately newest first and biggest cut first: rows leave the middle",
    r,
    exact=True,
)

r = series(
    cut=[40.00, 41.00, 41.50],
    remaining=[60.00, 59.00, 58.50],
    helpers=[
        [("阿花", 0.50), ("老王", 0.50), ("Lily", 1.00), ("张三", 2.00), ("李四", 3.00), ("王五", 5.00)],
        [("赵六", 1.00), ("阿花", 0.50), ("老王", 0.50)],
        [("小红", 0.50), ("赵六", 1.00), ("阿花", 0.50), ("老王", 0.50), ("Lily", 1.00), ("张三", 2.00)],
    ],
)
for reading in r:
    reading.setdefault("raw", {})["helpers"] = "查看更多"
scenario(
    "list_more_caught_mid_load",
    "A list under 查看更多 shows 6 rows, then 3 (caught mid-load), then 6 again; no count is stated",
    r,
    exact=True,
)

arr = [(NAMES[i], a) for i, a in enumerate([2.00, 1.50, 1.20, 1.00, 0.80, 0.60, 0.50, 0.40])]
r = series(
    cut=[8.00, 8.50, 8.90],
    remaining=[2.00, 1.50, 1.10],
    helper_count=[6, 7, 8],
    helpers=[rolling(arr, [6])[0], rolling(arr, [7])[0], [arr[7], arr[6], arr[4], arr[3]]],
)
scenario(
    "truncated_window_gap_kept_order",
    "A newest-first window of 5 (of 6-8 helpers): 李四's row is missing between two rows still listed",
    r,
    ("swallowed_assist", "critical", "c02", "c03"),
    exact=True,
)

# -------------------------------------------------- issue #9 (3): the finer figure decides over a rounded one

r = series(
    cut=[99.80, 99.92, 99.96, 99.97, 99.99],
    remaining=[0.20, 0.08, 0.04, 0.03, 0.01],
    helper_count=[1, 2, 3, 4, 5],
)
percent_text(r, ["99.8", "99.9", "100.0", "99.9", "100.0"])
scenario(
    "rounded_percent_flicker_healthy",
    "Two page elements give 已砍99.9%/100.0% (one rounds) while 还差 falls ¥0.08 -> ¥0.01: no drop",
    r,
    exact=True,
)

r = series(
    cut=[99.90, 99.95, 99.95, 99.95, 99.95],
    remaining=[0.10, 0.05, 0.05, 0.05, 0.05],
    helper_count=[30, 31, 33, 35, 37],
)
percent_text(r, ["99.9", "100", "100", "99.9", "100"])
scenario(
    "stall_behind_rounded_100",
    "已砍 shows 100% (rounded) while 还差¥0.05 stays for six assists: not finished, and a stall",
    r,
    ("stall", "critical", "c02", "c05"),
    exact=True,
)

rem = geometric(1.70, 0.9, 14)
r = series(cut=complement(rem, 100), remaining=rem, helper_count=list(range(1, 16)))
percent_text(r, [f"{round(100 - x):d}" for x in rem])
scenario(
    "asymptote_behind_rounded_100",
    "还差 shrinks x0.9 per assist to ¥0.39 while a rounded 已砍 shows 100%: ~35 more assists, not finished",
    r,
    ("asymptote", "warning", "c01", "c15"),
    exact=True,
)

# ------------------------------------------------------------ issue #9 (4): a new stage has its own countdown

r = series(
    cut=[400, 600, 800, 1000],
    remaining=[600, 400, 200, 0],
    helper_count=[1, 2, 3, 4],
    unit="金币",
    ends_at="2026-11-21 14:00",
) + series(
    "14:43",
    30,
    cut=[10, 20, 35, 50, 60],
    remaining=[90, 80, 65, 50, 40],
    helper_count=[1, 2, 3, 4, 5],
    unit="钻石",
    ends_at="2026-11-20 20:43",
    first=5,
)
r[8]["countdown_seconds"] -= 2 * 3600
r[8]["raw"]["countdown_seconds"] = "后结束"  # the new text is written below from the seconds
s8 = r[8]["countdown_seconds"]
r[8]["raw"]["countdown_seconds"] = f"{s8 // 3600:02d}:{s8 % 3600 // 60:02d}:{s8 % 60:02d} 后结束"
scenario(
    "stage_switch_own_countdown",
    "金币 stage (24 h countdown) done, then a 钻石 stage with a fresh 6 h countdown; its deadline later "
    "jumps 2 h earlier",
    r,
    ("deadline_change", "warning", "c08", "c09"),
    exact=True,
)

# ------------------------------------------------------------- issue #9 (5): a countdown shown in whole hours

r = series(
    "08:00",
    40,
    progress=[10.0, 25.0, 40.0, 55.0, 70.0, 85.0, 100.0],
    helper_count=list(range(1, 8)),
    ends_at="2026-11-20 16:30",
)
coarse(r)
scenario(
    "coarse_countdown_hours_healthy",
    "剩余8小时 ... 剩余3小时 every 40 min: the implied deadline jumps by up to an hour, it did not move",
    r,
    exact=True,
)

r = series(
    "08:00",
    40,
    progress=[10.0, 20.0, 30.0, 40.0, 50.0],
    helper_count=list(range(1, 6)),
    ends_at="2026-11-21 08:30",
)
for reading in r[3:]:
    reading["countdown_seconds"] -= 4 * 3600
coarse(r, mode="ceil")
scenario(
    "coarse_countdown_real_jump",
    "A countdown in whole hours (rounded up) whose deadline moves 4 h earlier: beyond the display's hour",
    r,
    ("deadline_change", "warning", "c03", "c04"),
    exact=True,
)

# ---------------------------------------------------------------- issue #9 (6): full-/half-width punctuation

width_variants = [
    RULES,
    RULES.replace("：", ":").replace("1.", "１．").replace("24", "２４"),
    RULES.replace("。", "｡").replace("\n", "\u3000\n").replace("，", ","),
    "（" + RULES.replace("2.", "２.") + "）",
]
width_variants[3] = RULES.replace("活动规则：", "活动规则 ： ")
r = series(progress=[50.0, 60.0, 70.0, 80.0], helper_count=[1, 2, 3, 4], rules=width_variants)
scenario(
    "rules_width_only_healthy",
    "The rules re-read with full-width digits/colons, half-width 。 and ideographic spaces: unchanged",
    r,
    exact=True,
)

r = series(
    progress=[50.0, 60.0, 70.0],
    helper_count=[1, 2, 3],
    rules=[RULES, RULES.replace("：", ":"), RULES_CHANGED.replace("12", "１２")],
)
scenario(
    "rule_change_despite_width_noise",
    "Width noise, then a real change 24小时 -> １２小时 (full-width digits): one rule change",
    r,
    ("rule_change", "warning", "c02", "c03"),
    exact=True,
)

# ------------------------------------------------------ issue #9 (7): the recent rate; a creeping deadline

r = series(
    "08:00",
    minutes=[0, 30, 60, 90, 120, 180, 240, 300],
    cut=[20.00, 40.00, 60.00, 75.00, 80.00, 80.00, 83.00, 83.00],
    remaining=[80.00, 60.00, 40.00, 25.00, 20.00, 20.00, 17.00, 17.00],
    helper_count=[1, 5, 9, 12, 13, 13, 14, 14],
    ends_at="18:00",
)
scenario(
    "deadline_risk_recent_slowdown",
    "80 % in the first 2 h (¥5 per assist), then one assist in 3 h; ¥17 left and 5 h to go: too slow now",
    r,
    ("deadline_risk", "warning", "c06", "c08"),
    exact=True,
)

r = series(
    "00:00",
    minutes=[0, 300, 600, 630, 660, 690, 720],
    cut=[2.00, 5.00, 10.00, 25.00, 40.00, 55.00, 70.00],
    remaining=[98.00, 95.00, 90.00, 75.00, 60.00, 45.00, 30.00],
    helper_count=[1, 2, 3, 9, 15, 21, 27],
    ends_at="15:00",
)
scenario(
    "deadline_risk_recent_speedup_healthy",
    "10 % in 10 h, then 60 % in the last 2 h with 3 h left: the average says late, the recent rate does not",
    r,
    exact=True,
)

r = series(
    "10:00",
    20,
    progress=[50.0, 55.0, 60.0, 65.0, 70.0, 75.0],
    helper_count=list(range(1, 7)),
    ends_at="2026-11-21 10:00",
)
for i, reading in enumerate(r):
    reading["countdown_seconds"] -= 90 * i
    s_ = reading["countdown_seconds"]
    reading["raw"]["countdown_seconds"] = f"{s_ // 3600:02d}:{s_ % 3600 // 60:02d}:{s_ % 60:02d} 后结束"
scenario(
    "deadline_creeps_earlier",
    "The implied deadline moves 90 s earlier at every capture (each below the 120 s tolerance): 7.5 min",
    r,
    ("deadline_change", "warning", "c01", "c03"),
    ("deadline_change", "warning", "c03", "c05"),
    exact=True,
)

# ----------------------------------------------------------------- issue #9 (8): the same campaign, any order

base = series(
    "09:00",
    minutes=[0, 15, 30, 50, 75, 110, 110, 160, 230, 300],
    cut=[40.00, 62.00, 75.00, 83.00, 88.00, 91.50, 93.20, 94.70, 95.80, 100.00],
    remaining=[60.00, 38.00, 25.00, 17.00, 12.00, 8.50, 6.80, 5.30, 4.20, 0.00],
    helper_count=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    ends_at="2026-11-21 09:00",
)
base[5]["capture_id"], base[6]["capture_id"] = "c07", "c06"  # same instant; ids against page order
order = [9, 4, 6, 0, 8, 2, 5, 7, 1, 3]
scenario(
    "slowing_bargain_shuffled_with_tie",
    "A healthy bargain slowing to a finish, posted shuffled; two captures share a taken_at, ids reversed",
    [base[i] for i in order],
    exact=True,
)

r = series(
    "14:03",
    minutes=[0, 8, 16, 24, 32, 40, 44],
    cut=[99.60, 99.90, 99.90, 99.90, 99.90, 99.90, 99.90],
    remaining=[0.40, 0.10, 0.10, 0.10, 0.10, 0.10, 0.10],
    helper_count=[14, 15, 16, 17, 18, 19, 20],
    helpers=rolling(
        [(NAMES[i], a) for i, a in enumerate([5.0] * 13 + [0.3, 0.3] + [0.02] * 5)], list(range(14, 21))
    ),
)
percent_text(r, ["99.6", "99.9", "99.9", "99.9", "99.9", "99.9", "99.9"])
scenario(
    "frozen_period_one_incident",
    "还差¥0.10 (99.9%) frozen 14:11-14:47 while five friends each listed ¥0.02 arrive: one incident",
    r,
    ("stall", "warning", "c02", "c07"),
    ("swallowed_assist", "warning", "c02", "c03"),
    ("swallowed_assist", "warning", "c03", "c04"),
    ("swallowed_assist", "warning", "c04", "c05"),
    ("swallowed_assist", "warning", "c05", "c06"),
    ("swallowed_assist", "warning", "c06", "c07"),
    exact=True,
)

assert len({s.name for s in SCENARIOS}) == len(SCENARIOS), "scenario names must be unique"
del r, base, cd, rem, arr, arrivals, counts, names, variants, extra, figures, blank, order, full, pool
del width_variants, s8
