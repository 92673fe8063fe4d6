"""Which records a trusted timestamp covers, re-derived from the records themselves (pure).

A checkpoint says how many records the whole archive had (``global_count``); a campaign's records
carry their place in the archive (``seq``), so the checkpoint must hold the leaf of exactly the
campaign records with ``seq`` <= ``global_count``. If it does, those records existed, as they are
now, no later than the token's time; if it doesn't, one of them was edited, removed or re-ordered
after that time (docs/evidence.md, "Trusted timestamps").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509

from companion.evidence import tsa
from companion.evidence.chain import parse_checkpoint, prefix_leaves


@dataclass(frozen=True)
class Stamp:
    """One checkpoint with the outcome of checking each of its tokens."""

    label: str  # a file name or "检查点 #id"
    body: bytes
    checks: list[tuple[str, tsa.TokenCheck]]  # (token label, check)

    @property
    def valid(self) -> list[tsa.TokenCheck]:
        return [c for _, c in self.checks if c.ok]

    @property
    def time(self) -> str | None:
        return min((c.gen_time for c in self.valid if c.gen_time), default=None)


@dataclass
class Coverage:
    trusted: dict[str, tuple[str, str]] = field(default_factory=dict)  # record id -> (time, by whom)
    problems: list[str] = field(default_factory=list)


def check_stamp(
    label: str,
    body: bytes,
    tokens: Sequence[tuple[str, bytes]],
    roots: Sequence[x509.Certificate],
    intermediates: Sequence[x509.Certificate] = (),
) -> Stamp:
    return Stamp(
        label, body, [(name, tsa.check_token(resp, body, roots, intermediates)) for name, resp in tokens]
    )


def cover(campaign_id: str, records: Sequence[dict[str, Any]], stamps: Sequence[Stamp]) -> Coverage:
    """Each record's earliest trusted time, and every checkpoint the records no longer match."""
    out = Coverage()
    leaves = dict(prefix_leaves(campaign_id, (r.get("record_hash") or "" for r in records)))
    seqs = [r.get("seq") if isinstance(r.get("seq"), int) else 0 for r in records]
    best: dict[int, tuple[str, str]] = {}
    for stamp in stamps:
        when = stamp.time
        if when is None:
            continue
        body = parse_checkpoint(stamp.body)
        if body is None or not isinstance(body.get("global_count"), int):
            out.problems.append(f"时间戳检查点 {stamp.label} 的内容不是有效的检查点（已被改动）。")
            continue
        k = sum(1 for s in seqs if s <= body["global_count"])
        if k == 0:
            continue
        if leaves.get(k) not in set(body["leaves"]):
            out.problems.append(
                f"可信时间 {when} 的时间戳（{stamp.label}）证明当时本活动的前 {k} 条记录另有内容："
                f"其中有记录在此之后被改动、删除、插入或调换了顺序（即使重新计算了哈希也会被发现）。"
            )
            continue
        who = "；".join(sorted({c.tsa_name or "?" for c in stamp.valid}))
        if k not in best or when < best[k][0]:
            best[k] = (when, who)
    earliest: tuple[str, str] | None = None
    for k in range(len(records), 0, -1):  # a checkpoint over the first k records covers each of them
        if k in best and (earliest is None or best[k][0] < earliest[0]):
            earliest = best[k]
        if earliest is not None:
            out.trusted[str(records[k - 1].get("id"))] = earliest
    return out


def roots_and_intermediates(pem: bytes) -> tuple[list[x509.Certificate], list[x509.Certificate]]:
    certs = tsa.load_certificates(pem)
    return [c for c in certs if tsa.is_self_signed(c)], [c for c in certs if not tsa.is_self_signed(c)]
