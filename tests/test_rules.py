"""The event rules, over every pair of prices."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from storage import EventType, FreeOffer, Money
from storage.rules import free_offer_change, price_change

amounts = st.decimals(min_value=0, max_value=1000, places=4, allow_nan=False, allow_infinity=False)


@given(amounts, amounts)
def test_event_type_and_percent_for_any_two_prices(old: Decimal, new: Decimal) -> None:
    result = price_change(Money(old, "CNY"), Money(new, "CNY"))
    if old == new:
        assert result is None
        return
    assert result is not None
    kind, percent = result
    if new == 0:
        assert (kind, percent) == (EventType.FREE, 100)
    elif old == 0:
        assert (kind, percent) == (EventType.PAID_AGAIN, 100)
    else:
        assert kind is (EventType.CUT if new < old else EventType.INCREASE)
        exact = abs(new - old) / old * 100
        assert abs(percent - exact) <= Decimal("0.005")
        assert percent > 0


def test_unknown_old_price_is_no_event() -> None:
    assert price_change(None, Money(Decimal(1), "USD")) is None


def test_price_war_percentages() -> None:
    assert price_change(Money(Decimal(20), "CNY"), Money(Decimal("0.5"), "CNY")) == (
        EventType.CUT,
        Decimal("97.5"),
    )
    assert price_change(Money(Decimal(10), "CNY"), Money(Decimal("4.5"), "CNY")) == (
        EventType.CUT,
        Decimal("55"),
    )


def test_free_offer_transitions() -> None:
    assert free_offer_change(None, FreeOffer()) is EventType.FREE
    assert free_offer_change(FreeOffer(), FreeOffer(active=False)) is EventType.PAID_AGAIN
    assert free_offer_change(FreeOffer(), FreeOffer(cap_note="capped")) is None


def test_a_tiny_change_never_reads_zero_percent() -> None:
    assert price_change(Money(Decimal("2.0001"), "CNY"), Money(Decimal("2.0000"), "CNY")) == (
        EventType.CUT,
        Decimal("0.005"),
    )
