"""The ingest step every source shares: the guards between a fetched snapshot and the store.

A bogus "now free!" sent to every subscriber is the worst thing pricebot can
do, so a snapshot passes these guards before anything reaches the event log:

1. Prices a feed does not really give (missing, negative, -1, NaN, zero where
   zero means unknown) were already read as unknown by the source; a model with
   no usable price is not recorded, and a model listed twice with different
   prices is skipped.
2. A snapshot with no usable model at all, or in which more than a set share
   of the source's models vanished or changed price at once, is held back as
   suspect: logged, counted, kept for a person to look at, not recorded. The
   last good data stays current.
3. An alarming change (a model going free, a cut beyond the threshold) is
   recorded only when a second poll says the same; until then it waits in the
   database (`source_pending`), and the model's last good price stays current.
4. History is not news: a source's first import, and dated changes older than
   the news horizon, are recorded as history (kept in the log, never alerted).

A model that drops out of a feed is not a price change: its last price stays
on record; only the source's list of models shrinks.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from bot.sources.base import Snapshot
from storage import (
    EventType,
    Price,
    PriceEvent,
    PriceStore,
    Quote,
    SourceOutcome,
    SourceState,
    format_money,
)
from storage.values import require_utc

log = logging.getLogger(__name__)

_CHANGES = frozenset({EventType.CUT, EventType.INCREASE, EventType.FREE, EventType.PAID_AGAIN})


@dataclass(frozen=True, slots=True)
class Guards:
    """The thresholds of the guards (settings: PRICEBOT_SOURCES_*)."""

    # Hold a snapshot back when more than this share of the source's models vanished …
    max_vanished_share: float = 0.3
    # … or changed price at once.
    max_changed_share: float = 0.3
    # A cut beyond this percent waits for a second poll, like a model going free.
    alarming_cut_percent: Decimal = Decimal(90)
    # Dated changes older than this, found now, are history rather than news.
    news_horizon: timedelta = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class IngestReport:
    """How one refresh of one source ended, with a one-line message for people."""

    source: str
    outcome: SourceOutcome
    message: str
    events: tuple[PriceEvent, ...] = ()
    models: int = 0
    pending: tuple[str, ...] = ()
    confirmed: tuple[str, ...] = ()

    @property
    def news(self) -> tuple[PriceEvent, ...]:
        """The events that subscribers will hear about (not history)."""
        return tuple(e for e in self.events if not e.history)

    def line(self) -> str:
        return f"{self.source}: {self.outcome.value}: {self.message}"


@dataclass
class _Usable:
    quotes: list[Quote]
    members: set[str]
    conflicting: list[str]
    unpriced: int


def _merge(group: list[Quote]) -> Quote | None:
    """Quotes of one model at one moment as one quote; None when they disagree.

    A catalog may give a model's tiers in separate entries; a feed may list a
    model twice. Different amounts for the same price, or different free
    offers, cannot both be right.
    """
    prices: dict[tuple[str, int], Price] = {}
    offers = {q.free_offer for q in group if q.free_offer is not None}
    if len(offers) > 1:
        return None
    for quote in group:
        for price in quote.prices:
            seen = prices.setdefault((price.kind.value, price.tier), price)
            if not seen.amount.same_as(price.amount):
                return None
    return replace(
        group[0],
        prices=tuple(prices.values()),
        free_offer=next(iter(offers), None),
        aliases=tuple(dict.fromkeys(a for q in group for a in q.aliases)),
    )


def _usable(quotes: Iterable[Quote], aliases: dict[str, str]) -> _Usable:
    """Quotes under their canonical ids, without priceless models or conflicting duplicates."""
    groups: defaultdict[tuple[str, datetime], list[Quote]] = defaultdict(list)
    unpriced: set[str] = set()
    for quote in quotes:
        target = aliases.get(quote.model_id)
        if target and target != quote.model_id:
            quote = replace(quote, model_id=target)
        offer = quote.free_offer
        if not quote.prices and (offer is None or not offer.active):
            unpriced.add(quote.model_id)
            continue
        groups[(quote.model_id, quote.effective_at)].append(quote)
    merged = {key: _merge(group) if len(group) > 1 else group[0] for key, group in groups.items()}
    conflicting = sorted({mid for (mid, _), quote in merged.items() if quote is None})
    kept = [q for (mid, _), q in merged.items() if q is not None and mid not in conflicting]
    members = {q.model_id for q in kept}
    return _Usable(kept, members, conflicting, len(unpriced - members - set(conflicting)))


def _describe(event: PriceEvent) -> str:
    what = event.kind.value if event.kind else "free offer"
    if event.old is not None and event.new is not None:
        change = f"{format_money(event.old)} → {format_money(event.new)}"
    else:
        change = "starts"
    label = f"cut {event.percent}%" if event.type is EventType.CUT else event.type.value
    return f"{event.model_id} {what} {change} ({label})"


def _alarming(
    events: Iterable[PriceEvent], guards: Guards, now: datetime
) -> dict[str, tuple[str, str]]:
    """Models whose news would be alarming if false: model → (fingerprint, description).

    The fingerprint is what a second poll must repeat: which price, its new
    amount, and its date when the feed dates it (not the time of the fetch).
    """
    found: defaultdict[str, list[PriceEvent]] = defaultdict(list)
    for event in events:
        if event.type is EventType.FREE or (
            event.type is EventType.CUT
            and event.percent is not None
            and event.percent > guards.alarming_cut_percent
        ):
            found[event.model_id].append(event)
    result = {}
    for model, listed in found.items():
        parts = sorted(
            f"{e.type.value}:{e.kind.value if e.kind else 'offer'}:{e.tier}:"
            f"{e.new.amount.normalize() if e.new else ''}:{e.new.currency if e.new else ''}:"
            f"{e.effective_at.isoformat() if e.effective_at != now else ''}"
            for e in listed
        )
        result[model] = ("|".join(parts), "; ".join(_describe(e) for e in listed))
    return result


def _restated(events: list[PriceEvent], now: datetime) -> set[str]:
    """Models whose change "now" only repeats a change the same feed dates earlier.

    A feed with history (genai-prices) may add a back-dated change after we
    recorded the older price as in force now; the price now then changes too.
    The dated change is the event (history or news by its date); the change
    now is a correction of what is current and must not alert a second time.
    """
    back_dated = {
        (e.model_id, e.kind, e.tier, e.new.amount if e.new else None)
        for e in events
        if e.effective_at < now and e.type in _CHANGES
    }
    return {
        e.model_id
        for e in events
        if not e.history
        and e.effective_at == now
        and (e.model_id, e.kind, e.tier, e.new.amount if e.new else None) in back_dated
    }


def _notes(snapshot: Snapshot, usable: _Usable, left: int) -> list[str]:
    notes = []
    if snapshot.unknown_prices:
        notes.append(f"{snapshot.unknown_prices} prices unknown (missing, negative, NaN or zero)")
    if snapshot.rejected:
        first = snapshot.rejected[0]
        more = f" and {len(snapshot.rejected) - 1} more" if len(snapshot.rejected) > 1 else ""
        notes.append(
            f"{len(snapshot.rejected)} entries refused ({first.entry}: {first.reason}{more})"
        )
    if usable.conflicting:
        shown = ", ".join(usable.conflicting[:3])
        notes.append(f"{len(usable.conflicting)} listed twice with different prices ({shown})")
    if left:
        notes.append(f"{left} models left the feed (their last prices stay on record)")
    return notes


def _hold(
    state: SourceState,
    name: str,
    snapshot: Snapshot,
    now: datetime,
    reason: str,
    models: int,
) -> IngestReport:
    message = f"held back: {reason}; the last good data stays current"
    log.warning("source %s: %s (from %s)", name, message, snapshot.location)
    state.record_held(
        name,
        now,
        reason=reason,
        model_count=models,
        body=snapshot.body,
        location=snapshot.location,
        message=message,
    )
    return IngestReport(name, SourceOutcome.HELD_BACK, message, models=models)


def ingest_rates(
    store: PriceStore, state: SourceState, snapshot: Snapshot, *, name: str, now: datetime
) -> IngestReport:
    """Record an exchange-rate snapshot: new dated rates are added, known ones skipped."""
    added = store.record_rates(snapshot.rates)
    latest = max(snapshot.rates, key=lambda r: (r.as_of, r.base == "USD"))
    cross = [r for r in snapshot.rates if (r.base, r.quote) == ("USD", "CNY")]
    shown = max(cross, key=lambda r: r.as_of) if cross else latest
    message = (
        f"{len(snapshot.rates)} rates ({added} new); latest {shown.as_of}: "
        f"1 {shown.base} = {shown.rate.normalize():f} {shown.quote}"
    )
    outcome = SourceOutcome.RECORDED if added else SourceOutcome.UNCHANGED
    state.record_success(
        name,
        now,
        outcome=outcome,
        message=message,
        members=(),
        etag=snapshot.validators.etag,
        last_modified=snapshot.validators.last_modified,
        location=snapshot.location,
    )
    log.info("source %s: %s", name, message)
    return IngestReport(name, outcome, message)


def ingest(
    store: PriceStore,
    state: SourceState,
    snapshot: Snapshot,
    *,
    name: str,
    now: datetime,
    guards: Guards,
    force: bool = False,
) -> IngestReport:
    """Pass a snapshot through the guards and record what survives; say what happened.

    `force` skips the vanished/changed share checks (a person vouches for a
    feed that really did change that much); nothing else.
    """
    now = require_utc(now, "now")
    if snapshot.rates and not snapshot.quotes:
        return ingest_rates(store, state, snapshot, name=name, now=now)
    if snapshot.rates:
        store.record_rates(snapshot.rates)
    # Models are tracked per recorded source: a catalog file imported by hand is a
    # source of its own, and its first import is history like any other.
    previous = state.members(snapshot.source)
    first = not previous
    usable = _usable(snapshot.quotes, store.aliases())
    if not usable.members:
        why = "; ".join(_notes(snapshot, usable, 0))
        reason = f"no usable prices among {snapshot.entries} entries" + (f" ({why})" if why else "")
        return _hold(state, name, snapshot, now, reason, 0)
    left = len(previous - usable.members)
    if not first and not force:
        share = left / len(previous)
        if share > guards.max_vanished_share:
            return _hold(
                state,
                name,
                snapshot,
                now,
                f"{left} of {len(previous)} models vanished at once "
                f"(more than {guards.max_vanished_share:.0%})",
                len(usable.members),
            )
    notes = _notes(snapshot, usable, left if not first else 0)
    if first:
        backfill = store.record(
            usable.quotes, source=snapshot.source, observed_at=now, history=True
        )
        message = (
            f"first import: {len(usable.members)} models, {len(backfill)} events kept as history"
        )
        return _accept(state, name, snapshot, now, usable, backfill, message, notes, {}, ())
    history_before = now - guards.news_horizon
    preview = store.preview(
        usable.quotes, source=snapshot.source, observed_at=now, history_before=history_before
    )
    restated = _restated(preview.events, now)
    news = [
        e
        for e in preview.events
        if not e.history and not (e.model_id in restated and e.effective_at == now)
    ]
    changed = {e.model_id for e in news if e.type in _CHANGES}
    if previous and not force and len(changed) / len(previous) > guards.max_changed_share:
        return _hold(
            state,
            name,
            snapshot,
            now,
            f"{len(changed)} of {len(previous)} models changed price at once "
            f"(more than {guards.max_changed_share:.0%})",
            len(usable.members),
        )
    alarming = _alarming(news, guards, now)
    waiting_before = state.pending(name)
    confirmed = tuple(
        sorted(
            m
            for m, (fingerprint, _) in alarming.items()
            if m in waiting_before and waiting_before[m].fingerprint == fingerprint
        )
    )
    waiting = {m: v for m, v in alarming.items() if m not in confirmed}
    events: list[PriceEvent] = []
    if preview.writes:
        kept = [q for q in usable.quotes if q.model_id not in waiting]
        events = store.record(
            [q for q in kept if not (q.model_id in restated and q.effective_at == now)],
            source=snapshot.source,
            observed_at=now,
            history_before=history_before,
        )
        # The price in force now, restating a change the feed dates in the past:
        # it corrects what is current and must not alert a second time.
        corrections = [q for q in kept if q.model_id in restated and q.effective_at == now]
        if corrections:
            events += store.record(
                corrections, source=snapshot.source, observed_at=now, history=True
            )
    if waiting:
        shown = "; ".join(description for _, description in list(waiting.values())[:3])
        notes.insert(0, f"{len(waiting)} alarming changes await a second poll ({shown})")
        log.warning("source %s: alarming changes await confirmation: %s", name, shown)
    if confirmed:
        notes.insert(0, f"confirmed by a second poll: {', '.join(confirmed)}")
    if events:
        fresh = sum(1 for e in events if not e.history)
        message = f"{len(usable.members)} models; {len(events)} events ({fresh} news)"
    else:
        message = f"{len(usable.members)} models; no changes"
    return _accept(state, name, snapshot, now, usable, events, message, notes, waiting, confirmed)


def _accept(
    state: SourceState,
    name: str,
    snapshot: Snapshot,
    now: datetime,
    usable: _Usable,
    events: list[PriceEvent],
    message: str,
    notes: list[str],
    waiting: dict[str, tuple[str, str]],
    confirmed: tuple[str, ...],
) -> IngestReport:
    full = "; ".join([message, *notes])
    outcome = SourceOutcome.RECORDED if events else SourceOutcome.UNCHANGED
    state.record_success(
        name,
        now,
        outcome=outcome,
        message=full,
        members=usable.members,
        members_of=snapshot.source,
        pending=waiting,
        etag=snapshot.validators.etag,
        last_modified=snapshot.validators.last_modified,
        location=snapshot.location,
    )
    log.info("source %s: %s", name, full)
    return IngestReport(
        name,
        outcome,
        full,
        events=tuple(events),
        models=len(usable.members),
        pending=tuple(sorted(waiting)),
        confirmed=confirmed,
    )
