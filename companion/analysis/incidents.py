"""One incident, one finding: the findings of one anomalous period grouped, with one sentence for it.

A frozen period yields a stall and, for each pair of captures, a swallowed_assist repeating the same
figures; a complaint should cite the period once. ``group(findings)`` is pure (no Flask, no SQLite),
depends only on the findings (never on their order), and gives each incident a stable id: the same
evidence gives the same id whatever order the captures arrived in (docs/detection.md, "Incidents").
"""

from __future__ import annotations

import functools
import hashlib
from datetime import datetime, timezone
from typing import Any

from companion.analysis.wording import fmt_money, fmt_span
from companion.core.timeutil import parse_rfc3339_or_none
from companion.core.vocab import FINDING_TYPES, severity_rank

# Claims about what the display did during a period: overlapping or touching ones are one incident.
PERIOD_TYPES = ("regression", "swallowed_assist", "stall")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@functools.lru_cache(maxsize=4096)
def _parsed(value: str) -> datetime:
    return parse_rfc3339_or_none(value) or _EPOCH


def _time(value: Any) -> datetime:
    """A finding's time. Grouping runs on every capture over all of the campaign's findings and
    reads each time several times: a pure parse, memoised (datetimes are immutable)."""
    return _parsed(value) if isinstance(value, str) else _EPOCH


def _start(f: dict[str, Any]) -> datetime:
    return _time(f.get("started_at") or f.get("ended_at"))


def _end(f: dict[str, Any]) -> datetime:
    return _time(f.get("ended_at") or f.get("started_at"))


def _type_rank(kind: Any) -> int:
    return FINDING_TYPES.index(kind) if kind in FINDING_TYPES else len(FINDING_TYPES)


def _stage(f: dict[str, Any]) -> str:
    data = f.get("data") if isinstance(f.get("data"), dict) else {}
    return str(data.get("stage") or "")


def _order(f: dict[str, Any]) -> tuple:
    """A total order on findings that does not depend on the list they came in."""
    return (
        _start(f),
        _type_rank(f.get("type")),
        _end(f),
        str(f.get("before_capture_id")),
        str(f.get("after_capture_id")),
        str(f.get("summary_zh")),
    )


def _periods(findings: list[dict[str, Any]], keys: list[tuple]) -> list[list[int]]:
    """Indexes of period findings of one stage whose [started_at, ended_at] overlap or touch, chained."""
    by_stage: dict[str, list[int]] = {}
    for i, f in enumerate(findings):
        if f.get("type") in PERIOD_TYPES:
            by_stage.setdefault(_stage(f), []).append(i)
    groups: list[list[int]] = []
    for members in by_stage.values():
        members.sort(key=keys.__getitem__)
        end = None
        for i in members:
            if end is not None and keys[i][0] <= end:
                groups[-1].append(i)
                end = max(end, keys[i][2])
            else:
                groups.append([i])
                end = keys[i][2]
    return groups


def _incident_id(first: dict[str, Any], family: str) -> str:
    """A short hash of what starts the incident. A deadline risk is re-measured over the recent window
    at every capture, so its id names only its stage: one risk per stage, one id."""
    anchor = "" if family == "deadline_risk" else str(first.get("before_capture_id"))
    return hashlib.sha256(f"{family}|{_stage(first)}|{anchor}".encode()).hexdigest()[:12]


class Findings(list):
    """A campaign's findings with the incidents ``group`` made of this very list: the capture's
    answer carries both, and grouping them a second time cost as much as the analysis step (#13)."""

    incidents: list[dict[str, Any]] | None = None
    # The analysed readings (by rowid) these findings were computed from, when the analysis cache
    # knows it: a stored capture answer may keep this instead of the findings (m015).
    upto: int | None = None


