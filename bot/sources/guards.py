"""What makes a change in a snapshot suspect: pure rules, no database, no clock.

`ingest` asks these rules which offers of an accepted snapshot must wait for
confirmation instead of being recorded (and alerted) at once:

- an **alarming change**: a price going to zero, a free offer starting, or a
  cut beyond `Guards.alarming_cut_percent`;
- **cuts that add up**: a cut that, with the source's other cuts of the same
  price within `Guards.cumulative_window`, takes it down by more than the
  threshold (two 85% cuts are a 97.75% cut);
- a **suspect new offer** (one the source never listed before): free, at a
  placeholder price (input and output both at or under
  `Guards.placeholder_usd` per 1M), or far below its peers (under
  1/`Guards.far_below` of the median of the same source's offers of the same
  mode).

Each suspect has a fingerprint (what a later snapshot must repeat to confirm
it) and says which prices another source would have to agree on.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from storage import EventType, Money, PriceEvent, PriceKind, PricePoint, Quote, format_money
from storage.rules import tidy_percent
from storage.source_listings import DelistRule

HUNDRED = Decimal(100)

# A price another source must repeat: (kind, tier, amount).
Said = tuple[PriceKind, int, Money]


@dataclass(frozen=True, slots=True)
class Guards:
    """The thresholds of the guards (settings: PRICEBOT_SOURCES_*)."""

    # Hold a snapshot back when more than this share of the source's models vanished …
    max_vanished_share: float = 0.3
    # … or changed price at once.
    max_changed_share: float = 0.3
    # A cut beyond this percent waits for confirmation, like a model going free.
    alarming_cut_percent: Decimal = Decimal(90)
    # Dated changes older than this, found now, are history rather than news.
    news_horizon: timedelta = timedelta(days=7)
    # A suspect is confirmed by a snapshot saying the same at least this much later.
    confirm_after: timedelta = timedelta(minutes=15)
    # Cuts of one price within this window add up (against the alarming threshold).
    cumulative_window: timedelta = timedelta(days=7)
    # A new offer with input and output both at or under this (USD per 1M) is a placeholder.
    placeholder_usd: Decimal = Decimal("0.001")
    # A new offer under 1/far_below of the median of its mode's offers is suspect …
    far_below: Decimal = Decimal(100)
    # … when the median is of at least this many offers.
    min_peers: int = 5
    # When an offer missing from its source counts as delisted.
    delist: DelistRule = field(default_factory=DelistRule)


@dataclass(frozen=True, slots=True)
class Suspect:
    """An offer whose news waits for confirmation: what changed, and how to recognise it."""

    model_id: str
    # What a later snapshot must say again (type, kind, tier, amount, date).
    fingerprint: str
    description: str
    # The prices another source's current word must equal to confirm it at once.
    says: tuple[Said, ...] = ()


def describe_change(event: PriceEvent) -> str:
    what = event.kind.value if event.kind else "free offer"
    if event.old is not None and event.new is not None:
        change = f"{format_money(event.old)} → {format_money(event.new)}"
    else:
        change = "starts"
    label = f"cut {event.percent}%" if event.type is EventType.CUT else event.type.value
    return f"{event.model_id} {what} {change} ({label})"


def _event_print(event: PriceEvent, now: datetime) -> str:
    new = event.new
    return (
        f"{event.type.value}:{event.kind.value if event.kind else 'offer'}:{event.tier}:"
        f"{new.amount.normalize() if new else ''}:{new.currency if new else ''}:"
        # A feed's own date is part of what it says; the time of our fetch is not.
        f"{event.effective_at.isoformat() if event.effective_at != now else ''}"
    )


def _suspect(model: str, listed: list[PriceEvent], now: datetime, describe: str) -> Suspect:
    says = tuple(
        (e.kind, e.tier, e.new) for e in listed if e.kind is not None and e.new is not None
    )
    fingerprint = "|".join(sorted(_event_print(e, now) for e in listed))
    return Suspect(model, fingerprint, describe, says)


def alarming_changes(
    events: Iterable[PriceEvent], guards: Guards, now: datetime
) -> dict[str, Suspect]:
    """Offers whose news would be alarming if false: going free, or a cut past the threshold."""
    found: defaultdict[str, list[PriceEvent]] = defaultdict(list)
    for event in events:
        if event.type is EventType.FREE or (
            event.type is EventType.CUT
            and event.percent is not None
            and event.percent > guards.alarming_cut_percent
        ):
            found[event.model_id].append(event)
    return {
        model: _suspect(model, listed, now, "; ".join(describe_change(e) for e in listed))
        for model, listed in found.items()
    }


def _peak(points: list[PricePoint], event: PriceEvent, since: datetime) -> Money | None:
    """The highest price of the event's kind and tier in force at any time from `since`."""
    assert event.new is not None
    relevant = sorted(
        (p for p in points if (p.kind, p.tier) == (event.kind, event.tier)),
        key=lambda p: p.effective_at,
    )
    in_force_then = [p for p in relevant if p.effective_at <= since][-1:]
    within = [p for p in relevant if since < p.effective_at < event.effective_at]
    amounts = [p.amount for p in in_force_then + within]
    if event.old is not None:
        amounts.append(event.old)
    same = [a for a in amounts if a.currency == event.new.currency]
    return max(same, key=lambda a: a.amount) if same else None


