"""How an alert says things, in the chat's language ('en' or 'zh'). Pure.

The words come from the message catalogs (`bot.i18n.translator`); numbers and dates
from Babel's locale for the language. Money keeps pricebot's own figures in both
languages (`storage.format_money`: ¥0.875 stays ¥0.875), and vendors take their
Chinese names in Chinese (`bot.i18n.vendor_name`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_percent

from bot import i18n
from bot.alerts.facts import EventFacts, ModelName, RankNote
from bot.answers.wording import approximate
from bot.messages import Button
from storage import (
    ChatSettings,
    Conversion,
    DateBasis,
    EventType,
    Money,
    PriceEvent,
    PriceKind,
    format_money,
)


def delivery_language(chat: ChatSettings) -> str:
    """The language a chat's alerts are in: its own choice (/settings language), else
    the platform's language of the person who set it up, else English."""
    return i18n.chat_language(chat.language, chat.platform_language)


def gettext(language: str) -> Callable[[str], str]:
    """`_` for the language's catalog."""
    return i18n.translator(language).gettext


def separator(language: str) -> str:
    """Between the items of a list: ', ' in English, '，' in Chinese."""
    _ = gettext(language)
    # The catalog carries the punctuation too, so Chinese reads with its own commas.
    return _(", ")


def percent(value: Decimal, language: str) -> str:
    """'97.5%' — Babel's percent pattern for the language, every digit kept."""
    if language == i18n.ENGLISH:
        return f"{value}%"
    return format_percent(
        value / 100, "#,##0.##%", locale=i18n.locale(language), decimal_quantization=False
    )


def day(moment: date | datetime | None, language: str) -> str:
    """'2024-05-21' in English, '2024年5月21日' in Chinese (Babel's long date)."""
    if moment is None:
        return str(moment)
    when = moment.date() if isinstance(moment, datetime) else moment
    if language == i18n.ENGLISH:
        return when.isoformat()
    return format_date(when, "long", locale=i18n.locale(language))


def kind_word(kind: PriceKind | None, language: str) -> str:
    """'input', 'output', 'cached input' (输入, 输出, 缓存输入); 'price' when none."""
    _ = gettext(language)
    words = {
        PriceKind.INPUT: _("input"),
        PriceKind.OUTPUT: _("output"),
        PriceKind.CACHED_INPUT: _("cached input"),
        PriceKind.CACHE_WRITE: _("cache write"),
    }
    return words.get(kind, _("price")) if kind is not None else _("price")


def tier_words(tier: int, language: str) -> str:
    """'' for the base tier, 'prompts over 128K' for tier 128000."""
    _ = gettext(language)
    if tier <= 0:
        return ""
    size = f"{tier // 1000}K" if tier % 1000 == 0 else _("{count} tokens").format(count=f"{tier:,}")
    return _("prompts over {size}").format(size=size)


def kind_label(event: PriceEvent, language: str) -> str:
    """'input', or 'input (prompts over 128K)' for a longer-prompt tier."""
    _ = gettext(language)
    kind = kind_word(event.kind, language)
    tier = tier_words(event.tier, language)
    return _("{kind} ({tier})").format(kind=kind, tier=tier) if tier else kind


def money(amount: Money | None, language: str) -> str:
    """'¥0.50', 'free' (免费) for a zero, 'unknown' (未知) for no price."""
    _ = gettext(language)
    if amount is None:
        return _("unknown")
    return _("free") if amount.is_zero else format_money(amount)


def converted_money(amount: Money | None, language: str) -> str:
    """A figure converted at a rate, to the precision a rate deserves, as answers show it
    ('$0.06944', '$2.78'), not a quotient's six decimals ('$0.069444')."""
    if amount is None or amount.is_zero:
        return money(amount, language)
    return money(Money(approximate(amount.amount), amount.currency), language)


def per_1m(amount: Money | None, language: str) -> str:
    """'¥0.50 per 1M' (¥0.50 每百万tokens), or 'free' (a zero needs no unit)."""
    _ = gettext(language)
    if amount is None or amount.is_zero:
        return money(amount, language)
    return _("{amount} per 1M").format(amount=format_money(amount))


def named(model: ModelName, language: str) -> str:
    """'Qwen-Long (Alibaba Cloud)'; 'Qwen-Long（阿里云）' in Chinese."""
    _ = gettext(language)
    vendor = i18n.vendor_name(model.vendor_id, model.vendor, language)
    return _("{name} ({vendor})").format(name=model.name, vendor=vendor)


