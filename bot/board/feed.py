"""The Atom feed of price events, built with feedgen (never by string building).

Each entry is one event (a cut, an increase, made free, paid again, a new model, a free
offer ending), dated with the day it took effect, linking to the model's page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from babel.dates import format_date
from feedgen.feed import FeedGenerator

from bot.i18n import ENGLISH, locale, translator
from storage.money import Money, format_money
from storage.values import DateBasis, EventType, PriceEvent, PriceKind

# Atom's xml:lang for each of our languages.
_FEED_LANGUAGES = {"en": "en", "zh": "zh-Hans"}
# The prices a new model's entry names, in this order (as the alerts do).
_LAUNCH_KINDS = (PriceKind.INPUT, PriceKind.OUTPUT, PriceKind.CACHED_INPUT)


def _words(language: str) -> dict[EventType, str]:
    """What happened, as a feed title says it after the model: 'cut', 'now free' …"""
    _ = translator(language).gettext
    return {
        EventType.CUT: _("cut"),
        EventType.INCREASE: _("raised"),
        EventType.FREE: _("now free"),
        EventType.PAID_AGAIN: _("paid again"),
        EventType.NEW_MODEL: _("new model"),
        EventType.FREE_ENDING: _("free offer ending"),
    }


def _kinds(language: str) -> dict[PriceKind, str]:
    _ = translator(language).gettext
    return {
        PriceKind.INPUT: _("input"),
        PriceKind.OUTPUT: _("output"),
        PriceKind.CACHED_INPUT: _("cached input"),
        PriceKind.CACHE_WRITE: _("cache write"),
    }


def _day(moment: datetime, language: str) -> str:
    """'2024-05-21'; '2024年5月21日' in Chinese (Babel's long date)."""
    if language == ENGLISH:
        return str(moment.date())
    return format_date(moment.date(), "long", locale=locale(language))


def event_day(e: PriceEvent, language: str = ENGLISH) -> str:
    """When it happened, as sure as the record is: '2024-05-21', 'by 2026-03-12' (inferred),
    'between 2026-11-20 and 2026-11-21' or 'first seen 2026-12-01' (a feed without dates)."""
    _ = translator(language).gettext
    day = _day(e.effective_at, language)
    if e.date_basis is DateBasis.INFERRED:
        return _("by {day}").format(day=day)
    if e.date_basis is DateBasis.OBSERVED:
        if e.not_before is not None:
            return _("between {start} and {end}").format(
                start=_day(e.not_before, language), end=day
            )
        return _("first seen {day}").format(day=day)
    return day


def event_title(
    e: PriceEvent,
    name: str,
    launch: Mapping[PriceKind, Money] | None = None,
    language: str = ENGLISH,
) -> str:
    """'Qwen-Long input cut 97.5%: ¥20.00 → ¥0.50 per 1M' ('Qwen-Long 输入降价 97.5%：
    ¥20.00 → ¥0.50 每百万tokens'); a new model with its prices ('DeepSeek-V2 new model:
    input ¥1.00, output ¥2.00 per 1M') when `launch` gives them."""
    _ = translator(language).gettext
    kinds = _kinds(language)
    if e.type is EventType.NEW_MODEL and launch:
        parts = [
            f"{kinds[kind]} {_('free') if money.is_zero else format_money(money)}"
            for kind in _LAUNCH_KINDS
            if (money := launch.get(kind)) is not None
        ]
        prices = _("{amount} per 1M").format(amount=_(", ").join(parts))
        return _("{name} new model: {prices}").format(name=name, prices=prices)
    part = kinds.get(e.kind, "") if e.kind else ""
    if e.tier:
        part = _("{kind} ({tier})").format(kind=part, tier=_tier(e.tier, language))
    words = _("{name} {part} {change}").format(
        name=name, part=part, change=_words(language)[e.type]
    )
    words = words.replace("  ", " ").strip()
    if e.type in (EventType.CUT, EventType.INCREASE) and e.percent is not None:
        words += f" {format(e.percent.normalize(), 'f')}%"
    if e.old is not None and e.new is not None:
        words = _("{title}: {old} → {new} per 1M").format(
            title=words, old=format_money(e.old), new=format_money(e.new)
        )
    elif e.new is not None:
        words = _("{title}: {new} per 1M").format(title=words, new=format_money(e.new))
    if e.free_until is not None:
        words = _("{title}, free until {day}").format(title=words, day=_day(e.free_until, language))
    return words


def _tier(tier: int, language: str) -> str:
    """'prompts over 128K' (the store's words), in the language."""
    _ = translator(language).gettext
    size = f"{tier // 1000}K" if tier % 1000 == 0 else _("{count} tokens").format(count=f"{tier:,}")
    return _("prompts over {size}").format(size=size)


def atom_feed(
    events: Sequence[PriceEvent],
    *,
    names: Mapping[str, str],
    feed_url: str,
    site_url: str,
    model_url: Callable[[str], str],
    now: datetime,
    launches: Mapping[int, Mapping[PriceKind, Money]] | None = None,
    title: str | None = None,
    language: str = ENGLISH,
) -> bytes:
    """The feed document, newest event first, its words in `language` ('en'/'zh')."""
    _ = translator(language).gettext
    feed = FeedGenerator()
    feed.id(feed_url)
    feed.title(title or _("pricebot: LLM API price changes"))
    feed.subtitle(_("Cuts, increases, free models and new models, per 1M tokens, dated."))
    feed.link(href=feed_url, rel="self", type="application/atom+xml")
    feed.link(href=site_url, rel="alternate", type="text/html")
    feed.author({"name": "pricebot"})
    feed.language(_FEED_LANGUAGES.get(language, "en"))
    # An empty feed still needs a date: the moment it was asked for.
    feed.updated(max((e.effective_at for e in events), default=now))
    # feedgen puts the entry added last on top; add the oldest first.
    for e in sorted(events, key=lambda x: (x.effective_at, x.id or 0)):
        name = names.get(e.model_id, e.model_id)
        title = event_title(e, name, (launches or {}).get(e.id or 0), language)
        entry = feed.add_entry()
        # One event keeps one id in every filtered view of the feed.
        entry.id(f"{site_url}events/{e.id}")
        entry.title(title)
        entry.link(href=model_url(e.model_id), rel="alternate", type="text/html")
        entry.updated(e.effective_at)
        entry.published(e.effective_at)
        entry.category(term=e.type.value)
        summary = _("{title}. When: {day}. Source: {source}.").format(
            title=title, day=event_day(e, language), source=e.source
        )
        entry.summary(summary)
    result: bytes = feed.atom_str(pretty=True)
    return result
