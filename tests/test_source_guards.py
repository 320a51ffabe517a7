"""The guards for what is new, on SQLite and PostgreSQL: a suspect new offer and cuts that
add up wait for confirmation like an alarming change; a delay, a second source or an
operator's --force confirms; only the suspect entries of a snapshot wait."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from bot.sources import Guards, Snapshot, ingest
from bot.sources.genai_prices import parse_genai_prices
from bot.sources.litellm import parse_litellm
from bot.sources.openrouter import parse_openrouter
from storage import EventType, PriceKind, PriceStore, SourceOutcome, SourceState
from tests import feeds
from tests.helpers import utc

T0 = utc(2026, 11, 1, 9)
GUARDS = Guards()  # confirmed 15 minutes after first seen; cuts add up over 7 days
SOON = timedelta(minutes=5)
LATER = timedelta(minutes=20)


def openrouter(prices: feeds.Prices, now: datetime) -> Snapshot:
    return parse_openrouter(feeds.openrouter(prices), now, "test:openrouter")


def run(store: PriceStore, snapshot: Snapshot, now: datetime, **kwargs: object):  # type: ignore[no-untyped-def]
    return ingest(
        store,
        SourceState(store.engine),
        snapshot,
        name=snapshot.source,
        now=now,
        guards=kwargs.pop("guards", GUARDS),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


def current(store: PriceStore, when: datetime) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    def amount(model, kind):  # type: ignore[no-untyped-def]
        price = model.price(kind)
        return price.amount.amount if price else None

    return {
        m.model_id: (amount(m, PriceKind.INPUT), amount(m, PriceKind.OUTPUT))
        for m in store.current(when)
    }


def with_new(**new: tuple[str, str]) -> feeds.Prices:
    return feeds.ten_models() | new


def test_a_new_model_at_a_placeholder_price_waits_and_the_rest_is_recorded(
    store: PriceStore,
) -> None:
    run(store, openrouter(feeds.ten_models(), T0), T0)
    t1 = T0 + timedelta(hours=1)
    snapshot = with_new(placeholder=("0.001", "0.0005"), fresh=("3", "6")) | {"m4": ("4", "10")}
    report = run(store, openrouter(snapshot, t1), t1)
    # The ordinary new model and the ordinary cut are news now; the placeholder waits.
    assert sorted((e.type, e.model_id) for e in report.news) == [
        (EventType.CUT, "openrouter/acme/m4"),
        (EventType.NEW_MODEL, "openrouter/acme/fresh"),
    ]
    assert report.pending == ("openrouter/acme/placeholder",)
    assert "1 alarming changes await a second poll (new offer openrouter/acme/placeholder" in (
        report.message
    )
    assert "a placeholder price: input and output both at or under $0.001 per 1M" in report.message
    assert "openrouter/acme/placeholder" not in current(store, t1)
    state = SourceState(store.engine)
    assert "openrouter/acme/placeholder" not in state.listings_of("openrouter")

    # Said again too soon: still waiting, and the wait keeps its start.
    again = run(store, openrouter(snapshot, t1 + SOON), t1 + SOON)
    assert again.pending == ("openrouter/acme/placeholder",) and again.news == ()
    assert state.pending("openrouter")["openrouter/acme/placeholder"].first_seen_at == t1

    confirmed = run(store, openrouter(snapshot, t1 + LATER), t1 + LATER)
    assert confirmed.confirmed == ("openrouter/acme/placeholder",)
    assert "confirmed: openrouter/acme/placeholder (said again since 2026-11-01 10:00 UTC)" in (
        confirmed.message
    )
    assert [(e.type, e.model_id, e.history) for e in confirmed.news] == [
        (EventType.NEW_MODEL, "openrouter/acme/placeholder", False)
    ]
    assert current(store, t1 + LATER)["openrouter/acme/placeholder"] == (
        Decimal("0.001"),
        Decimal("0.0005"),
    )
    assert state.pending("openrouter") == {}


def test_a_new_model_priced_free_waits(store: PriceStore) -> None:
    run(store, openrouter(feeds.ten_models(), T0), T0)
    t1 = T0 + timedelta(hours=1)
    report = run(store, openrouter(with_new(gift=("0", "0")), t1), t1)
    assert report.news == () and report.pending == ("openrouter/acme/gift",)
    assert "openrouter/acme/gift at $0.00 input / $0.00 output per 1M (free)" in report.message
    # The feed drops it before it is confirmed: nothing was ever said about it.
    gone = run(store, openrouter(feeds.ten_models(), t1 + LATER), t1 + LATER)
    assert gone.news == () and gone.pending == ()
    assert store.resolve_model("openrouter/acme/gift") is None


def test_a_new_model_far_below_its_peers_waits_one_in_line_does_not(store: PriceStore) -> None:
    run(store, openrouter(feeds.ten_models(), T0), T0)
    t1 = T0 + timedelta(hours=1)
    # The medians of the snapshot's chat offers: input $4.50, output $9 per 1M.
    report = run(store, openrouter(with_new(cheap=("0.01", "0.02"), lean=("0.05", "0.1")), t1), t1)
    assert report.pending == ("openrouter/acme/cheap",)
    assert "under 1/100 of the median of the source's chat offers" in report.message
    assert [e.model_id for e in report.news] == ["openrouter/acme/lean"]


def test_a_second_import_right_away_does_not_confirm(store: PriceStore) -> None:
    run(store, openrouter(feeds.ten_models(), T0), T0)
    t1 = T0 + timedelta(hours=1)
    glitch = feeds.ten_models() | {"m9": ("0.1", "20")}  # 10 → 0.1: a 99% cut
    assert run(store, openrouter(glitch, t1), t1).pending == ("openrouter/acme/m9",)
    twice = run(store, openrouter(glitch, t1 + timedelta(seconds=3)), t1 + timedelta(seconds=3))
    assert twice.confirmed == () and twice.events == ()
    assert current(store, t1)["openrouter/acme/m9"][0] == Decimal(10)


def test_force_confirms_at_once_and_says_who_forced_it(store: PriceStore) -> None:
    run(store, openrouter(feeds.ten_models(), T0), T0)
    t1 = T0 + timedelta(hours=1)
    glitch = with_new(promo=("0", "0")) | {"m9": ("0.1", "20")}
    via = "pricebot sources import --force"
    report = run(store, openrouter(glitch, t1), t1, force=True, forced_by=via)
    assert report.forced == ("openrouter/acme/m9", "openrouter/acme/promo")
    assert (
        "forced by operator via `pricebot sources import --force`: "
        "openrouter/acme/m9, openrouter/acme/promo"
    ) in report.message
    assert sorted((e.type.value, e.model_id) for e in report.news) == [
        ("cut", "openrouter/acme/m9"),
        ("new_model", "openrouter/acme/promo"),
    ]
    [cut] = [p for p in store.history("openrouter/acme/m9") if p.effective_at == t1]
    assert cut.source_ref is not None
    assert cut.source_ref.startswith("forced by operator via `pricebot sources import --force`")
    unchanged = [p for p in store.history("openrouter/acme/m9") if p.kind is PriceKind.OUTPUT]
    assert all(p.source_ref is None or "forced" not in p.source_ref for p in unchanged)


def test_cuts_that_add_up_past_the_threshold_wait_like_one_big_cut(store: PriceStore) -> None:
    hundred = feeds.ten_models() | {"m9": ("100", "200")}
    run(store, openrouter(hundred, T0), T0)
    t1 = T0 + timedelta(days=1)
    first_cut = run(store, openrouter(hundred | {"m9": ("15", "200")}, t1), t1)
    assert [(e.type, e.percent) for e in first_cut.news] == [(EventType.CUT, Decimal(85))]
    t2 = T0 + timedelta(days=2)
    second = hundred | {"m9": ("2.25", "200")}
    waiting = run(store, openrouter(second, t2), t2)
    assert waiting.news == () and waiting.pending == ("openrouter/acme/m9",)
    assert (
        "openrouter/acme/m9 input $100.00 → $2.25 within 7 days (cut 97.75% in all; this cut 85%)"
        in waiting.message
    )
    assert current(store, t2)["openrouter/acme/m9"][0] == Decimal(15)
    confirmed = run(store, openrouter(second, t2 + LATER), t2 + LATER)
    assert [(e.type, e.percent, e.history) for e in confirmed.news] == [
        (EventType.CUT, Decimal(85), False)
    ]


def test_cuts_further_apart_than_the_window_do_not_add_up(store: PriceStore) -> None:
    hundred = feeds.ten_models() | {"m9": ("100", "200")}
    run(store, openrouter(hundred, T0), T0)
    t1 = T0 + timedelta(days=1)
    run(store, openrouter(hundred | {"m9": ("15", "200")}, t1), t1)
    t2 = t1 + timedelta(days=8)
    report = run(store, openrouter(hundred | {"m9": ("2.25", "200")}, t2), t2)
    assert report.pending == () and [e.percent for e in report.news] == [Decimal(85)]


def _genai(prices: feeds.Prices, now: datetime) -> Snapshot:
    return parse_genai_prices(feeds.genai(prices), now, "test:genai")


def _litellm(prices: feeds.Prices, now: datetime) -> Snapshot:
    return parse_litellm(feeds.litellm(prices), now, "test:litellm")


def test_a_second_source_saying_the_same_confirms_at_once(store: PriceStore) -> None:
    run(store, _genai(feeds.ten_models(), T0), T0)
    run(store, _litellm(feeds.ten_models(), T0), T0)
    glitch = feeds.ten_models() | {"m9": ("0.1", "20")}
    t1 = T0 + timedelta(hours=1)
    assert run(store, _genai(glitch, t1), t1).pending == ("acme/m9",)
    confirmed = run(store, _genai(glitch, t1 + LATER), t1 + LATER)
    assert confirmed.confirmed == ("acme/m9",)
    # LiteLLM then says the same: genai-prices' current price already agrees.
    t2 = t1 + LATER + timedelta(minutes=1)
    agreed = run(store, _litellm(glitch, t2), t2)
    assert agreed.confirmed == ("acme/m9",) and agreed.pending == ()
    assert "confirmed: acme/m9 (genai-prices agrees)" in agreed.message
    assert {p.source for p in store.history("acme/m9") if p.effective_at == t2} == {"litellm"}


def test_a_different_price_from_a_second_source_is_no_confirmation(store: PriceStore) -> None:
    run(store, _genai(feeds.ten_models(), T0), T0)
    run(store, _litellm(feeds.ten_models(), T0), T0)
    t1 = T0 + timedelta(hours=1)
    run(store, _genai(feeds.ten_models() | {"m9": ("0.1", "20")}, t1), t1)
    run(store, _genai(feeds.ten_models() | {"m9": ("0.1", "20")}, t1 + LATER), t1 + LATER)
    t2 = t1 + LATER + timedelta(minutes=1)
    report = run(store, _litellm(feeds.ten_models() | {"m9": ("0.2", "20")}, t2), t2)
    assert report.pending == ("acme/m9",) and report.confirmed == ()


def test_the_first_import_is_history_even_with_free_and_placeholder_models(
    store: PriceStore,
) -> None:
    report = run(store, openrouter(with_new(gift=("0", "0"), tiny=("0.001", "0.001")), T0), T0)
    assert report.pending == () and report.news == ()
    assert "openrouter/acme/gift" in current(store, T0)


def test_skipped_and_rejected_entries_are_counted_and_named(store: PriceStore) -> None:
    from bot.sources.base import Rejected

    snapshot = replace(
        openrouter(feeds.ten_models(), T0),
        skipped=(
            Rejected("openrouter/auto", "a router, not a model"),
            Rejected("~acme/m-latest", "a pointer to another model"),
        ),
        rejected=(Rejected("acme/broken", "pricing: not an object"),),
    )
    report = run(store, snapshot, T0)
    assert "2 entries left out (openrouter/auto: a router, not a model and 1 more)" in (
        report.message
    )
    assert "1 entries refused (acme/broken: pricing: not an object)" in report.message
    state = SourceState(store.engine)
    status = state.status("openrouter")
    assert status is not None and (status.skipped_count, status.rejected_count) == (2, 1)
    left = state.left_out("openrouter")
    assert left.skipped == (
        ("openrouter/auto", "a router, not a model"),
        ("~acme/m-latest", "a pointer to another model"),
    )
    assert left.rejected == (("acme/broken", "pricing: not an object"),)
    run(store, openrouter(feeds.ten_models(), T0 + LATER), T0 + LATER)
    assert state.left_out("openrouter").skipped == ()


def test_a_suspect_snapshot_is_still_held_back_whole(store: PriceStore) -> None:
    run(store, openrouter(feeds.ten_models(), T0), T0)
    t1 = T0 + timedelta(hours=1)
    few = dict(list(feeds.ten_models().items())[:5]) | {"gift": ("0", "0")}
    report = run(store, openrouter(few, t1), t1)
    assert report.outcome is SourceOutcome.HELD_BACK and report.pending == ()
