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
3. Suspect entries wait for confirmation (`bot.sources.guards`): an alarming
   change (going free, a deep cut), cuts that add up past the threshold, and a
   new offer that is free, at a placeholder price or far below its peers. Only
   they wait; the rest of the snapshot is recorded. One is confirmed by a later
   snapshot saying the same at least `Guards.confirm_after` later, by another
   source whose current price already says the same, or by an operator's
   `--force` (named in the price points' `source_ref`). Until then it waits in
   the database (`source_pending`) and the last good price stays current.
4. History is not news: a source's first import, and dated changes older than
   the news horizon, are recorded as history (kept in the log, never alerted).
5. An offer that drops out of a feed is not a price change: it is missing, then
   delisted (`storage.source_listings`), and listed again if it comes back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from bot.sources.base import Snapshot
from bot.sources.guards import (
    Guards,
    Suspect,
    ToUsd,
    agreeing_source,
    alarming_changes,
    cumulative_cuts,
    suspect_new_offers,
)
from bot.sources.usable import CHANGES, Usable, restated, usable_quotes
from storage import (
    EventType,
    Money,
    NoRateError,
    PriceEvent,
    PricePoint,
    PriceStore,
    Quote,
    SourceOutcome,
    SourceState,
    SourceStatus,
    convert,
)
from storage.source_listings import Listing, ListingPlan, plan_listings
from storage.values import require_utc

log = logging.getLogger(__name__)

__all__ = ["Guards", "IngestReport", "forced_note", "ingest", "ingest_rates", "listing_notes"]


def forced_note(command: str) -> str:
    """What a forced change says about itself (price points' `source_ref`, the report)."""
    return f"forced by operator via `{command}`"


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
    forced: tuple[str, ...] = ()

    @property
    def news(self) -> tuple[PriceEvent, ...]:
        """The events that subscribers will hear about (not history)."""
        return tuple(e for e in self.events if not e.history)

    def line(self) -> str:
        return f"{self.source}: {self.outcome.value}: {self.message}"


def _named(entries: list[str] | tuple[str, ...], limit: int = 3) -> str:
    shown = ", ".join(entries[:limit])
    return shown + (f" and {len(entries) - limit} more" if len(entries) > limit else "")


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _notes(snapshot: Snapshot, usable: Usable) -> list[str]:
    notes = []
    if snapshot.unknown_prices:
        notes.append(f"{snapshot.unknown_prices} prices unknown (missing, negative, NaN or zero)")
    for what, entries in (("left out", snapshot.skipped), ("refused", snapshot.rejected)):
        if entries:
            first = entries[0]
            more = f" and {len(entries) - 1} more" if len(entries) > 1 else ""
            notes.append(f"{len(entries)} entries {what} ({first.entry}: {first.reason}{more})")
    if usable.conflicting:
        notes.append(
            f"{len(usable.conflicting)} listed twice with different prices "
            f"({_named(usable.conflicting)})"
        )
    return notes


def listing_notes(plan: ListingPlan, guards: Guards) -> list[str]:
    """What an accepted snapshot (or a 304) changed in the listings, for the status line."""
    notes = []
    if plan.relisted:
        shown = [f"{m} (delisted since {_day(at)})" for m, at in plan.relisted.items()]
        notes.append(f"{len(shown)} listed again: {_named(shown)}")
    if plan.delisted:
        shown = [f"{m} since {_day(at)}" for m, at in plan.delisted.items()]
        notes.append(f"{len(shown)} no longer listed, delisted: {_named(shown)}")
    waiting = [m for m in plan.missing if m not in plan.delisted]
    if waiting:
        shown = [f"{m} since {_day(plan.missing[m][1])}" for m in waiting]
        notes.append(
            f"{len(shown)} models missing from the feed, their last prices stay current "
            f"({_named(shown)}; {guards.delist.describe()})"
        )
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
        etag=snapshot.validators.etag,
        last_modified=snapshot.validators.last_modified,
        location=snapshot.location,
        rejected=[(r.entry, r.reason) for r in snapshot.rejected],
    )
    log.info("source %s: %s", name, message)
    return IngestReport(name, outcome, message)


