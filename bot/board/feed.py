"""The Atom feed of price events, built with feedgen (never by string building).

Each entry is one event (a cut, an increase, made free, paid again, a new model, a free
offer ending), dated with the day it took effect, linking to the model's page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from feedgen.feed import FeedGenerator

from storage.money import format_money
from storage.values import EventType, PriceEvent, tier_label

WORDS = {
    EventType.CUT: "cut",
    EventType.INCREASE: "raised",
    EventType.FREE: "now free",
    EventType.PAID_AGAIN: "paid again",
    EventType.NEW_MODEL: "new model",
    EventType.FREE_ENDING: "free offer ending",
}


def event_title(e: PriceEvent, name: str) -> str:
    """'Qwen-Long input cut 97.5%: ¥20.00 → ¥0.50 per 1M'."""
    part = e.kind.value.replace("_", " ") if e.kind else ""
    if e.tier:
        part += f" ({tier_label(e.tier)})"
    words = f"{name} {part} {WORDS[e.type]}".replace("  ", " ").strip()
    if e.type in (EventType.CUT, EventType.INCREASE) and e.percent is not None:
        words += f" {format(e.percent.normalize(), 'f')}%"
    if e.old is not None and e.new is not None:
        words += f": {format_money(e.old)} → {format_money(e.new)} per 1M"
    elif e.new is not None:
        words += f": {format_money(e.new)} per 1M"
    if e.free_until is not None:
        words += f", free until {e.free_until.date()}"
    return words


def atom_feed(
    events: Sequence[PriceEvent],
    *,
    names: Mapping[str, str],
    feed_url: str,
    site_url: str,
    model_url: Callable[[str], str],
    now: datetime,
    title: str = "pricebot: LLM API price changes",
) -> bytes:
    """The feed document, newest event first."""
    feed = FeedGenerator()
    feed.id(feed_url)
    feed.title(title)
    feed.subtitle("Cuts, increases, free models and new models, per 1M tokens, dated.")
    feed.link(href=feed_url, rel="self", type="application/atom+xml")
    feed.link(href=site_url, rel="alternate", type="text/html")
    feed.author({"name": "pricebot"})
    feed.language("en")
    # An empty feed still needs a date: the moment it was asked for.
    feed.updated(max((e.effective_at for e in events), default=now))
    # feedgen puts the entry added last on top; add the oldest first.
    for e in sorted(events, key=lambda x: (x.effective_at, x.id or 0)):
        name = names.get(e.model_id, e.model_id)
        entry = feed.add_entry()
        # One event keeps one id in every filtered view of the feed.
        entry.id(f"{site_url}events/{e.id}")
        entry.title(event_title(e, name))
        entry.link(href=model_url(e.model_id), rel="alternate", type="text/html")
        entry.updated(e.effective_at)
        entry.published(e.effective_at)
        entry.category(term=e.type.value)
        summary = event_title(e, name) + f". Source: {e.source}."
        if e.date_basis.value == "observed" and e.not_before is not None:
            summary += f" Changed between {e.not_before.date()} and {e.effective_at.date()}."
        entry.summary(summary)
    result: bytes = feed.atom_str(pretty=True)
    return result
