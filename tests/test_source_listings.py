"""Which offers each source lists, on SQLite and PostgreSQL: an offer missing from a feed
stays current for a while, is delisted once absent from N snapshots and for N days, and
is listed again when it comes back. None of it is a price change."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.sources import Guards, Snapshot, ingest
from bot.sources.genai_prices import parse_genai_prices
from bot.sources.openrouter import parse_openrouter
from storage import PriceStore, SourceOutcome, SourceState
from storage.source_listings import DelistRule, Listing, plan_listings
from tests import feeds
from tests.helpers import utc

T0 = utc(2026, 11, 1, 9)
DAY = timedelta(days=1)
GUARDS = Guards(delist=DelistRule(snapshots=3, after=timedelta(days=2)))


def openrouter(prices: feeds.Prices, now: datetime) -> Snapshot:
    return parse_openrouter(feeds.openrouter(prices), now, "test:openrouter")


def run(store: PriceStore, snapshot: Snapshot, now: datetime):  # type: ignore[no-untyped-def]
    return ingest(
        store, SourceState(store.engine), snapshot, name=snapshot.source, now=now, guards=GUARDS
    )


def without(name: str) -> feeds.Prices:
    return {k: v for k, v in feeds.ten_models().items() if k != name}


def test_plan_counts_snapshots_and_days_before_delisting() -> None:
    rule = DelistRule(snapshots=2, after=timedelta(days=1))
    listed = {
        "a/x": Listing("s", "a/x", T0, T0),
        "a/y": Listing("s", "a/y", T0, T0),
        "a/z": Listing("s", "a/z", T0, T0, missing_since=T0, missed=5, delisted_at=T0),
    }
    one = plan_listings(listed, ["a/x", "a/new"], source="s", seen_at=T0, now=T0, rule=rule)
    assert (one.added, dict(one.missing), dict(one.delisted)) == (("a/new",), {"a/y": (1, T0)}, {})
    missing = {**listed, "a/y": replace(listed["a/y"], missed=1, missing_since=T0)}
    # A second snapshot without it, but within the day: still only missing.
    soon = plan_listings(
        missing,
        ["a/x"],
        source="s",
        seen_at=T0 + timedelta(hours=1),
        now=T0 + timedelta(hours=1),
        rule=rule,
    )
    assert dict(soon.missing) == {"a/y": (2, T0)} and dict(soon.delisted) == {}
    later = plan_listings(missing, ["a/x"], source="s", seen_at=T0 + DAY, now=T0 + DAY, rule=rule)
    assert dict(later.delisted) == {"a/y": T0}  # dated from when it went missing
    back = plan_listings(listed, ["a/x", "a/y", "a/z"], source="s", seen_at=T0, now=T0, rule=rule)
    assert dict(back.relisted) == {"a/z": T0} and dict(back.missing) == {}


def test_an_offer_missing_long_enough_is_delisted_and_listed_again_when_back(
    store: PriceStore,
) -> None:
    state = SourceState(store.engine)
    run(store, openrouter(feeds.ten_models(), T0), T0)
    gone = "openrouter/acme/m5"
    t1 = T0 + timedelta(hours=1)
    for when in (t1, t1 + DAY):
        report = run(store, openrouter(without("m5"), when), when)
        assert report.events == ()
        assert f"{gone} since 2026-11-01 10:00 UTC" in report.message
        assert "delisted once absent from 3 snapshots and for 2 days" in report.message
    assert gone not in state.members("openrouter")
    [listing] = state.listings(gone)
    assert (listing.missed, listing.missing_since, listing.delisted_at) == (2, t1, None)

    t3 = t1 + 2 * DAY
    third = run(store, openrouter(without("m5"), t3), t3)
    assert third.events == ()
    assert f"1 no longer listed, delisted: {gone} since 2026-11-01 10:00 UTC" in third.message
    [listing] = state.listings(gone)
    assert (listing.source, listing.delisted_at, listing.last_seen_at) == ("openrouter", t1, T0)
    assert listing.first_seen_at == T0 and listing.delisted
    assert len(store.history(gone)) == 2  # its prices stay on record; nothing was written
    status = state.status("openrouter")
    assert status is not None and status.model_count == 9

    t4 = t3 + DAY
    back = run(store, openrouter(feeds.ten_models(), t4), t4)
    assert back.events == ()
    assert f"1 listed again: {gone} (delisted since 2026-11-01 10:00 UTC)" in back.message
    [listing] = state.listings(gone)
    assert (listing.delisted_at, listing.missing_since, listing.missed, listing.last_seen_at) == (
        None,
        None,
        0,
        t4,
    )
    assert gone in state.members("openrouter")


def test_missing_from_many_snapshots_within_the_days_is_not_delisted(store: PriceStore) -> None:
    run(store, openrouter(feeds.ten_models(), T0), T0)
    for minutes in range(1, 6):
        when = T0 + timedelta(minutes=minutes)
        report = run(store, openrouter(without("m5"), when), when)
    assert "no longer listed" not in report.message
    [listing] = SourceState(store.engine).listings("openrouter/acme/m5")
    assert listing.missed == 5 and not listing.delisted


def test_listings_name_every_source_of_an_offer(store: PriceStore) -> None:
    state = SourceState(store.engine)
    run(store, parse_genai_prices(feeds.genai(feeds.ten_models()), T0, "g"), T0)
    state.record_success(
        "litellm",
        T0 + DAY,
        outcome=SourceOutcome.RECORDED,
        message="",
        members=["acme/m1", "acme/m2"],
    )
    listed = state.listings("acme/m1")
    assert [(x.source, x.last_seen_at) for x in listed] == [
        ("genai-prices", T0),
        ("litellm", T0 + DAY),
    ]
    assert state.recorded_sources("genai-prices") == ["genai-prices"]


def test_a_catalog_is_last_seen_at_the_date_it_describes(store: PriceStore) -> None:
    snapshot = replace(openrouter(feeds.ten_models(), T0), described_at=utc(2024, 5, 20))
    run(store, snapshot, T0)
    [listing] = SourceState(store.engine).listings("openrouter/acme/m1")
    assert listing.last_seen_at == utc(2024, 5, 20)
