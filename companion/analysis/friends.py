"""Friends' proofs against the initiator's page: an assist a friend proved that the page never shows.

A friend's proof (``friend_proofs``, read by ``ocr/friend.py``) says the friend helped at time T.
The initiator's captures after T then should show it. It is a ``swallowed_assist`` (docs/detection.md,
"Friends' proofs") when neither of these shows the friend, judged on the captures after T only:

- a complete helper list (as many rows as the stated helper count, no 查看更多) without the friend's
  name (compared after NFKC, masked nicknames such as 张** matching the names they can hide), and no
  row at all in any later list that could be them;
- else, the stated helper count: not above its last value at or before T.

The finding's before evidence is the friend's proof capture, its after evidence the latest initiator
capture that shows the absence. ``proof_findings`` is pure; ``campaign_proofs`` reads the rows.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import sqlite_utils

from companion.analysis.points import Point, truncated
from companion.analysis.wording import friend_proof_summary
from companion.core.timeutil import parse_rfc3339_or_none

MASK = re.compile(r"[*＊]+|…+|\.{3,}")


def campaign_proofs(db: sqlite_utils.Database, campaign_id: str) -> list[dict[str, Any]]:
    """The campaign's friends' proofs that OCR read as an assist, oldest first."""
    return db.execute_returning_dicts(
        "SELECT capture_id, given_name, name, amount, amount_raw, assisted_at, time_source "
        "FROM friend_proofs WHERE campaign_id = ? AND state = 'done' ORDER BY assisted_at, capture_id",
        [campaign_id],
    )


def _plain(name: Any) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(name or ""))).casefold()


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(".+".join(re.escape(part) for part in MASK.split(name)), re.S)


def same_person(a: Any, b: Any) -> bool:
    """Two shown names can be one person: equal after NFKC, or one masked (张**) fitting the other;
    two masked names fit when their visible ends agree."""
    x, y = _plain(a), _plain(b)
    if not x or not y:
        return False
    mx, my = bool(MASK.search(x)), bool(MASK.search(y))
    if not mx and not my:
        return x == y
    if mx and my:
        xs, ys = MASK.split(x), MASK.split(y)
        return (xs[0].startswith(ys[0]) or ys[0].startswith(xs[0])) and (
            xs[-1].endswith(ys[-1]) or ys[-1].endswith(xs[-1])
        )
    masked, plain = (x, y) if mx else (y, x)
    return _pattern(masked).fullmatch(plain) is not None


def _names(proof: dict[str, Any]) -> list[str]:
    return [n for n in (proof.get("given_name"), proof.get("name")) if _plain(n)]


def _could_be(proof: dict[str, Any], row: dict[str, Any]) -> bool:
    """A listed row that may be the friend: a name that fits, or (no name known) the same amount."""
    names = _names(proof)
    if names:
        return any(same_person(n, row.get("name")) for n in names)
    amount = proof.get("amount")
    return amount is None or row.get("amount") is None or abs(float(row["amount"]) - amount) < 0.005


def proof_findings(proofs: list[dict[str, Any]], points: list[Point]) -> list[dict[str, Any]]:
    out = []
    for proof in proofs:
        at = parse_rfc3339_or_none(proof.get("assisted_at"))
        if at is None:
            continue
        mine = [p for p in points if p.capture_id != proof["capture_id"]]
        after = [p for p in mine if p.t > at]
        lists = [p for p in after if p.helpers is not None]
        if any(_could_be(proof, row) for p in lists for row in p.helpers or []):
            continue  # the page lists someone who may be the friend
        complete = [
            p
            for p in lists
            if p.helper_count is not None and not truncated(p, p.helper_count) and _names(proof)
        ]
        counts_before = [p.helper_count for p in mine if p.t <= at and p.helper_count is not None]
        if complete:
            out.append(_finding(proof, at, complete[-1], "list", None))
        elif counts_before:
            flat = [p for p in after if p.helper_count is not None and p.helper_count <= counts_before[-1]]
            if flat and all(p.helper_count <= counts_before[-1] for p in after if p.helper_count is not None):
                out.append(_finding(proof, at, flat[-1], "count", counts_before[-1]))
    return out


def _finding(proof: dict[str, Any], at, b: Point, how: str, count_before: int | None) -> dict[str, Any]:
    name = (_names(proof) or [None])[0]
    data = {
        "stage": b.stage,
        "friend_proof": proof["capture_id"],
        "friend": name,
        "amount": proof.get("amount"),
        "amount_raw": proof.get("amount_raw"),
        "assisted_at": proof["assisted_at"],
        "time_source": proof.get("time_source"),
        "shown_by": how,
        "count_before": count_before,
        "count_after": b.helper_count,
        "listed_after": len(b.helpers) if b.helpers is not None else None,
    }
    return {
        "type": "swallowed_assist",
        "severity": "warning",
        "started_at": proof["assisted_at"],
        "ended_at": b.taken_at,
        "before_capture_id": proof["capture_id"],
        "after_capture_id": b.capture_id,
        "data": data,
        "summary_zh": friend_proof_summary(data, at, b.t),
    }
