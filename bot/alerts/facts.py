"""What an alert is about, as plain values: the event, the model, conversions, the rank.

`bot.alerts.message` reads these from the store; `bot.alerts.wording` says them in the
chat's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from storage import Conversion, Money, PriceEvent, PriceKind


@dataclass(frozen=True, slots=True)
class RankNote:
    """Where a model ranks for a question: '#2 of 14 for "cheapest for 1M tokens"'."""

    rank: int
    total: int
    # The chat's default question as it saved it; None: pricebot's own default
    # ("cheapest for 1M tokens"), said in the chat's language.
    question: str | None
    # How the question priced it, e.g. '¥0.88' at '3:1'; empty when it has no cost.
    cost: str = ""
    mix: str = ""


class Ranker(Protocol):
    """Where a model ranks for the chat's default question (the answers engine provides it)."""

    def rank_of(
        self,
        model_id: str,
        *,
        question: str | None,
        currency: str,
        mix: tuple[int, int],
        as_of: datetime,
    ) -> RankNote | None: ...


@dataclass(frozen=True, slots=True)
class ModelName:
    model_id: str
    name: str
    # The vendor's display name in the store ('Alibaba Cloud') and its id ('alibaba'),
    # which gives its Chinese name (阿里云).
    vendor: str
    vendor_id: str = ""


@dataclass(frozen=True, slots=True)
class EventFacts:
    """An event with everything an alert says about it."""

    event: PriceEvent
    model: ModelName
    old_in_chat: Conversion | None = None
    new_in_chat: Conversion | None = None
    all_time_low: bool = False
    citation: str | None = None
    rank: RankNote | None = None
    # A new model's base prices when it appeared (input, output, cached input), each
    # with its value in the chat's currency when that differs.
    launch: tuple[tuple[PriceKind, Money, Conversion | None], ...] = ()