@dataclass
class _Decision:
    """Which suspects are confirmed now (and why), which wait."""

    confirmed: dict[str, str]
    forced: list[str]
    waiting: dict[str, Suspect]


def _decide(
    store: PriceStore,
    state: SourceState,
    suspects: dict[str, Suspect],
    *,
    name: str,
    source: str,
    now: datetime,
    guards: Guards,
    force: bool,
) -> _Decision:
    """Confirmed: said again after the delay, another source agrees, or an operator forced it."""
    before = state.pending(name)
    decision = _Decision({}, [], {})
    for model, suspect in sorted(suspects.items()):
        seen = before.get(model)
        if (
            seen is not None
            and seen.fingerprint == suspect.fingerprint
            and now - seen.first_seen_at >= guards.confirm_after
        ):
            decision.confirmed[model] = f"said again since {_day(seen.first_seen_at)}"
            continue
        gone = [listing.source for listing in state.listings(model) if listing.delisted]
        other = agreeing_source(suspect, store.history(model), source=source, now=now, ignore=gone)
        if other is not None:
            decision.confirmed[model] = f"{other} agrees"
        elif force:
            decision.forced.append(model)
        else:
            decision.waiting[model] = suspect
    return decision


def _own_points(
    store: PriceStore, models: Iterable[str], source: str
) -> dict[str, list[PricePoint]]:
    return {m: [p for p in store.history(m) if p.source == source] for m in models}


def _to_usd(store: PriceStore, now: datetime) -> ToUsd:
    """Amounts in USD with the store's rate in force at `now`; None without a rate."""
    rates = store.rates()

    def to_usd(money: Money) -> Decimal | None:
        try:
            return convert(money, "USD", rates, now.date()).money.amount
        except NoRateError:
            return None

    return to_usd


def ingest(
    store: PriceStore,
    state: SourceState,
    snapshot: Snapshot,
    *,
    name: str,
    now: datetime,
    guards: Guards,
    force: bool = False,
    forced_by: str = "pricebot sources refresh --force",
) -> IngestReport:
    """Pass a snapshot through the guards and record what survives; say what happened.

    `force` (a person vouches for the feed) skips the vanished/changed share
    checks and confirms suspect entries at once; their price points name
    `forced_by` in `source_ref`.
    """
    now = require_utc(now, "now")
    if snapshot.rates and not snapshot.quotes:
        return ingest_rates(store, state, snapshot, name=name, now=now)
    if snapshot.rates:
        store.record_rates(snapshot.rates)
    # Offers are tracked per recorded source: a catalog file imported by hand is a
    # source of its own, and its first import is history like any other.
    listings = state.listings_of(snapshot.source)
    previous = {m for m, listing in listings.items() if listing.in_last_snapshot}
    first = not listings
    if not first and not force:
        same = _same_feed(state, name, snapshot)
        if same is not None:
            return _accept_same(
                state, snapshot, now, same, name=name, listings=listings, guards=guards
            )
    usable = usable_quotes(snapshot.quotes, store.aliases())
    if not usable.members:
        why = "; ".join(_notes(snapshot, usable))
        reason = f"no usable prices among {snapshot.entries} entries" + (f" ({why})" if why else "")
        return _hold(state, name, snapshot, now, reason, 0)
    left = len(previous - usable.members - set(usable.conflicting))
    if previous and not force and left / len(previous) > guards.max_vanished_share:
        return _hold(
            state,
            name,
            snapshot,
            now,
            f"{left} of {len(previous)} models vanished at once "
            f"(more than {guards.max_vanished_share:.0%})",
            len(usable.members),
        )
    notes = _notes(snapshot, usable)
    if first:
        backfill = store.record(
            usable.quotes, source=snapshot.source, observed_at=now, history=True
        )
        message = (
            f"first import: {len(usable.members)} models, {len(backfill)} events kept as history"
        )
        return _accept(
            state,
            snapshot,
            now,
            usable,
            backfill,
            message,
            notes,
            _Decision({}, [], {}),
            name=name,
            listings=listings,
            guards=guards,
        )
    history_before = now - guards.news_horizon
    preview = store.preview(
        usable.quotes, source=snapshot.source, observed_at=now, history_before=history_before
    )
    restating = restated(preview.events, now)
    news = [
        e
        for e in preview.events
        if not e.history and not (e.model_id in restating and e.effective_at == now)
    ]
    changed = {e.model_id for e in news if e.type in CHANGES}
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
    suspects = alarming_changes(news, guards, now)
    cuts = [e for e in news if e.type is EventType.CUT and e.model_id not in suspects]
    own = _own_points(store, {e.model_id for e in cuts}, snapshot.source)
    suspects |= cumulative_cuts(cuts, own, guards, now)
    fresh = usable.members - set(listings)
    suspects |= suspect_new_offers(
        usable.quotes, fresh, guards, now=now, to_usd=_to_usd(store, now)
    )
    decision = _decide(
        store,
        state,
        suspects,
        name=name,
        source=snapshot.source,
        now=now,
        guards=guards,
        force=force,
    )
    events: list[PriceEvent] = []
    kept = [
        _forced(q, forced_by) if q.model_id in decision.forced else q
        for q in usable.quotes
        if q.model_id not in decision.waiting
    ]
    if preview.writes:
        events = store.record(
            [q for q in kept if not (q.model_id in restating and q.effective_at == now)],
            source=snapshot.source,
            observed_at=now,
            history_before=history_before,
        )
        # The price in force now, restating a change the feed dates in the past:
        # it corrects what is current and must not alert a second time.
        corrections = [q for q in kept if q.model_id in restating and q.effective_at == now]
        if corrections:
            events += store.record(
                corrections, source=snapshot.source, observed_at=now, history=True
            )
    notes[:0] = _decision_notes(decision, forced_by)
    if decision.waiting:
        shown = "; ".join(s.description for s in list(decision.waiting.values())[:3])
        log.warning("source %s: suspect entries await confirmation: %s", name, shown)
    if events:
        fresh_news = sum(1 for e in events if not e.history)
        counted = f"{len(events)} event" + ("" if len(events) == 1 else "s")
        message = f"{len(usable.members)} models; {counted} ({fresh_news} news)"
    else:
        message = f"{len(usable.members)} models; no changes"
    return _accept(
        state,
        snapshot,
        now,
        usable,
        events,
        message,
        notes,
        decision,
        name=name,
        listings=listings,
        guards=guards,
    )


