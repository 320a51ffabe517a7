"""The price store on SQLite and PostgreSQL: history, idempotence, events, exactness."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage import EventType, FreeOffer, FxRate, Money, PriceKind, PriceStore
from tests.helpers import quote, utc

NOW = utc(2024, 6, 1)


def test_first_quote_is_a_new_model_and_stored(store: PriceStore) -> None:
    events = store.record(
        [quote("acme/a1", when=utc(2024, 5, 1), input="1", output="2", currency="CNY")],
        source="test",
        observed_at=NOW,
    )
    assert [(e.type, e.model_id, e.new) for e in events] == [
        (EventType.NEW_MODEL, "acme/a1", Money(Decimal(1), "CNY"))
    ]
    [model] = store.current(NOW)
    assert model.price(PriceKind.INPUT).amount == Money(Decimal(1), "CNY")  # type: ignore[union-attr]
    assert model.price(PriceKind.OUTPUT).amount == Money(Decimal(2), "CNY")  # type: ignore[union-attr]
    assert model.price(PriceKind.CACHED_INPUT) is None  # unknown, not free
    assert not model.is_free


def test_recording_twice_writes_nothing(store: PriceStore) -> None:
    quotes = [
        quote("acme/a1", when=utc(2024, 5, 1), input="5", output="5"),
        quote("acme/a1", when=utc(2024, 5, 13), input="1", output="1"),
    ]
    first = store.record(quotes, source="test", observed_at=NOW)
    assert [e.type for e in first] == [EventType.NEW_MODEL, EventType.CUT, EventType.CUT]
    assert store.record(quotes, source="test", observed_at=NOW) == []
    assert len(store.history("acme/a1")) == 4
    assert store.last_event_id() == first[-1].id


def test_cut_event_carries_old_new_and_percent(store: PriceStore) -> None:
    store.record([quote("acme/a1", when=utc(2024, 5, 1), input="20")], source="s", observed_at=NOW)
    [cut] = store.record(
        [quote("acme/a1", when=utc(2024, 5, 21), input="0.5")], source="s", observed_at=NOW
    )
    assert (cut.type, cut.kind, cut.old, cut.new, cut.percent) == (
        EventType.CUT,
        PriceKind.INPUT,
        Money(Decimal(20), "USD"),
        Money(Decimal("0.5"), "USD"),
        Decimal("97.5"),
    )
    assert cut.effective_at == utc(2024, 5, 21)
    assert not cut.history


def test_current_respects_as_of_and_future_dates(store: PriceStore) -> None:
    store.record(
        [
            quote("acme/a1", when=utc(2024, 5, 1), input="5"),
            quote("acme/a1", when=utc(2024, 5, 13), input="1"),
            quote("acme/a1", when=utc(2030, 1, 1), input="0.1"),  # scheduled, not current yet
        ],
        source="s",
        observed_at=NOW,
    )

    def input_at(when):  # type: ignore[no-untyped-def]
        [m] = store.current(when)
        return m.price(PriceKind.INPUT).amount.amount

    assert input_at(utc(2024, 5, 12)) == 5
    assert input_at(utc(2024, 5, 13)) == 1
    assert input_at(utc(2026, 1, 1)) == 1
    assert store.current(utc(2024, 4, 30)) == []


def test_zero_from_a_source_is_free_and_missing_is_unknown(store: PriceStore) -> None:
    store.record(
        [quote("acme/a1", when=utc(2024, 5, 1), input="4", output="8")], source="s", observed_at=NOW
    )
    events = store.record(
        [quote("acme/a1", when=utc(2024, 5, 21), input="0", output="0")],
        source="s",
        observed_at=NOW,
    )
    assert [(e.type, e.kind) for e in events] == [
        (EventType.FREE, PriceKind.INPUT),
        (EventType.FREE, PriceKind.OUTPUT),
    ]
    [m] = store.current(NOW)
    assert m.is_free
    # A later quote that leaves output out says nothing about it: no event, still free.
    assert (
        store.record(
            [quote("acme/a1", when=utc(2024, 5, 25), input="0")], source="s", observed_at=NOW
        )
        == []
    )


def test_free_offer_with_cap_and_end_date(store: PriceStore) -> None:
    offer = FreeOffer(until=utc(2024, 6, 30), cap_note="100 requests a day")
    store.record([quote("acme/a1", when=utc(2024, 5, 1), input="3")], source="s", observed_at=NOW)
    [event] = store.record(
        [quote("acme/a1", when=utc(2024, 5, 10), input="3", free_offer=offer)],
        source="s",
        observed_at=NOW,
    )
    assert (event.type, event.kind, event.free_until, event.cap_note) == (
        EventType.FREE,
        None,
        utc(2024, 6, 30),
        "100 requests a day",
    )
    [during] = store.current(utc(2024, 6, 1))
    assert during.is_free and during.free_offer == offer
    [after] = store.current(utc(2024, 7, 1))
    assert not after.is_free  # the offer ran out


def test_sources_are_compared_with_their_own_past(store: PriceStore) -> None:
    store.record(
        [quote("acme/a1", when=utc(2024, 5, 1), input="1.00")], source="feed-a", observed_at=NOW
    )
    # Another feed disagrees slightly: its first word is no change of price.
    assert (
        store.record(
            [quote("acme/a1", when=utc(2024, 5, 2), input="1.01")], source="feed-b", observed_at=NOW
        )
        == []
    )
    assert (
        store.record(
            [quote("acme/a1", when=utc(2024, 5, 1), input="1.00")], source="feed-a", observed_at=NOW
        )
        == []
    )


def test_aliases_do_not_become_two_models(store: PriceStore) -> None:
    store.record(
        [
            quote(
                "deepseek/deepseek-chat",
                when=utc(2024, 5, 1),
                input="1",
                aliases=("deepseek/chat",),
            )
        ],
        source="s",
        observed_at=NOW,
    )
    store.record(
        [quote("deepseek/chat", when=utc(2024, 5, 2), input="0.5")], source="s", observed_at=NOW
    )
    assert [m.model_id for m in store.models()] == ["deepseek/deepseek-chat"]
    assert store.resolve_model("DeepSeek/Chat") == "deepseek/deepseek-chat"
    assert store.resolve_model("deepseek-chat") == "deepseek/deepseek-chat"
    assert store.resolve_model("nope") is None


def test_history_flag_is_kept(store: PriceStore) -> None:
    store.record(
        [quote("acme/a1", when=utc(2024, 5, 1), input="2")],
        source="s",
        observed_at=NOW,
        history=True,
    )
    store.record(
        [quote("acme/a1", when=utc(2024, 5, 2), input="1")],
        source="s",
        observed_at=NOW,
        history=True,
    )
    assert [e.history for e in store.events_after(0)] == [True, True]


def test_events_after_cursor_in_id_order(store: PriceStore) -> None:
    for day, price in enumerate(["5", "4", "3", "2"], start=1):
        store.record(
            [quote("acme/a1", when=utc(2024, 5, day), input=price)], source="s", observed_at=NOW
        )
    all_events = store.events_after(0)
    assert [e.id for e in all_events] == sorted(e.id for e in all_events if e.id)
    cursor = all_events[1].id
    assert cursor is not None
    assert [e.id for e in store.events_after(cursor, limit=1)] == [all_events[2].id]


def test_conversion_names_its_rate(store: PriceStore) -> None:
    store.record_rates([FxRate("USD", "CNY", Decimal("7.2"), date(2024, 5, 1), "bundled")])
    assert (
        store.record_rates([FxRate("USD", "CNY", Decimal("7.2"), date(2024, 5, 1), "bundled")]) == 0
    )
    to_cny = store.convert(Money(Decimal(5), "USD"), "CNY", utc(2024, 5, 22))
    assert to_cny.money == Money(Decimal(36), "CNY")
    assert (to_cny.rate, to_cny.rate_date) == (Decimal("7.2"), date(2024, 5, 1))
    back = store.convert(Money(Decimal(36), "CNY"), "USD", utc(2024, 5, 22))
    assert back.money.amount.quantize(Decimal("0.0001")) == Decimal(5)


def test_naive_times_are_refused(store: PriceStore) -> None:
    from datetime import datetime

    with pytest.raises(ValueError, match="timezone-aware"):
        store.record([], source="s", observed_at=datetime(2024, 5, 1))


exact_amounts = st.decimals(
    min_value=Decimal("0.000000000001"),
    max_value=Decimal(999999),
    places=12,
    allow_nan=False,
    allow_infinity=False,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(amount=exact_amounts)
def test_decimals_survive_the_round_trip_exactly(store: PriceStore, amount: Decimal) -> None:
    store.record(
        [quote("acme/exact", when=utc(2024, 5, 1), input=str(amount))], source="s", observed_at=NOW
    )
    [m] = [m for m in store.current(NOW) if m.model_id == "acme/exact"]
    assert m.price(PriceKind.INPUT).amount.amount == amount  # type: ignore[union-attr]
    # Recording the same amount again is no change, however it is written.
    assert (
        store.record(
            [quote("acme/exact", when=utc(2024, 5, 1), input=format(amount, "f") + "000")],
            source="s",
            observed_at=NOW,
        )
        == []
    )


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(prices=st.lists(st.decimals(min_value=0, max_value=100, places=2), min_size=1, max_size=6))
def test_recording_is_idempotent(store: PriceStore, prices: list[Decimal]) -> None:
    model = f"acme/m{len(store.models())}"
    quotes = [quote(model, when=utc(2024, 5, i + 1), input=str(p)) for i, p in enumerate(prices)]
    store.record(quotes, source="s", observed_at=NOW)
    before = store.last_event_id()
    assert store.record(quotes, source="s", observed_at=NOW) == []
    assert store.last_event_id() == before


def test_two_writers_adding_the_same_new_model_both_succeed(store: PriceStore) -> None:
    """Two source jobs that meet the same new model at once: one new_model event, no error."""
    from concurrent.futures import ThreadPoolExecutor

    def record(source: str) -> list[EventType]:
        quotes = [
            quote(f"acme/m{i}", when=utc(2024, 5, 1), input="1", name=f"M{i}") for i in range(200)
        ]
        return [e.type for e in store.record(quotes, source=source, observed_at=NOW)]

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(record, ["feed-a", "feed-b"]))
    new_models = [t for events in results for t in events if t is EventType.NEW_MODEL]
    assert len(new_models) == 200
    assert len(store.models()) == 200
