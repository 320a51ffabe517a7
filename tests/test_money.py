"""Money: exact parsing, per-1M normalisation, display."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage import Money, MoneyError, Unit, format_money
from storage.money import parse_amount, parse_currency, parse_unit


def test_per_1k_is_normalised_to_per_1m_exactly() -> None:
    assert Money.of("0.0005", "CNY", Unit.PER_1K) == Money(Decimal("0.5"), "CNY")
    assert Money.of("0.0008", "cny", Unit.PER_1K).amount == Decimal("0.8")


def test_per_token_float_text_is_exact() -> None:
    # LiteLLM's floats arrive as text via Decimal(str(x)); no binary noise creeps in.
    assert Money.of(str(9.499999999999999e-07), "USD", Unit.PER_TOKEN).amount == Decimal(
        "0.9499999999999999"
    )


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("0.875", "CNY", "¥0.875"),
        ("1", "CNY", "¥1.00"),
        ("1.1", "CNY", "¥1.10"),
        ("0.53", "USD", "$0.53"),
        ("0.0008", "CNY", "¥0.0008"),
        ("12345.5", "USD", "$12,345.50"),
    ],
)
def test_format_money(amount: str, currency: str, shown: str) -> None:
    assert format_money(Money(Decimal(amount), currency)) == shown


@pytest.mark.parametrize("bad", ["-1", "abc", "NaN", "inf", "", "1e"])
def test_bad_amounts_are_refused_with_a_reason(bad: str) -> None:
    with pytest.raises(MoneyError):
        parse_amount(bad)


def test_floats_are_refused() -> None:
    with pytest.raises(MoneyError, match="not a float"):
        parse_amount(0.5)  # type: ignore[arg-type]


def test_units_and_currencies() -> None:
    assert parse_unit("1k") is Unit.PER_1K
    assert parse_unit("1M") is Unit.PER_1M
    assert parse_currency(" usd ") == "USD"
    with pytest.raises(MoneyError, match="unknown unit"):
        parse_unit("1G")
    with pytest.raises(MoneyError, match="unknown currency"):
        parse_currency("BTC")


@given(st.decimals(min_value=0, max_value=10**6, places=6, allow_nan=False, allow_infinity=False))
def test_display_keeps_two_to_six_decimals(amount: Decimal) -> None:
    shown = format_money(Money(amount, "USD"))
    decimals = shown.split(".")[1]
    assert 2 <= len(decimals) <= 6
