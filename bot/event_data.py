"""Price events and price points as plain JSON-ready values (`--json`, MCP, feeds).

Amounts are exact decimal strings with their currency, never floats; times ISO 8601 UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from storage.money import Money, decimal_text
from storage.values import PriceEvent, PriceKind, PricePoint


def event_data(e: PriceEvent, launch: Mapping[PriceKind, Money] | None = None) -> dict[str, Any]:
    """One event: what changed, from what to what, since when, on whose word; a new
    model's with the prices it came with (`launch`, `PriceStore.prices_at`)."""
    found: dict[str, Any] = {
        "id": e.id,
        "type": e.type.value,
        "model": e.model_id,
        "kind": e.kind.value if e.kind else None,
        "tier": e.tier,
        "old": None
        if e.old is None
        else {"amount": exact(e.old.amount), "currency": e.old.currency},
        "new": None
        if e.new is None
        else {"amount": exact(e.new.amount), "currency": e.new.currency},
        "percent": None if e.percent is None else exact(e.percent),
        "effective": e.effective_at.isoformat(),
        "date_basis": e.date_basis.value,
        "not_before": e.not_before.isoformat() if e.not_before else None,
        "free_until": e.free_until.isoformat() if e.free_until else None,
        "cap": e.cap_note,
        "source": e.source,
        "history": e.history,
    }
    if launch:
        found["prices"] = {
            kind.value: {"amount": exact(money.amount), "currency": money.currency}
            for kind, money in launch.items()
        }
    return found


def point_data(p: PricePoint) -> dict[str, Any]:
    """One recorded price: per 1M tokens of `kind`, in force from `effective`."""
    return {
        "kind": p.kind.value,
        "tier": p.tier,
        "amount": exact(p.amount.amount),
        "currency": p.amount.currency,
        "per": "1M tokens",
        "effective": p.effective_at.isoformat(),
        "date_basis": p.date_basis.value,
        "source": p.source,
        "source_ref": p.source_ref,
    }


def exact(amount: Decimal) -> str:
    """The exact value without trailing zeros or exponent: 0.5000 → '0.5', 20 → '20'
    (a converted amount, a quotient with 28 digits, to 6 significant digits)."""
    return decimal_text(amount)