def _forced(quote: Quote, forced_by: str) -> Quote:
    note = forced_note(forced_by)
    return replace(quote, source_ref=f"{note}; {quote.source_ref}" if quote.source_ref else note)


def _decision_notes(decision: _Decision, forced_by: str) -> list[str]:
    notes = []
    if decision.waiting:
        more = len(decision.waiting) - 3
        shown = "; ".join(s.description for s in list(decision.waiting.values())[:3])
        notes.append(
            f"{len(decision.waiting)} alarming changes await a second poll ({shown}"
            + (f"; and {more} more" if more > 0 else "")
            + ")"
        )
    if decision.confirmed:
        shown = ", ".join(f"{m} ({why})" for m, why in decision.confirmed.items())
        notes.append(f"confirmed: {shown}")
    if decision.forced:
        notes.append(f"{forced_note(forced_by)}: {', '.join(decision.forced)}")
    return notes


def _same_feed(state: SourceState, name: str, snapshot: Snapshot) -> SourceStatus | None:
    """The source's status when this snapshot says exactly what the last accepted one
    said and nothing awaits confirmation; else None (compare it price by price)."""
    if snapshot.content_key is None:
        return None
    status = state.status(name)
    if status is None or status.content_key != snapshot.content_key or status.pending:
        return None
    return status