def incidents_of(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``group(findings)``, or the grouping a ``Findings`` list carries already (the same result)."""
    known = getattr(findings, "incidents", None)
    return known if known is not None else group(findings)


class IncidentMemo:
    """What the last grouping of one analyzer computed, for the next one to reuse (#13).

    A campaign's settled findings never change once found (``Analyzer``), yet every capture's answer
    grouped all of them again: in a campaign with hundreds of findings that was most of the POST
    (docs/performance.md). An incident made of the very same finding dicts as last time is the same
    incident but for its indexes. Entries are keyed on those dicts' identities and hold the dicts
    themselves, so no other dict can take an id while its entry lives; each grouping keeps only what
    it used (the memo never grows past one grouping). Not for sharing between threads: an analyzer
    is used under its campaign's lock (``analysis/cache.py``)."""

    def __init__(self) -> None:
        self.facts: dict[int, tuple[dict[str, Any], tuple, str]] = {}
        self.incidents: dict[tuple, tuple[tuple[dict[str, Any], ...], dict[str, Any]]] = {}


def group(
    findings: list[dict[str, Any]],
    sources: list[dict[str, Any] | None] | None = None,
    memo: IncidentMemo | None = None,
) -> list[dict[str, Any]]:
    """Incidents of a campaign's findings, worst first, then in time order (see docs/detection.md).

    ``findings`` in each incident are indexes into the list given. ``sources`` (with ``memo``): for
    each finding, the unchanging dict it is a copy of, or None when it is new at this grouping; the
    incidents made only of such findings come from ``memo`` when they are made of the same ones."""
    if memo is None or sources is None:
        sources = [None] * len(findings)
    known: dict[int, tuple[dict[str, Any], tuple, str]] = {}
    facts = [_facts_of(f, src, memo, known) for f, src in zip(findings, sources, strict=True)]
    keys = [fact[0] for fact in facts]
    grouped = _periods(findings, keys)
    grouped += [[i] for i, f in enumerate(findings) if f.get("type") not in PERIOD_TYPES]
    out, used, kept = [], set(), {}
    for members in grouped:
        members.sort(key=keys.__getitem__)
        incident_id = facts[members[0]][1]
        while incident_id in used:  # never expected; keeps ids unique whatever the input
            incident_id = hashlib.sha256(incident_id.encode()).hexdigest()[:12]
        used.add(incident_id)
        made = [sources[i] for i in members]
        if memo is None or any(src is None for src in made):
            out.append(_incident(incident_id, [findings[i] for i in members], members))
            continue
        ident = (incident_id, *map(id, made))
        hit = memo.incidents.get(ident)
        if hit is None:  # (the entry holds its dicts: while it lives, their ids are theirs alone)
            hit = (tuple(made), _incident(incident_id, [findings[i] for i in members], members))
        kept[ident] = hit
        out.append({**hit[1], "findings": sorted(members)})
    if memo is not None:
        memo.facts, memo.incidents = known, kept
    out.sort(key=lambda x: (severity_rank(x["severity"]), _time(x["started_at"]), x["incident_id"]))
    return out


def _facts_of(f: dict[str, Any], src: dict[str, Any] | None, memo: IncidentMemo | None, known: dict) -> tuple:
    """(its ``_order``, the id of an incident it would start): from the memo when ``f`` is a copy of
    the same unchanging dict as last time."""
    if src is None or memo is None:
        return _order(f), _first_id(f)
    hit = memo.facts.get(id(src))
    if hit is None:
        hit = (src, _order(f), _first_id(f))
    known[id(src)] = hit
    return hit[1:]


def _first_id(first: dict[str, Any]) -> str:
    family = "period" if first.get("type") in PERIOD_TYPES else str(first.get("type"))
    return _incident_id(first, family)


def _incident(incident_id: str, members: list[dict[str, Any]], indexes: list[int]) -> dict[str, Any]:
    """``members`` in ``_order``."""
    first = members[0]
    last = max(members, key=lambda f: (_end(f), _type_rank(f.get("type")), str(f.get("after_capture_id"))))
    types = sorted({f["type"] for f in members}, key=_type_rank)
    return {
        "incident_id": incident_id,
        "severity": min((f["severity"] for f in members), key=severity_rank),
        "types": types,
        "stage": _stage(first),
        "started_at": first.get("started_at") or first.get("ended_at"),
        "ended_at": last.get("ended_at") or last.get("started_at"),
        "before_capture_id": first.get("before_capture_id"),
        "after_capture_id": last.get("after_capture_id"),
        "finding_count": len(members),
        "summary_zh": members[0]["summary_zh"] if len(members) == 1 else _summary(members, first, last),
        "assists": _assists(members),
        "findings": sorted(indexes),
    }


def _assists(members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The helpers listed as arriving inside the period, once each (name, amount, time as shown)."""
    out, seen = [], set()
    for f in members:
        data = f.get("data") if isinstance(f.get("data"), dict) else {}
        for h in data.get("new_helpers") or []:
            if not isinstance(h, dict) or not isinstance(h.get("name"), str):
                continue
            entry = {"name": h["name"], "amount": h.get("amount"), "at": h.get("at")}
            key = (entry["name"], entry["amount"], entry["at"])
            if key not in seen:
                seen.add(key)
                out.append(entry)
    return out


def _data(f: dict[str, Any]) -> dict[str, Any]:
    return f["data"] if isinstance(f.get("data"), dict) else {}


def _span(f: dict[str, Any]) -> str:
    return fmt_span(_start(f), _end(f))


def _summary(members: list[dict[str, Any]], first: dict[str, Any], last: dict[str, Any]) -> str:
    """One factual sentence: the period, the assists, the display, then what else happened in it."""
    start, end = _start(first), _end(last)
    counts: dict[Any, Any] = {}
    for f in members:
        counts.setdefault(f.get("before_capture_id"), _data(f).get("helpers_before"))
        counts.setdefault(f.get("after_capture_id"), _data(f).get("helpers_after"))
    n0, n1 = counts.get(first.get("before_capture_id")), counts.get(last.get("after_capture_id"))
    stalled = sum(_data(f).get("assists") or 0 for f in members if f["type"] == "stall")
    assists = _assists(members)
    if isinstance(n0, int) and isinstance(n1, int) and n1 > n0:
        lead = f"新增 {n1 - n0} 位好友助力"
    elif stalled:
        lead = f"至少新增 {stalled} 位好友助力"
    elif assists:
        lead = f"助力列表新增 {len(assists)} 位好友"
    else:
        lead = ""
    clauses = []
    d0, d1 = _data(first).get("display_before"), _data(last).get("display_after")
    if d0 and d0 == d1 and not any(f["type"] == "regression" for f in members):
        clauses.append(f"页面显示的砍价进度始终为 {d0}")
    elif d0 and d1:
        clauses.append(f"页面显示的砍价进度由 {d0} 变为 {d1}")
    ordered = members
    for f in ordered:
        clauses += _clause(f)
    unmoved = [
        h for f in ordered if f["type"] == "swallowed_assist" for h in _data(f).get("new_helpers") or []
    ]
    if unmoved:
        unit = _stage(first)
        listed = "、".join(f"{h.get('name')} {fmt_money(h.get('amount') or 0, unit)}" for h in unmoved[:8])
        more = "等" if len(unmoved) > 8 else ""
        total = fmt_money(round(sum(h.get("amount") or 0 for h in unmoved), 2), unit)
        clauses.append(f"其中助力列表新增的 {len(unmoved)} 位好友（{listed}{more}）合计 {total}")
        clauses.append("没有反映在页面显示的金额中")
    text = f"{fmt_span(start, end)} 期间"
    if lead:
        text += lead + ("，" if clauses else "")
    elif clauses:
        text += "，"
    return text + "，".join(clauses) + "。"


def _clause(f: dict[str, Any]) -> list[str]:
    data, kind = _data(f), f["type"]
    if kind == "regression":
        before, after = data.get("display_before"), data.get("display_after")
        return [f"其中 {_span(f)} 页面显示的砍价进度从 {before} 倒退为 {after}"]
    if kind != "swallowed_assist":
        return []
    unit = str(data.get("stage") or "")
    if data.get("friend_proof"):
        who = f"好友 {data['friend']}" if data.get("friend") else "一位好友"
        return [
            f"其中{who}截图证明已助力（{data.get('amount_raw') or '助力成功'}），页面始终没有显示这次助力"
        ]
    if "helper_count_before" in data:
        return [
            f"其中 {_span(f)} 页面显示的助力好友人数从 {data['helper_count_before']} 人"
            f"减少到 {data['helper_count_after']} 人"
        ]
    if data.get("vanished"):
        names = "、".join(str(h.get("name")) for h in data["vanished"][:5])
        return [f"其中 {_span(f)} 好友 {names} 的助力记录从助力列表中消失"]
    if "listed_helpers" in data:
        return [
            f"{_span(f)} 助力列表中好友的砍价金额合计 {fmt_money(data['listed_sum'], unit)}，"
            f"多于页面显示的已砍 {fmt_money(data.get('cut_amount') or 0, unit)}"
        ]
    return []
