"""A feed that says again exactly what it said is known by its content key: nothing is
compared or written but its listings, which must still move on (offers stay confirmed,
missing ones count another snapshot). A changed feed, or one with a change awaiting
confirmation, is compared price by price as always. SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from bot.sources import Guards, Snapshot, ingest
from bot.sources.base import body_key
from bot.sources.openrouter import parse_openrouter
from storage import EventType, PriceStore, SourceOutcome, SourceState
from storage.source_listings import DelistRule
from tests import feeds
from tests.helpers import utc

T0 = utc(2026, 11, 1, 9)
DAY = timedelta(days=1)
GUARDS = Guards(delist=DelistRule(snapshots=3, after=timedelta(days=2)))


def fetched(body: bytes, now: datetime) -> Snapshot:
    """What a fetch of `body` hands to ingest (FeedSource.fetch): parsed, with its key."""
    snapshot = parse_openrouter(body, now, "test:openrouter")
    return replace(snapshot, body=body, content_key=body_key(body))


def run(store: PriceStore, snapshot: Snapshot, now: datetime):  # type: ignore[no-untyped-def]
    state = SourceState(store.engine)
    return ingest(store, state, snapshot, name=snapshot.source, now=now, guards=GUARDS)


def test_the_same_feed_again_writes_nothing_and_keeps_its_offers_listed(
    store: PriceStore,
) -> None:
    body = feeds.openrouter(feeds.ten_models())
    run(store, fetched(body, T0), T0)
    points = {m: len(store.history(m)) for m in ("openrouter/acme/m0", "openrouter/acme/m9")}
    later = T0 + 40 * DAY
    report = run(store, fetched(body, later), later)
    assert report.outcome is SourceOutcome.UNCHANGED
    assert report.events == () and report.models == 10
    assert report.message.startswith("10 models; no changes (the same feed as on 2026-11-01")
    assert {m: len(store.history(m)) for m in points} == points
    # Still listed as of now: what the feed lists stays confirmed by it.
    state = SourceState(store.engine)
    [listing] = state.listings("openrouter/acme/m3")
    assert listing.last_seen_at == later and listing.missed == 0
    status = state.status("openrouter")
    assert status is not None and status.last_success_at == later
    assert status.content_key == body_key(body)


def test_the_same_feed_without_an_offer_still_delists_it_in_time(store: PriceStore) -> None:
    run(store, fetched(feeds.openrouter(feeds.ten_models()), T0), T0)
    shorter = feeds.openrouter({k: v for k, v in feeds.ten_models().items() if k != "m5"})
    t1 = T0 + timedelta(hours=1)
    for when in (t1, t1 + DAY, t1 + 2 * DAY):  # the second and third: the same feed again
        report = run(store, fetched(shorter, when), when)
        assert report.events == ()
    assert "1 no longer listed, delisted: openrouter/acme/m5" in report.message
    [listing] = SourceState(store.engine).listings("openrouter/acme/m5")
    assert listing.delisted and listing.missed == 3


def test_a_changed_feed_is_compared_price_by_price(store: PriceStore) -> None:
    run(store, fetched(feeds.openrouter(feeds.ten_models()), T0), T0)
    cheaper = {**feeds.ten_models(), "m1": ("1.5", "4")}
    later = T0 + DAY
    report = run(store, fetched(feeds.openrouter(cheaper), later), later)
    cuts = [(e.type, e.model_id, e.percent) for e in report.events]
    assert cuts == [(EventType.CUT, "openrouter/acme/m1", 25)]


def test_a_change_awaiting_confirmation_is_confirmed_by_the_same_feed_again(
    store: PriceStore,
) -> None:
    run(store, fetched(feeds.openrouter(feeds.ten_models()), T0), T0)
    # A 95% cut is alarming: it waits for a second snapshot saying the same, later.
    slashed = feeds.openrouter({**feeds.ten_models(), "m2": ("0.15", "6")})
    first = run(store, fetched(slashed, T0 + DAY), T0 + DAY)
    assert first.events == () and first.pending == ("openrouter/acme/m2",)
    again = T0 + DAY + timedelta(minutes=20)
    second = run(store, fetched(slashed, again), again)
    assert second.confirmed == ("openrouter/acme/m2",)
    assert [(e.type, e.model_id) for e in second.events] == [(EventType.CUT, "openrouter/acme/m2")]


def test_sources_import_of_the_same_file_twice_says_so(store: PriceStore, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    path = tmp_path / "models.json"
    path.write_bytes(feeds.openrouter(feeds.ten_models()))
    env = {"PRICEBOT_DATABASE_URL": store.engine.url.render_as_string(hide_password=False)}
    runner = CliRunner()
    first = runner.invoke(app, ["sources", "import", "openrouter", str(path)], env=env)
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["sources", "import", "openrouter", str(path)], env=env)
    assert second.exit_code == 0, second.output
    assert "no changes (the same feed as on" in second.output