def _accept_same(
    state: SourceState,
    snapshot: Snapshot,
    now: datetime,
    status: SourceStatus,
    *,
    name: str,
    listings: dict[str, Listing],
    guards: Guards,
) -> IngestReport:
    """The feed has not changed: no price can have, so none is read or compared. Its
    offers are still listed as of now (free offers stay confirmed; an offer missing
    from it misses one more snapshot)."""
    plan = plan_listings(
        listings,
        {model for model, listing in listings.items() if listing.in_last_snapshot},
        source=snapshot.source,
        seen_at=require_utc(snapshot.described_at, "described_at")
        if snapshot.described_at
        else now,
        now=now,
        rule=guards.delist,
    )
    since = _day(status.last_success_at) if status.last_success_at else "before"
    message = f"{status.model_count} models; no changes (the same feed as on {since})"
    full = "; ".join([message, *listing_notes(plan, guards)])
    state.record_success(
        name,
        now,
        outcome=SourceOutcome.UNCHANGED,
        message=full,
        listings=plan,
        model_count=status.model_count,
        pending={},
        etag=snapshot.validators.etag,
        last_modified=snapshot.validators.last_modified,
        location=snapshot.location,
        skipped=[(r.entry, r.reason) for r in snapshot.skipped],
        rejected=[(r.entry, r.reason) for r in snapshot.rejected],
        content_key=snapshot.content_key,
    )
    log.info("source %s: %s", name, full)
    return IngestReport(name, SourceOutcome.UNCHANGED, full, models=status.model_count)


def _accept(
    state: SourceState,
    snapshot: Snapshot,
    now: datetime,
    usable: Usable,
    events: list[PriceEvent],
    message: str,
    notes: list[str],
    decision: _Decision,
    *,
    name: str,
    listings: dict[str, Listing],
    guards: Guards,
) -> IngestReport:
    # A new offer still waiting is not listed yet: it has no price on record.
    waiting_new = {m for m in decision.waiting if m not in listings}
    plan = plan_listings(
        listings,
        (usable.members | set(usable.conflicting)) - waiting_new,
        source=snapshot.source,
        seen_at=require_utc(snapshot.described_at, "described_at")
        if snapshot.described_at
        else now,
        now=now,
        rule=guards.delist,
    )
    full = "; ".join([message, *notes, *listing_notes(plan, guards)])
    outcome = SourceOutcome.RECORDED if events else SourceOutcome.UNCHANGED
    state.record_success(
        name,
        now,
        outcome=outcome,
        message=full,
        listings=plan,
        model_count=len(usable.members),
        pending={m: (s.fingerprint, s.description) for m, s in decision.waiting.items()},
        etag=snapshot.validators.etag,
        last_modified=snapshot.validators.last_modified,
        location=snapshot.location,
        skipped=[(r.entry, r.reason) for r in snapshot.skipped],
        rejected=[(r.entry, r.reason) for r in snapshot.rejected],
        content_key=snapshot.content_key,
    )
    log.info("source %s: %s", name, full)
    return IngestReport(
        name,
        outcome,
        full,
        events=tuple(events),
        models=len(usable.members),
        pending=tuple(sorted(decision.waiting)),
        confirmed=tuple(sorted(decision.confirmed)),
        forced=tuple(decision.forced),
    )


def record_catalog(
    store: PriceStore,
    state: SourceState,
    snapshot: Snapshot,
    *,
    name: str,
    now: datetime,
) -> IngestReport:
    """Record a catalog a person loaded (`pricebot catalog load`, or the bundled one on a
    fresh store): all of it, as history (kept, never alerted), without the guards, since
    a person vouches for it. Its offers are listed as of the catalog's checked date, so a
    free offer in it counts as confirmed up to that day, not to the day it was loaded.
    """
    now = require_utc(now, "now")
    if snapshot.rates:
        store.record_rates(snapshot.rates)
    events = store.record(snapshot.quotes, source=snapshot.source, observed_at=now, history=True)
    members = {q.model_id for q in snapshot.quotes}
    plan = plan_listings(
        state.listings_of(snapshot.source),
        members,
        source=snapshot.source,
        seen_at=require_utc(snapshot.described_at, "described_at")
        if snapshot.described_at
        else now,
        now=now,
        rule=Guards().delist,
    )
    message = f"loaded {len(snapshot.quotes)} dated quotes, {len(events)} new events (history)"
    outcome = SourceOutcome.RECORDED if events else SourceOutcome.UNCHANGED
    state.record_success(
        name,
        now,
        outcome=outcome,
        message=message,
        listings=plan,
        location=snapshot.location,
    )
    log.info("source %s: %s", name, message)
    return IngestReport(name, outcome, message, events=tuple(events), models=len(members))
