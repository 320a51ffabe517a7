"""Money: a Decimal amount in a currency, per-1M normalisation, and display.

Money is never a float. Amounts are parsed from text or Decimal, normalised to
"per 1M tokens" on the way in, and formatted with Babel on the way out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from babel.numbers import format_currency

# Currencies the store accepts. ISO 4217 codes; extend here, nowhere else.
CURRENCIES: frozenset[str] = frozenset({"CNY", "USD", "EUR"})

# The largest amount per 1M tokens the store takes; anything above is a unit error.
MAX_AMOUNT = Decimal("1000000")

# Babel renders a currency's symbol per locale; these give ¥ for CNY and $ for USD.
_DISPLAY_LOCALE = {"CNY": "zh_CN", "USD": "en_US", "EUR": "en_IE"}


class Unit(StrEnum):
    """What a quoted amount is per: 1M tokens, 1K tokens, or one token."""

    PER_1M = "1M"
    PER_1K = "1K"
    PER_TOKEN = "token"


_UNIT_FACTOR = {Unit.PER_1M: Decimal(1), Unit.PER_1K: Decimal(1000), Unit.PER_TOKEN: Decimal(10**6)}


class MoneyError(ValueError):
    """An amount, currency or unit that cannot be money."""


def parse_unit(text: str) -> Unit:
    """Read a unit such as '1M', '1k', 'token'."""
    cleaned = text.strip().upper().replace("TOKENS", "").replace("PER", "").strip()
    for unit in Unit:
        if cleaned == unit.value.upper():
            return unit
    raise MoneyError(f"unknown unit {text!r}: use 1M, 1K or token")


def parse_currency(text: str) -> str:
    """Read an ISO 4217 code the store accepts, case-insensitively."""
    code = text.strip().upper()
    if code not in CURRENCIES:
        known = ", ".join(sorted(CURRENCIES))
        raise MoneyError(f"unknown currency {text!r}: use one of {known}")
    return code


def parse_amount(value: str | int | Decimal) -> Decimal:
    """Read a non-negative, finite amount exactly; floats are refused."""
    if isinstance(value, bool | float):
        raise MoneyError(f"amount {value!r} must be written as text or Decimal, not a float")
    try:
        amount = (
            Decimal(value.strip().replace(",", "")) if isinstance(value, str) else Decimal(value)
        )
    except (InvalidOperation, ValueError):
        raise MoneyError(f"amount {value!r} is not a number") from None
    if not amount.is_finite():
        raise MoneyError(f"amount {value!r} is not a finite number")
    if amount < 0:
        raise MoneyError(f"amount {value!r} is negative")
    return amount


def per_million(amount: Decimal, unit: Unit) -> Decimal:
    """Normalise an amount quoted per `unit` to per 1M tokens, exactly."""
    return amount * _UNIT_FACTOR[unit]


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency (for prices: per 1M tokens)."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise MoneyError(f"amount {self.amount!r} must be a finite Decimal")
        if self.currency not in CURRENCIES:
            raise MoneyError(f"unknown currency {self.currency!r}")

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str, unit: Unit = Unit.PER_1M) -> Money:
        """Parse an amount quoted per `unit` and normalise it to per 1M tokens."""
        return cls(per_million(parse_amount(amount), unit), parse_currency(currency))

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    def same_as(self, other: Money | None) -> bool:
        """Equal in amount and currency (0.50 and 0.5 are the same)."""
        return other is not None and other.currency == self.currency and other.amount == self.amount

    def __str__(self) -> str:
        return format_money(self)


# More significant digits than any published price has: a quotient (an amount converted
# with an inverse rate, 0.4 CNY × (1 / 7.2 CNY/USD)) carries Decimal's 28.
_EXACT_DIGITS = 15
_QUOTIENT_DIGITS = 6


def decimal_text(amount: Decimal) -> str:
    """An amount for machines, exact and short: "0.28", not "0.2800000" nor "2.8E-1";
    a quotient with Decimal's 28 digits ("0.05555555555555555555555555556") rounded to
    6 significant digits ("0.0555556"). Never through float."""
    if not amount.is_finite():
        return str(amount)
    if not amount:
        return "0"
    digits = amount.normalize().as_tuple().digits
    if len(digits) > _EXACT_DIGITS:
        places = _QUOTIENT_DIGITS - amount.adjusted() - 1
        amount = amount.quantize(Decimal(1).scaleb(-places))
    return format(amount.normalize(), "f")


def json_text(value: object) -> str:
    """`json.dumps`'s default: a value JSON has no type for as text, a Decimal exact and
    short (`decimal_text`), anything else (a datetime) as str()."""
    if isinstance(value, Decimal):
        return decimal_text(value)
    return str(value)


def display_amount(amount: Decimal) -> Decimal:
    """At least 2 decimals, at most 6, and no trailing zeros beyond the second."""
    rounded = amount.quantize(Decimal("0.000001"))
    text = format(rounded.normalize(), "f")
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    if len(frac) < 2:
        frac = frac.ljust(2, "0")
    return Decimal(f"{whole}.{frac}")


def format_money(money: Money) -> str:
    """Render money for people: ¥0.875, ¥1.10, $5.00, ¥0.0008."""
    amount = display_amount(money.amount)
    locale = _DISPLAY_LOCALE.get(money.currency, "en_US")
    return format_currency(amount, money.currency, locale=locale, decimal_quantization=False)
