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

    @property
    def complaint_name(self) -> str:
        """How a sentence names a complaint to this channel: "去写{complaint_name}" reads
        去写全国12315平台投诉, and 黑猫投诉 stays 黑猫投诉 (its name already ends in 投诉: never twice)."""
        return complaint_name(self.name)


def complaint_name(name: str) -> str:
    return name if name.endswith("投诉") else f"{name}投诉"
