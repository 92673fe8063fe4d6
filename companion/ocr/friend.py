"""A friend's proof read from OCR boxes: the friend's own 助力成功 page, not the initiator's.

The page a friend sees after helping says what they did (已帮好友砍掉0.03元, 帮好友砍了0.03元, or just
助力成功), sometimes their own nickname (昵称：小红) and sometimes the time (2026-11-20 14:03). From
the boxes (normalised as ``layout.normalise``; decoy boxes dropped as ``layout`` does) this module
takes:

- ``amount`` and ``amount_raw``: the first box stating the cut, the text kept as shown;
- ``success``: the page says 助力成功 / 砍价成功 / 帮砍成功;
- ``name``: the text after a nickname label, if shown;
- ``assisted_at``: a full date and time shown on the page (a bare clock such as the status bar's is
  not a date: then the capture's own time is the assist's time, ``time_source`` ``capture``).

No guess: a box read with low confidence is not used. Pure: no engine, no Flask.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Any

from companion.ocr.layout import MIN_SCORE, NUM, Box

AMOUNT = re.compile(r"(?:已|成功)?帮(?:好友|TA|他|她|Ta|ta)?砍(?:掉|了|下)(¥)?" + NUM + r"(元)?")
SUCCESS = re.compile(r"助力成功|砍价成功|帮砍成功|已成功帮")
NAME = re.compile(r"^(?:我的昵称|昵称|我是)[:]?(.{1,24})$")
WHEN = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(\d{1,2}):(\d{2})(?::(\d{2}))?")


def read_friend_proof(boxes: Iterable[Box], zone: tzinfo) -> dict[str, Any]:
    """``{success, amount, amount_raw, name, assisted_at}`` (absent keys were not shown or not sure);
    ``zone`` is the capture's own zone, for a time the page shows without one."""
    out: dict[str, Any] = {}
    for box in sorted(boxes, key=lambda b: (b.y0, b.x0)):
        if box.score < MIN_SCORE:
            continue
        text = box.norm
        m = AMOUNT.search(text)
        if m and "amount" not in out:
            out["amount"], out["amount_raw"] = float(m[2]), box.text.strip()
        if SUCCESS.search(text) or m:
            out["success"] = True
        named = NAME.match(text)
        if named and "name" not in out:
            out["name"] = named[1]
        at = WHEN.search(text)
        if at and "assisted_at" not in out:
            when = _when(at, zone)
            if when is not None:
                out["assisted_at"] = when
    return out


def _when(m: re.Match[str], zone: tzinfo) -> datetime | None:
    try:
        return datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6] or 0), tzinfo=zone)
    except ValueError:
        return None