def _launch(facts: EventFacts, language: str) -> str:
    """'input ¥1.00, output ¥2.00 per 1M', with the chat's currency after ' · '."""
    _ = gettext(language)
    parts = [
        f"{kind_word(kind, language)} {money(price, language)}" for kind, price, _c in facts.launch
    ]
    text = _("{amount} per 1M").format(amount=separator(language).join(parts))
    in_chat = [c for _k, _m, c in facts.launch if c is not None and c.converted]
    if len(in_chat) == len(facts.launch):
        text += " · " + separator(language).join(
            converted_money(c.money, language) for c in in_chat
        )
    return text


def change_line(facts: EventFacts, language: str) -> str:
    """'input: ¥20.00 → ¥0.50 per 1M (−97.5%) · $2.78 → $0.07'
    ('输入降价 97.5%：¥20.00 → ¥0.50 每百万tokens · …' in Chinese)."""
    _ = gettext(language)
    event = facts.event
    if event.type is EventType.NEW_MODEL:
        if facts.launch:
            return _("new model, {prices}").format(prices=_launch(facts, language))
        if event.new is None:
            return _("new model")
        line = _("new model, input {price}").format(price=per_1m(event.new, language))
        if facts.new_in_chat is not None and facts.new_in_chat.converted:
            line += f" · {converted_money(facts.new_in_chat.money, language)}"
        return line
    if event.type is EventType.FREE_ENDING:
        if event.free_until is None:
            return _("free offer ends soon")
        return _("free offer ends {day}").format(day=day(event.free_until, language))
    if event.old is None and event.new is None:
        return _("free offer started") if event.type is EventType.FREE else _("free offer ended")
    fields = {
        "kind": kind_label(event, language),
        "old": money(event.old, language),
        "new": per_1m(event.new, language),
    }
    if event.percent is not None and event.type is EventType.CUT:
        line = _("{kind}: {old} → {new} (−{percent})").format(
            percent=percent(event.percent, language), **fields
        )
    elif event.percent is not None and event.type is EventType.INCREASE:
        line = _("{kind}: {old} → {new} (+{percent})").format(
            percent=percent(event.percent, language), **fields
        )
    else:
        line = _("{kind}: {old} → {new}").format(**fields)
    if facts.new_in_chat is not None and facts.new_in_chat.converted:
        old = facts.old_in_chat.money if facts.old_in_chat else None
        new = facts.new_in_chat.money
        line += f" · {converted_money(old, language)} → {converted_money(new, language)}"
    return line


def when_changed(event: PriceEvent, language: str = i18n.ENGLISH) -> str:
    """'effective 2025-06-10', or for a change its feed does not date,
    'changed between 2026-11-20 and 2026-12-01 (the feed gives no date)'."""
    _ = gettext(language)
    when = day(event.effective_at, language)
    if event.date_basis is not DateBasis.OBSERVED:
        return _("effective {day}").format(day=when)
    if event.not_before is not None and event.not_before.date() < event.effective_at.date():
        return _("changed between {start} and {end} (the feed gives no date)").format(
            start=day(event.not_before, language), end=when
        )
    return _("seen {day} (the feed gives no date)").format(day=when)


def rank_text(note: RankNote, language: str) -> str:
    """'now #2 of 14 for “cheapest for 1M tokens” (¥0.88 at 3:1)'."""
    _ = gettext(language)
    question = note.question or _("cheapest for 1M tokens")
    if note.cost:
        return _("now #{rank} of {total} for “{question}” ({cost} at {mix})").format(
            rank=note.rank, total=note.total, question=question, cost=note.cost, mix=note.mix
        )
    return _("now #{rank} of {total} for “{question}”").format(
        rank=note.rank, total=note.total, question=question
    )


