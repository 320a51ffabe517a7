"""Word answers as platform-neutral Replies: `answer(query, snapshot)` and `refusal_reply`.

    answer(query, snapshot, *, latest=None) -> Reply

`snapshot` must hold the prices in force at the query's moment (its `as_of`, or now).
For a dated question, pass `latest` (the snapshot for now) and the reply says whether
the answer has changed since. Every reply states its date, its currency, the mix it
assumed and how to ask for another, the rates it converted with, and what it left out,
in the query's reply language (`Query.reply_language`, a refusal's `Refusal.language`:
'en' or 'zh', words from the catalog, figures through Babel); its `data` is the same in
every language. Pure: no I/O, no clock.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.answers.cost_replies import compare_reply, cost_reply
from bot.answers.footnotes import footnotes, since
from bot.answers.model_replies import price_reply
from bot.answers.query import Query, QueryKind, Refusal
from bot.answers.ranking import FreeModel, RankedModel, Ranking, rank
from bot.answers.snapshot import PriceSnapshot
from bot.answers.wording import (
    NAMES_SHOWN,
    as_of_phrase,
    aside,
    day,
    decimal_text,
    filter_phrases,
    iso,
    mix_phrase,
    money,
    offer_phrase,
    parts,
    per_million,
    prices_in,
    seller_phrase,
    tier_text,
)
from bot.i18n import translator
from bot.messages import Reply, ReplyKind, Row
from storage import ModelPrices


def _no_prices_yet(language: str) -> str:
    """What a question about now hears when no price at all is known (an empty store on
    a first start, before any source was read). A dated question before every price says
    "no paid model matches" and counts what it left out instead."""
    _ = translator(language).gettext
    return _(
        "pricebot knows no prices yet: its sources have not been read, so there is "
        "nothing to rank. Ask again once they have (pricebot sources status shows them)."
    )


def answer(query: Query, snapshot: PriceSnapshot, *, latest: PriceSnapshot | None = None) -> Reply:
    """The reply to a parsed question, from the prices in `snapshot`, in the query's
    reply language (its data the same in every language)."""
    if query.kind is QueryKind.CHEAPEST:
        return cheapest_reply(rank(query, snapshot), snapshot, latest=latest)
    if query.kind is QueryKind.FREE:
        return free_reply(query, snapshot)
    if query.kind is QueryKind.PRICE:
        return price_reply(query, snapshot)
    if query.kind is QueryKind.COST:
        return cost_reply(query, snapshot)
    return compare_reply(query, snapshot)


def refusal_reply(refusal: Refusal) -> Reply:
    """A refusal as a reply: the reason, any "did you mean", three examples that work."""
    _ = translator(refusal.language).gettext
    lines: list[str] = []
    lines.append(_("Try one of these:"))
    lines.extend(refusal.examples)
    return Reply(
        title=refusal.reason,
        kind=ReplyKind.ERROR,
        language=refusal.language,
        lines=tuple(lines),
        private=True,
        data={
            "refusal": refusal.reason,
            "suggestions": list(refusal.suggestions),
            "examples": list(refusal.examples),
        },
    )


def _free_line(free: tuple[FreeModel, ...], language: str, as_of: datetime | None) -> str:
    """'Free now: ERNIE Lite (Baidu); …; Gemini 1.5 Pro (Google) within caps: …'; for a
    dated question 'Free on 2024-05-22: …' (what was free then, not now)."""
    key = f"line:{language}:{as_of.isoformat() if as_of else ''}"
    line: str = _shared(key, free, lambda: _word_free(free, language, as_of))
    return line


def _word_free(free: tuple[FreeModel, ...], language: str, as_of: datetime | None) -> str:
    _ = translator(language).gettext
    plain = [f for f in free if f.offer is None or not f.offer.cap_note]
    capped = [f for f in free if f.offer is not None and f.offer.cap_note]
    said = []
    for f in plain[:NAMES_SHOWN]:
        name, seller = f.name or f.model.display_name, seller_phrase(f.model, language)
        if f.offer and f.offer.until:
            said.append(
                _("{name} ({seller} until {day})").format(
                    name=name, seller=seller, day=day(f.offer.until, language)
                )
            )
        else:
            said.append(_("{name} ({seller})").format(name=name, seller=seller))
    if len(plain) > NAMES_SHOWN:
        said.append(_('and {count} more (ask "free")').format(count=len(plain) - NAMES_SHOWN))
    for f in capped[:NAMES_SHOWN]:
        said.append(
            _("{name} ({seller}) within caps: {offer}").format(
                name=f.name or f.model.display_name,
                seller=seller_phrase(f.model, language),
                offer=offer_phrase(f.offer, language),
            )
        )
    if len(capped) > NAMES_SHOWN:
        said.append(_("and {count} more with caps").format(count=len(capped) - NAMES_SHOWN))
    if as_of is not None:
        return _("Free on {day}: {models}").format(
            day=day(as_of, language), models=parts(said, language)
        )
    return _("Free now: {models}").format(models=parts(said, language))


def _row(ranked: RankedModel, language: str) -> Row:
    _ = translator(language).gettext
    ngettext = translator(language).ngettext
    b = ranked.breakdown
    inp = money(b.input_point.amount, language=language) if b.input_point else None
    out = money(b.output_point.amount, language=language) if b.output_point else None
    note = f"{seller_phrase(ranked.model, language)} · {per_million(inp, out, language)}"
    if b.tier:
        note += aside(tier_text(b.tier, language), language)
    if ranked.others:
        note += " · " + ngettext(
            "+{count} other seller", "+{count} other sellers", ranked.others
        ).format(count=ranked.others)
    if ranked.free_offer is not None:
        note += " · " + _("also free within caps")
    return Row(
        f"{ranked.position}. {ranked.name or ranked.model.display_name}",
        money(b.total, converted=bool(b.rates), language=language),
        note,
    )


def _ranked_json(ranked: RankedModel) -> dict[str, Any]:
    b = ranked.breakdown
    point = b.input_point or b.output_point
    return {
        "rank": ranked.position,
        "model": ranked.model_key,
        "name": ranked.name or ranked.model.display_name,
        "offer": ranked.model.model_id,
        "seller": ranked.model.vendor,
        "vendor": ranked.model.vendor,
        "other_sellers": ranked.others,
        "cost": decimal_text(ranked.cost.amount),
        "currency": ranked.cost.currency,
        "input_per_1m": decimal_text(b.input_rate.amount) if b.input_rate else None,
        "output_per_1m": decimal_text(b.output_rate.amount) if b.output_rate else None,
        "native_input_per_1m": decimal_text(b.input_point.amount.amount) if b.input_point else None,
        "native_output_per_1m": decimal_text(b.output_point.amount.amount)
        if b.output_point
        else None,
        "native_currency": point.amount.currency if point else None,
        "tier": b.tier,
        "free_within_caps": ranked.free_offer is not None,
    }


# The same free list (one tuple per snapshot and filter) serves many questions: its line
# and its JSON are built once, keyed by the tuple's identity (the tuple is kept with
# them, so the id stays valid).
_SHARED: OrderedDict[tuple[str, int], tuple[tuple[FreeModel, ...], Any]] = OrderedDict()
_SHARED_LOCK = threading.Lock()


def _shared(kind: str, free: tuple[FreeModel, ...], build: Callable[[], Any]) -> Any:
    with _SHARED_LOCK:
        held = _SHARED.get((kind, id(free)))
    if held is None or held[0] is not free:
        held = (free, build())
        with _SHARED_LOCK:
            _SHARED[(kind, id(free))] = held
            while len(_SHARED) > 64:
                _SHARED.popitem(last=False)
    return held[1]


def _free_json(free: tuple[FreeModel, ...]) -> list[dict[str, Any]]:
    entries: tuple[dict[str, Any], ...] = _shared(
        "json",
        free,
        lambda: tuple(
            {
                "model": f.model.model_key,
                "name": f.name or f.model.display_name,
                "offer": f.model.model_id,
                "seller": f.model.vendor,
                "vendor": f.model.vendor,
                "cap": f.offer.cap_note if f.offer else None,
                "until": iso(f.offer.until) if f.offer else None,
            }
            for f in free
        ),
    )
    return list(entries)


def _stale_phrase(
    offers: tuple[ModelPrices, ...], snapshot: PriceSnapshot, limit: int, language: str
) -> str:
    """'Gemini 1.5 Pro (Google, last confirmed 2024-05-31)' for free offers gone quiet."""
    _ = translator(language).gettext
    shown = []
    for offer in offers[:limit]:
        name, seller = snapshot.model_name(offer.model_key), seller_phrase(offer, language)
        when = offer.free_confirmed_at
        shown.append(
            _("{name} ({seller}, last confirmed {day})").format(
                name=name, seller=seller, day=day(when, language)
            )
            if when
            else _("{name} ({seller})").format(name=name, seller=seller)
        )
    said = parts(shown, language)
    more = len(offers) - len(shown)
    return _("{names} and {count} more").format(names=said, count=more) if more > 0 else said


def cheapest_reply(
    ranking: Ranking, snapshot: PriceSnapshot, *, latest: PriceSnapshot | None = None
) -> Reply:
    """'Cheapest for 1M tokens (blended 3:1)': free now apart, paid cheapest first, notes."""
    query = ranking.query
    language = query.reply_language
    _ = translator(language).gettext
    head = [as_of_phrase(query, snapshot), prices_in(ranking.currency, language)]
    head.extend(filter_phrases(query, snapshot))
    lines = [" · ".join(head)]
    if ranking.free:
        lines.append(_free_line(ranking.free, language, query.as_of))
    if ranking.top:
        shown = len(ranking.top)
        lines.append(
            _("Paid, cheapest first ({shown} of {total}):").format(shown=shown, total=ranking.total)
            if ranking.total > shown
            else _("Paid, cheapest first:")
        )
    elif not snapshot.models and query.as_of is None:
        # Not "nothing matches": nothing is known. Saying so keeps an empty store (a
        # first start whose sources have not been read yet) from reading as an answer.
        lines.append(_no_prices_yet(query.reply_language))
    else:
        lines.append(_("No paid model with a known price matches."))
    notes = footnotes(ranking, snapshot)
    changed = since(ranking, latest)
    if changed:
        notes.append(changed)
    return Reply(
        title=_("Cheapest for {mix}").format(mix=mix_phrase(ranking.mix, language)),
        kind=ReplyKind.ANSWER,
        language=query.reply_language,
        lines=tuple(lines),
        rows=tuple(_row(r, language) for r in ranking.top),
        footnotes=tuple(notes),
        data={
            "question": query.text,
            "kind": query.kind.value,
            "as_of": iso(snapshot.as_of),
            "currency": ranking.currency,
            "mix": {
                "input_tokens": ranking.mix.input_tokens,
                "output_tokens": ranking.mix.output_tokens,
                "source": ranking.mix.source.value,
            },
            "ranked": [_ranked_json(r) for r in ranking.top],
            "ranked_total": ranking.total,
            "free_now": _free_json(ranking.free),
            "left_out_unknown_price": [m.model_id for m in ranking.unknown],
            "left_out_no_rate": [m.model_id for m in ranking.no_rate],
            "left_out_not_text": [m.model_id for m in ranking.non_text],
            "left_out_first_seen_later": ranking.unseen,
            "set_aside": [{"offer": s.model.model_id, "reason": s.reason} for s in ranking.suspect],
            "set_aside_total": ranking.suspect_total,
            "rates": [
                {
                    "base": r.base,
                    "quote": r.quote,
                    "rate": decimal_text(r.rate),
                    "as_of": r.as_of.isoformat(),
                    "source": r.source,
                }
                for r in ranking.rates
            ],
        },
    )


def free_reply(query: Query, snapshot: PriceSnapshot) -> Reply:
    """'Free now': every model free at the snapshot's moment, with caps and end dates; and,
    briefly, the free offers no source confirmed lately."""
    language = query.reply_language
    _ = translator(language).gettext
    ranking = rank(query, snapshot, limit=0)
    free = ranking.free
    head = [as_of_phrase(query, snapshot), *filter_phrases(query, snapshot)]
    rows = tuple(
        Row(
            f.name or f.model.display_name,
            _("free"),
            f"{seller_phrase(f.model, language)} · {offer_phrase(f.offer, language)}",
        )
        for f in free[: max(query.top, 20)]
    )
    lines = [" · ".join(head)]
    if not snapshot.models and query.as_of is None:
        lines.append(_no_prices_yet(query.reply_language))
    elif not free:
        lines.append(
            _("Nothing was free on {day}.").format(day=day(query.as_of, language))
            if query.as_of is not None
            else _("Nothing is free now.")
        )
    elif len(free) > len(rows):
        lines.append(_("{shown} of {total} shown.").format(shown=len(rows), total=len(free)))
    if ranking.stale:
        lines.append(
            _("Was free, not confirmed within {days} days: {models}.").format(
                days=query.free_confirm_days,
                models=_stale_phrase(ranking.stale, snapshot, 5, language),
            )
        )
    return Reply(
        title=(
            _("Free on {day}").format(day=day(query.as_of, language))
            if query.as_of is not None
            else _("Free now")
        ),
        kind=ReplyKind.ANSWER,
        language=query.reply_language,
        lines=tuple(lines),
        rows=rows,
        footnotes=(
            _(
                "Free means a source says so (a free offer, or prices of zero); a missing "
                "price is unknown, never free. A free offer without an end date counts while "
                "a source confirmed it within {days} days."
            ).format(days=query.free_confirm_days),
        ),
        data={
            "question": query.text,
            "kind": query.kind.value,
            "as_of": iso(snapshot.as_of),
            "free_now": _free_json(free),
            "was_free": [
                {
                    "model": o.model_key,
                    "offer": o.model_id,
                    "last_confirmed": iso(o.free_confirmed_at),
                }
                for o in ranking.stale
            ],
        },
    )
