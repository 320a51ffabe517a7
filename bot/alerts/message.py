"""What an alert says: one Reply per delivery, composed from its events.

An alert names the vendor and model; old → new per 1M in the price's own
currency and in the chat's; the percent; which prices changed; the effective
date; a free offer's end date or cap; where the model now ranks for the chat's
default question; whether it is an all-time low; and the source.

`compose` is pure over `EventFacts`; `AlertFacts` is what reads the store.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.messages import Button, Reply, ReplyKind
from storage import (
    ClaimedDelivery,
    Conversion,
    DateBasis,
    DeliveryStore,
    EventType,
    FxRate,
    Money,
    NoRateError,
    PriceEvent,
    PriceKind,
    PriceStore,
    convert,
    format_money,
    launch_prices,
    tier_label,
)


@dataclass(frozen=True, slots=True)
class RankNote:
    """Where a model ranks for a question: '#2 of 14 for "cheapest for 1M tokens"'."""

    rank: int
    total: int
    question: str
    # How the question priced it, e.g. '¥0.88 at 3:1'.
    detail: str = ""

    def text(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return f"now #{self.rank} of {self.total} for “{self.question}”{detail}"


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
    vendor: str


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


_TITLES = {
    EventType.CUT: "Price cut",
    EventType.FREE: "Now free",
    EventType.INCREASE: "Price increase",
    EventType.PAID_AGAIN: "No longer free",
    EventType.NEW_MODEL: "New model",
    EventType.FREE_ENDING: "Free offer ending",
}


def _kind_label(event: PriceEvent) -> str:
    kind = event.kind.value.replace("_", " ") if event.kind else "price"
    tier = tier_label(event.tier)
    return f"{kind} ({tier})" if tier else kind


def _money(money: Money | None) -> str:
    if money is None:
        return "unknown"
    return "free" if money.is_zero else format_money(money)


def _per_1m(money: Money | None) -> str:
    """'¥0.50 per 1M', or 'free' (a zero needs no unit)."""
    text = _money(money)
    return text if text in ("free", "unknown") else f"{text} per 1M"


def _change_line(facts: EventFacts) -> str:
    """'input: ¥20.00 → ¥0.50 per 1M (−97.5%) · $2.78 → $0.07'."""
    event = facts.event
    if event.type is EventType.NEW_MODEL:
        line = "new model"
        if facts.launch:
            line += ", " + launch_prices({kind: money for kind, money, _ in facts.launch})
            converted = [c for _, _, c in facts.launch if c is not None and c.converted]
            if len(converted) == len(facts.launch):
                line += " · " + ", ".join(_money(c.money) for c in converted)
        elif event.new is not None:
            line += f", input {_per_1m(event.new)}"
            if facts.new_in_chat is not None and facts.new_in_chat.converted:
                line += f" · {_money(facts.new_in_chat.money)}"
        return line
    if event.type is EventType.FREE_ENDING:
        return "free offer ends" + (
            f" {event.free_until.date().isoformat()}" if event.free_until else " soon"
        )
    if event.old is None and event.new is None:
        return "free offer started" if event.type is EventType.FREE else "free offer ended"
    line = f"{_kind_label(event)}: {_money(event.old)} → {_per_1m(event.new)}"
    if event.percent is not None and event.type in (EventType.CUT, EventType.INCREASE):
        sign = "−" if event.type is EventType.CUT else "+"
        line += f" ({sign}{event.percent}%)"
    if facts.new_in_chat is not None and facts.new_in_chat.converted:
        old = facts.old_in_chat.money if facts.old_in_chat else None
        line += f" · {_money(old)} → {_money(facts.new_in_chat.money)}"
    return line


def when_changed(event: PriceEvent) -> str:
    """'effective 2025-06-10', or for a change its feed does not date,
    'changed between 2026-11-20 and 2026-12-01 (the feed gives no date)'."""
    day = event.effective_at.date().isoformat()
    if event.date_basis is not DateBasis.OBSERVED:
        return f"effective {day}"
    if event.not_before is not None and event.not_before.date() < event.effective_at.date():
        return (
            f"changed between {event.not_before.date().isoformat()} and {day} "
            "(the feed gives no date)"
        )
    return f"seen {day} (the feed gives no date)"


def _model_lines(group: Sequence[EventFacts]) -> list[str]:
    first = group[0]
    lines = [_change_line(f) for f in group]
    event = first.event
    stated = sorted(
        {
            f.event.effective_at.date().isoformat()
            for f in group
            if f.event.date_basis is not DateBasis.OBSERVED
        }
    )
    if stated:
        lines.append("effective " + ", ".join(stated))
    lines.extend(
        dict.fromkeys(
            when_changed(f.event) for f in group if f.event.date_basis is DateBasis.OBSERVED
        )
    )
    ends = {f.event.free_until for f in group if f.event.free_until}
    caps = {f.event.cap_note for f in group if f.event.cap_note}
    for end in sorted(ends):
        lines.append(f"free until {end.date().isoformat()}")
    for cap in sorted(caps):
        lines.append(f"limits: {cap}")
    lows = [_kind_label(f.event) for f in group if f.all_time_low]
    if lows:
        lines.append("all-time low: " + ", ".join(lows))
    if first.rank is not None:
        lines.append(first.rank.text())
    cited = sorted({f.citation for f in group if f.citation})
    source = "; ".join(cited) if cited else event.source
    lines.append(f"source: {source}")
    return lines


def _title(groups: dict[str, list[EventFacts]], digest: bool) -> str:
    if digest:
        # One bullet per model: the title counts what the reader sees, not price points.
        count = len(groups)
        return f"Daily digest: {count} model{'s' if count != 1 else ''} changed"
    if len(groups) == 1:
        (group,) = groups.values()
        types = {f.event.type for f in group}
        label = _TITLES[group[0].event.type] if len(types) == 1 else "Price change"
        model = group[0].model
        return f"{label}: {model.name} ({model.vendor})"
    return f"Price alerts: {len(groups)} models"


def compose(delivery: ClaimedDelivery, facts: dict[int, EventFacts]) -> Reply:
    """The one message a delivery sends: its events grouped by model, in event order."""
    groups: dict[str, list[EventFacts]] = defaultdict(list)
    seen: set[int] = set()
    extra: list[str] = []
    for item in delivery.items:
        fact = facts.get(item.event_id)
        if fact is None:
            continue
        if item.event_id not in seen and item.reason == "change":
            seen.add(item.event_id)
            groups[fact.model.model_id].append(fact)
        if item.reason == "target" and item.detail:
            extra.append(f"🎯 Your target price is met: {item.detail}")
        if item.reason == "question" and item.detail:
            extra.append(_question_note(item.detail, item.previous))
    if not groups and extra:
        title = "Target price met" if extra[0].startswith("🎯") else "Answer changed"
        lines = list(extra)
    else:
        title = _title(groups, delivery.kind == "digest")
        lines = []
        # A digest names its models even when there is one; so does any multi-model alert.
        many = len(groups) > 1 or delivery.kind == "digest"
        for group in groups.values():
            model = group[0].model
            body = _model_lines(group)
            if many:
                lines.append(f"• {model.name} ({model.vendor})")
                lines.extend(f"  {line}" for line in body)
            else:
                lines.extend(body)
        lines.extend(extra)
    footnotes = sorted(
        {
            c.note()
            for fs in groups.values()
            for f in fs
            for c in (f.old_in_chat, f.new_in_chat)
            if c is not None and c.converted
        }
    )
    events = [f for fs in groups.values() for f in fs]
    return Reply(
        title=title,
        kind=ReplyKind.ALERT,
        lines=tuple(lines),
        footnotes=tuple(f"converted {note}" for note in footnotes),
        buttons=(Button("Mute 1 day", "/mute 1d"), Button("Subscriptions", "/subscriptions")),
        data={"delivery": delivery.id, "events": [_event_data(f) for f in events]},
    )


def _event_data(facts: EventFacts) -> dict[str, object]:
    """An event as plain values, for the JSON renderer."""
    event = facts.event
    priced = event.new or event.old
    return {
        "id": event.id,
        "type": event.type.value,
        "model": facts.model.model_id,
        "kind": event.kind.value if event.kind else None,
        "old": str(event.old.amount) if event.old else None,
        "new": str(event.new.amount) if event.new else None,
        "currency": priced.currency if priced else None,
        "percent": str(event.percent) if event.percent is not None else None,
        "effective": event.effective_at.date().isoformat(),
        "date_basis": event.date_basis.value,
        "not_before": event.not_before.date().isoformat() if event.not_before else None,
        "all_time_low": facts.all_time_low,
    }


def _question_note(detail: str, previous: str | None) -> str:
    """A saved question's new answer (detail is JSON: question and summary lines)."""
    try:
        data = json.loads(detail)
    except ValueError:
        return f"❓ Answer changed: {detail}"
    question = data.get("question", "your saved question")
    summary = "; ".join(data.get("lines", []))
    return f"❓ The answer to “{question}” changed: {summary}"


