"""Follow-up of filed complaints: due dates in working days and when to escalate.

Each channel's answer window and next channel are in its module under ``channels/``.

Working days skip Saturdays and Sundays. China's public holidays and the weekend days worked in
exchange (调休) are announced each year; they are not built in (this build cannot verify the
official calendar) but can be listed in ``<data dir>/config.json`` as ``holidays`` and
``extra_workdays`` (ISO dates), and are then honoured.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from companion.complaints.channels import channel


@dataclass(frozen=True)
class Calendar:
    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()

    @classmethod
    def from_lists(cls, holidays: Iterable[str] = (), extra_workdays: Iterable[str] = ()) -> Calendar:
        return cls(
            frozenset(map(date.fromisoformat, holidays)), frozenset(map(date.fromisoformat, extra_workdays))
        )

    def is_workday(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_workdays(self, start: date, days: int) -> date:
        """The day on which ``days`` full working days after ``start`` have passed (start not counted)."""
        day = start
        left = days
        while left > 0:
            day += timedelta(days=1)
            if self.is_workday(day):
                left -= 1
        return day


def due_dates(key: str, sent_on: date, calendar: Calendar) -> tuple[date, date]:
    first, last = channel(key).answer_window
    return calendar.add_workdays(sent_on, first), calendar.add_workdays(sent_on, last)


def status(key: str, sent_on: date, answered_on: date | None, today: date, calendar: Calendar) -> dict:
    """What the dashboard says about one filed complaint."""
    expect_from, due_by = due_dates(key, sent_on, calendar)
    nxt = channel(key).next_channel
    if answered_on:
        state, advice = "answered", "已答复。如对答复不满意，可升级投诉。"
    elif today > due_by:
        state = "overdue"
        advice = (
            f"已超过答复期限（{due_by.isoformat()}）未答复，建议升级投诉"
            + (f"：{channel(nxt).short_name}" if nxt else "：调解或诉讼")
            + "。"
        )
    elif today >= expect_from:
        state, advice = "due", f"已到通常答复时间，可催办；最晚应于 {due_by.isoformat()} 前答复。"
    else:
        state, advice = "waiting", f"等待答复，通常 {expect_from.isoformat()} 起可催办。"
    return {
        "state": state,
        "expect_from": expect_from.isoformat(),
        "due_by": due_by.isoformat(),
        "next_channel": nxt,
        "advice_zh": advice,
    }