def cumulative_cuts(
    events: Iterable[PriceEvent],
    own_points: Mapping[str, list[PricePoint]],
    guards: Guards,
    now: datetime,
) -> dict[str, Suspect]:
    """Cuts that are not alarming alone but take a price down past the threshold in the window.

    `own_points` holds each model's price points from this source (the past the
    cut is measured against).
    """
    found: defaultdict[str, list[tuple[PriceEvent, Money, Decimal]]] = defaultdict(list)
    for event in events:
        if event.type is not EventType.CUT or event.new is None or event.kind is None:
            continue
        if event.percent is not None and event.percent > guards.alarming_cut_percent:
            continue  # alarming on its own
        peak = _peak(
            own_points.get(event.model_id, []), event, event.effective_at - guards.cumulative_window
        )
        if peak is None or peak.amount <= 0:
            continue
        total = tidy_percent((peak.amount - event.new.amount) / peak.amount * HUNDRED)
        if total > guards.alarming_cut_percent:
            found[event.model_id].append((event, peak, total))
    days = guards.cumulative_window / timedelta(days=1)
    result = {}
    for model, listed in found.items():
        parts = [
            f"{model} {e.kind.value if e.kind else ''} {format_money(peak)} → "
            f"{format_money(e.new) if e.new else ''} within {days:g} days "
            f"(cut {total}% in all; this cut {e.percent}%)"
            for e, peak, total in listed
        ]
        result[model] = _suspect(model, [e for e, _, _ in listed], now, "; ".join(parts))
    return result


def in_force(quotes: Iterable[Quote], now: datetime) -> dict[str, Quote]:
    """Each model's quote in force at `now` (the latest effective by then)."""
    latest: dict[str, Quote] = {}
    for quote in quotes:
        if quote.effective_at > now:
            continue
        seen = latest.get(quote.model_id)
        if seen is None or quote.effective_at >= seen.effective_at:
            latest[quote.model_id] = quote
    return latest


def _base(quote: Quote, kind: PriceKind) -> Money | None:
    return next((p.amount for p in quote.prices if p.kind is kind and p.tier == 0), None)


ToUsd = Callable[[Money], Decimal | None]


def _medians(
    quotes: Iterable[Quote], to_usd: ToUsd, min_peers: int
) -> dict[tuple[str, PriceKind], Decimal]:
    """The median base price in USD per (mode, kind), where enough offers give one."""
    amounts: defaultdict[tuple[str, PriceKind], list[Decimal]] = defaultdict(list)
    for quote in quotes:
        for kind in (PriceKind.INPUT, PriceKind.OUTPUT):
            money = _base(quote, kind)
            usd = to_usd(money) if money is not None else None
            if usd is not None and usd > 0:
                amounts[(quote.mode, kind)].append(usd)
    return {
        key: statistics.median(values)
        for key, values in amounts.items()
        if len(values) >= min_peers
    }


