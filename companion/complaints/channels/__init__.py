"""The complaint channels, one module each, listed once in escalation order (core.vocab.CHANNELS).

A new channel is a module with a ``CHANNEL`` and a line here (and its key in the vocabulary and in
shared/schema.json); docs/complaints.md says what each channel's draft holds and why.
"""

from __future__ import annotations

from companion.complaints.channels import email, gov_12315, heimao, pdd_chat, pdd_hotline, social_dm
from companion.complaints.channels.base import Channel
from companion.core.vocab import CHANNELS

REGISTRY: dict[str, Channel] = {
    m.CHANNEL.key: m.CHANNEL for m in (pdd_chat, pdd_hotline, email, gov_12315, heimao, social_dm)
}
assert tuple(REGISTRY) == CHANNELS, "channel modules and core.vocab.CHANNELS disagree"
CHANNEL_NAMES = {key: ch.name for key, ch in REGISTRY.items()}
COMPLAINT_NAMES = {key: ch.complaint_name for key, ch in REGISTRY.items()}


def channel(key: str) -> Channel:
    return REGISTRY[key]


__all__ = ["CHANNELS", "CHANNEL_NAMES", "COMPLAINT_NAMES", "REGISTRY", "Channel", "channel"]
