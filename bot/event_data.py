"""Price events and price points as plain JSON-ready values (`--json`, MCP, feeds).

Amounts are exact decimal strings with their currency, never floats; times ISO 8601 UTC.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from storage.values import PriceEvent, PricePoint


def event_data(e: PriceEvent) -> dict[str, Any]:
    """One event: what changed, from what to what, since when, on whose word."""
    return {
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
    """The exact value without trailing zeros or exponent: 0.5000 → '0.5', 20 → '20'."""
    return format(amount.normalize(), "f")
