"""What a complaint channel is: its names, its answer window, where to escalate, and its fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Channel:
    key: str  # the contract value (docs/api.md), one of core.vocab.CHANNELS
    name: str  # the full Chinese name, as drafts and pages title it
    short_name: str  # as the follow-up advice names it
    # (earliest expected answer, answer due) in working days after the complaint was sent
    answer_window: tuple[int, int]
    next_channel: str | None  # where to escalate when unanswered; None: mediation or court
    fields: Callable[..., list[dict[str, Any]]]  # (CaseFacts, demands) -> fields in form order