def model_lines(group: Sequence[EventFacts], language: str) -> list[str]:
    """What an alert says about one model: its changes, dates, limits, rank, source."""
    _ = gettext(language)
    sep = separator(language)
    first = group[0]
    lines = [change_line(f, language) for f in group]
    stated = sorted(
        {f.event.effective_at.date() for f in group if f.event.date_basis is not DateBasis.OBSERVED}
    )
    if stated:
        lines.append(_("effective {day}").format(day=sep.join(day(d, language) for d in stated)))
    lines.extend(
        dict.fromkeys(
            when_changed(f.event, language)
            for f in group
            if f.event.date_basis is DateBasis.OBSERVED
        )
    )
    ends = {f.event.free_until for f in group if f.event.free_until}
    caps = {f.event.cap_note for f in group if f.event.cap_note}
    for end in sorted(ends):
        lines.append(_("free until {day}").format(day=day(end, language)))
    for cap in sorted(caps):
        lines.append(_("limits: {cap}").format(cap=cap))
    lows = [kind_label(f.event, language) for f in group if f.all_time_low]
    if lows:
        lines.append(_("all-time low: {kinds}").format(kinds=sep.join(lows)))
    if first.rank is not None:
        lines.append(rank_text(first.rank, language))
    cited = sorted({f.citation for f in group if f.citation})
    source = "; ".join(cited) if cited else first.event.source
    lines.append(_("source: {source}").format(source=source))
    return lines


def event_label(kind: EventType, language: str) -> str:
    """An alert's headline word: 'Price cut' (降价), 'Now free' (免费) …"""
    _ = gettext(language)
    labels = {
        EventType.CUT: _("Price cut"),
        EventType.FREE: _("Now free"),
        EventType.INCREASE: _("Price increase"),
        EventType.PAID_AGAIN: _("No longer free"),
        EventType.NEW_MODEL: _("New model"),
        EventType.FREE_ENDING: _("Free offer ending"),
    }
    return labels[kind]


def title(groups: Sequence[Sequence[EventFacts]], *, digest: bool, language: str) -> str:
    """'Price cut: Qwen-Long (Alibaba Cloud)', 'Price alerts: 3 models', or a digest's
    'Daily digest: 2 models changed' (每日汇总：2 项变动)."""
    catalog = i18n.translator(language)
    _ = catalog.gettext
    if digest:
        # One bullet per model: the title counts what the reader sees, not price points.
        count = len(groups)
        return catalog.ngettext(
            "Daily digest: {count} model changed", "Daily digest: {count} models changed", count
        ).format(count=count)
    if len(groups) == 1:
        (group,) = groups
        types = {f.event.type for f in group}
        label = event_label(group[0].event.type, language) if len(types) == 1 else _("Price change")
        return _("{label}: {model}").format(label=label, model=named(group[0].model, language))
    return _("Price alerts: {count} models").format(count=len(groups))


def conversion_note(conversion: Conversion, language: str) -> str:
    """'converted at 7.2 CNY/USD of 2024-05-01 (source)'."""
    _ = gettext(language)
    return _("converted at {rate} {quote}/{base} of {day} ({source})").format(
        rate=f"{conversion.rate.normalize():f}",
        quote=conversion.money.currency,
        base=conversion.original.currency,
        day=day(conversion.rate_date, language),
        source=conversion.rate_source,
    )


def target_met(candidate: str, language: str) -> str:
    """'🎯 Your target price is met: GLM-3 Turbo (Zhipu AI) at ¥0.70 per 1M (…)'."""
    _ = gettext(language)
    return _("🎯 Your target price is met: {detail}").format(detail=candidate)


def answer_lines(summary: dict[str, Any], language: str) -> list[str]:
    """A saved question's answer as an alert names it: '1. Qwen-Long ¥0.875', …,
    'free now: ERNIE Speed, Hunyuan-lite and 2 more' (当前免费：…)."""
    _ = gettext(language)
    lines = [str(line) for line in summary.get("top", [])]
    free = [str(name) for name in summary.get("free", [])]
    more = int(summary.get("free_more", 0))
    names = separator(language).join(free)
    if free and more > 0:
        lines.append(_("free now: {names} and {count} more").format(names=names, count=more))
    elif free:
        lines.append(_("free now: {names}").format(names=names))
    return lines


def answer_changed(detail: str, language: str) -> str:
    """A saved question's new answer (detail is JSON: the question and what it lists)."""
    _ = gettext(language)
    try:
        data = json.loads(detail)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return _("❓ Answer changed: {detail}").format(detail=detail)
    question = data.get("question") or _("your saved question")
    if "top" in data:
        lines = answer_lines(data, language)
    else:  # written before answers were kept by part: English lines as they were
        lines = [str(line) for line in data.get("lines", [])]
    return _("❓ The answer to “{question}” changed: {summary}").format(
        question=question, summary=_("; ").join(lines)
    )


def buttons(language: str) -> tuple[Button, ...]:
    """Under every alert: mute for a day, see the subscriptions."""
    _ = gettext(language)
    return (Button(_("Mute 1 day"), "/mute 1d"), Button(_("Subscriptions"), "/subscriptions"))