def _why_new_is_suspect(
    quote: Quote, guards: Guards, to_usd: ToUsd, medians: Mapping[tuple[str, PriceKind], Decimal]
) -> str | None:
    offer = quote.free_offer
    prices = {
        kind: (money, to_usd(money))
        for kind in (PriceKind.INPUT, PriceKind.OUTPUT)
        if (money := _base(quote, kind)) is not None
    }
    if (offer is not None and offer.active) or (
        prices and all(money.is_zero for money, _ in prices.values())
    ):
        return "free"
    usd = {kind: value for kind, (_, value) in prices.items() if value is not None}
    limit = guards.placeholder_usd
    if len(usd) == 2 and all(value <= limit for value in usd.values()):
        return f"a placeholder price: input and output both at or under ${limit:f} per 1M"
    compared = {
        kind: (value, medians[(quote.mode, kind)])
        for kind, value in usd.items()
        if (quote.mode, kind) in medians
    }
    if compared and all(value * guards.far_below < median for value, median in compared.values()):
        shown = ", ".join(
            f"{kind.value} median ${median.normalize():f}" for kind, (_, median) in compared.items()
        )
        return (
            f"under 1/{guards.far_below:f} of the median of the source's "
            f"{quote.mode} offers ({shown})"
        )
    return None


def suspect_new_offers(
    quotes: Iterable[Quote],
    fresh: Iterable[str],
    guards: Guards,
    *,
    now: datetime,
    to_usd: ToUsd,
) -> dict[str, Suspect]:
    """Offers new to the source that are free, at a placeholder price, or far below their peers.

    `quotes` is the whole (usable) snapshot: the peers come from it; `fresh`
    names the offers the source never listed before.
    """
    current = in_force(quotes, now)
    medians = _medians(current.values(), to_usd, guards.min_peers)
    result = {}
    for model in sorted(set(fresh) & set(current)):
        quote = current[model]
        why = _why_new_is_suspect(quote, guards, to_usd, medians)
        if why is None:
            continue
        said = tuple(
            sorted(((p.kind, p.tier, p.amount) for p in quote.prices), key=lambda s: s[:2])
        )
        offer = quote.free_offer
        fingerprint = "new:" + "|".join(
            f"{kind.value}:{tier}:{money.amount.normalize()}:{money.currency}"
            for kind, tier, money in said
        )
        if offer is not None and offer.active:
            fingerprint += f"|offer:{offer.until.isoformat() if offer.until else ''}"
        shown = " / ".join(
            f"{format_money(money)} {kind.value}" for kind, tier, money in said if tier == 0
        )
        description = f"new offer {model} at {shown or 'no price (a free offer)'} per 1M ({why})"
        result[model] = Suspect(model, fingerprint, description, said)
    return result


def agreeing_source(
    suspect: Suspect,
    points: Iterable[PricePoint],
    *,
    source: str,
    now: datetime,
    ignore: Iterable[str] = (),
) -> str | None:
    """Another source whose current prices for the offer say what the suspect says, if any.

    `points` are the offer's price points from every source; `ignore` names
    sources that no longer list it (their word is not current).
    """
    if not suspect.says:
        return None
    skip = {source, *ignore}
    latest: dict[str, dict[tuple[PriceKind, int], PricePoint]] = defaultdict(dict)
    for point in sorted(points, key=lambda p: (p.effective_at, p.observed_at)):
        if point.source not in skip and point.effective_at <= now:
            latest[point.source][(point.kind, point.tier)] = point
    for other, prices in sorted(latest.items()):
        if all(
            (seen := prices.get((kind, tier))) is not None and seen.amount.same_as(money)
            for kind, tier, money in suspect.says
        ):
            return other
    return None
