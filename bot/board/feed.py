"""The Atom feed of price events, built with feedgen (never by string building).

Each entry is one event (a cut, an increase, made free, paid again, a new model, a free
offer ending), dated with the day it took effect, linking to the model's page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from feedgen.feed import FeedGenerator

from storage.money import Money, format_money
from storage.values import (
    DateBasis,
    EventType,
    PriceEvent,
    PriceKind,
    launch_prices,
    tier_label,
)

WORDS = {
    EventType.CUT: "cut",
    EventType.INCREASE: "raised",
    EventType.FREE: "now free",
    EventType.PAID_AGAIN: "paid again",
    EventType.NEW_MODEL: "new model",
    EventType.FREE_ENDING: "free offer ending",
}


def event_day(e: PriceEvent) -> str:
    """When it happened, as sure as the record is: '2024-05-21', 'by 2026-03-12' (inferred),
    'between 2026-11-20 and 2026-11-21' or 'first seen 2026-12-01' (a feed without dates)."""
    day = e.effective_at.date()
    if e.date_basis is DateBasis.INFERRED:
        return f"by {day}"
    if e.date_basis is DateBasis.OBSERVED:
        if e.not_before is not None:
            return f"between {e.not_before.date()} and {day}"
        return f"first seen {day}"
    return str(day)


def event_title(e: PriceEvent, name: str, launch: Mapping[PriceKind, Money] | None = None) -> str:
    """'Qwen-Long input cut 97.5%: ¥20.00 → ¥0.50 per 1M'; a new model with its prices
    ('DeepSeek-V2 new model: input ¥1.00, output ¥2.00 per 1M') when `launch` gives them."""
    if e.type is EventType.NEW_MODEL and launch:
        return f"{name} new model: {launch_prices(launch)}"
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
    launches: Mapping[int, Mapping[PriceKind, Money]] | None = None,
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
        title = event_title(e, name, (launches or {}).get(e.id or 0))
        entry = feed.add_entry()
        # One event keeps one id in every filtered view of the feed.
        entry.id(f"{site_url}events/{e.id}")
        entry.title(title)
        entry.link(href=model_url(e.model_id), rel="alternate", type="text/html")
        entry.updated(e.effective_at)
        entry.published(e.effective_at)
        entry.category(term=e.type.value)
        summary = f"{title}. When: {event_day(e)}. Source: {e.source}."
        entry.summary(summary)
    result: bytes = feed.atom_str(pretty=True)
    return result