def thread_key(delivery: ClaimedDelivery, facts: dict[int, EventFacts]) -> str | None:
    """Slack threads follow-ups about one model under its first message."""
    models = {facts[i.event_id].model.model_id for i in delivery.items if i.event_id in facts}
    return next(iter(models)) if len(models) == 1 else None


class AlertFacts:
    """Reads what alerts need from the store, once per batch of deliveries."""

    def __init__(self, store: PriceStore, outbox: DeliveryStore, ranker: Ranker | None) -> None:
        self.store = store
        self.outbox = outbox
        self.ranker = ranker

    def load(
        self, deliveries: Iterable[ClaimedDelivery], *, now: datetime
    ) -> dict[int, dict[int, EventFacts]]:
        """delivery id → event id → facts, converted into each delivery's chat currency."""
        deliveries = list(deliveries)
        events = self.outbox.events(i.event_id for d in deliveries for i in d.items)
        if not events:
            return {}
        names = {
            m.model_id: ModelName(m.model_id, m.display_name, m.vendor) for m in self.store.models()
        }
        vendors = self.store.vendors()
        rates = self.store.rates()
        citations = self.outbox.citations(events.values())
        lows = self._all_time_lows(events.values())
        launches = {
            event.id or 0: self.store.prices_at(event.model_id, event.effective_at)
            for event in events.values()
            if event.type is EventType.NEW_MODEL
        }
        ranks: dict[tuple[str, str | None, str, tuple[int, int]], RankNote | None] = {}
        result: dict[int, dict[int, EventFacts]] = defaultdict(dict)
        for delivery in deliveries:
            chat = delivery.chat
            mix = (chat.mix_input, chat.mix_output)
            for item in delivery.items:
                event = events.get(item.event_id)
                if event is None:
                    continue
                model = names.get(event.model_id)
                if model is None:
                    model = ModelName(event.model_id, event.model_id, event.model_id.split("/")[0])
                model = ModelName(
                    model.model_id, model.name, vendors.get(model.vendor, model.vendor)
                )
                key = (event.model_id, chat.default_question, chat.currency, mix)
                if key not in ranks:
                    ranks[key] = self._rank(
                        event.model_id, chat.default_question, chat.currency, mix, now
                    )
                result[delivery.id][event.id or 0] = EventFacts(
                    event=event,
                    model=model,
                    old_in_chat=_convert(event.old, chat.currency, rates, event),
                    new_in_chat=_convert(event.new, chat.currency, rates, event),
                    all_time_low=lows.get(event.id or 0, False),
                    citation=citations.get(event.id or 0),
                    rank=ranks[key],
                    launch=tuple(
                        (kind, money, _convert(money, chat.currency, rates, event))
                        for kind, money in launches.get(event.id or 0, {}).items()
                    ),
                )
        return result

    def _rank(
        self,
        model_id: str,
        question: str | None,
        currency: str,
        mix: tuple[int, int],
        now: datetime,
    ) -> RankNote | None:
        if self.ranker is None:
            return None
        try:
            return self.ranker.rank_of(
                model_id, question=question, currency=currency, mix=mix, as_of=now
            )
        except (
            Exception
        ):  # a rank is a nicety: an alert goes out without one rather than not at all
            return None

    def _all_time_lows(self, events: Iterable[PriceEvent]) -> dict[int, bool]:
        """Is the new price lower than any this model's price of that kind ever was before?"""
        result: dict[int, bool] = {}
        histories = {}
        for event in events:
            if event.type is not EventType.CUT or event.new is None or event.kind is None:
                continue
            if event.model_id not in histories:
                histories[event.model_id] = self.store.history(event.model_id)
            earlier = [
                p.amount.amount
                for p in histories[event.model_id]
                if p.kind == event.kind
                and p.tier == event.tier
                and p.amount.currency == event.new.currency
                and p.effective_at < event.effective_at
            ]
            result[event.id or 0] = bool(earlier) and event.new.amount < min(earlier)
        return result


def _convert(
    money: Money | None, currency: str, rates: list[FxRate], event: PriceEvent
) -> Conversion | None:
    if money is None:
        return None
    try:
        return convert(money, currency, rates, event.effective_at.date())
    except NoRateError:
        return None
