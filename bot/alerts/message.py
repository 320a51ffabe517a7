"""What an alert says: one Reply per delivery, composed from its events.

An alert names the vendor and model; old → new per 1M in the price's own
currency and in the chat's; the percent; which prices changed; the effective
date; a free offer's end date or cap; where the model now ranks for the chat's
default question; whether it is an all-time low; and the source.

`compose` is pure over `EventFacts` (`bot.alerts.facts`) and says them in the chat's
language (`bot.alerts.wording`); `AlertFacts` is what reads the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from bot.alerts import wording
from bot.alerts.facts import EventFacts, ModelName, Ranker, RankNote
from bot.alerts.targets import target_text
from bot.alerts.wording import when_changed
from bot.messages import Reply, ReplyKind
from storage import (
    ClaimedDelivery,
    Conversion,
    DeliveryStore,
    EventType,
    FxRate,
    Money,
    NoRateError,
    PriceEvent,
    PriceStore,
    convert,
)

__all__ = [
    "AlertFacts",
    "EventFacts",
    "ModelName",
    "RankNote",
    "Ranker",
    "compose",
    "thread_key",
    "when_changed",
]


def compose(delivery: ClaimedDelivery, facts: dict[int, EventFacts]) -> Reply:
    """The one message a delivery sends: its events grouped by model, in event order, in
    the chat's language."""
    language = wording.delivery_language(delivery.chat)
    _ = wording.gettext(language)
    groups: dict[str, list[EventFacts]] = defaultdict(list)
    seen: set[int] = set()
    extra: list[str] = []
    targets_met = False
    for item in delivery.items:
        fact = facts.get(item.event_id)
        if fact is None:
            continue
        if item.event_id not in seen and item.reason == "change":
            seen.add(item.event_id)
            groups[fact.model.model_id].append(fact)
        if item.reason == "target" and item.detail:
            targets_met = targets_met or not extra
            extra.append(wording.target_met(target_text(item.detail, language), language))
        if item.reason == "question" and item.detail:
            extra.append(wording.answer_changed(item.detail, language))
    if not groups and extra:
        title = _("Target price met") if targets_met else _("Answer changed")
        lines = list(extra)
    else:
        title = wording.title(
            list(groups.values()), digest=delivery.kind == "digest", language=language
        )
        lines = []
        # A digest names its models even when there is one; so does any multi-model alert.
        many = len(groups) > 1 or delivery.kind == "digest"
        for group in groups.values():
            body = wording.model_lines(group, language)
            if many:
                lines.append(f"• {wording.named(group[0].model, language)}")
                lines.extend(f"  {line}" for line in body)
            else:
                lines.extend(body)
        lines.extend(extra)
    footnotes = sorted(
        {
            wording.conversion_note(c, language)
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
        language=language,
        lines=tuple(lines),
        footnotes=tuple(footnotes),
        buttons=wording.buttons(language),
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
                    model.model_id,
                    model.name,
                    vendors.get(model.vendor, model.vendor),
                    model.vendor,
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
