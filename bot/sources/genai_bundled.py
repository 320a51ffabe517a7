"""genai-prices' bundled data as plain data: the same shape as its published JSON.

The package ships its prices as Python objects (`genai_prices.data.providers`);
pricebot reads them through that public name and turns them into the JSON
feed's dicts, so one pydantic model (`genai_prices.GenaiProvider`) validates
both. Only the fields pricebot reads are carried over.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any


def _bundled_value(value: Any) -> Any:
    base = getattr(value, "base", None)
    if base is not None and hasattr(value, "tiers"):
        return {"base": base, "tiers": [{"start": t.start, "price": t.price} for t in value.tiers]}
    return value


def _bundled_prices(prices: Any) -> dict[str, Any]:
    # Every field, not only token prices: one priced in audio hours is not "empty".
    return {
        field: _bundled_value(value)
        for field, value in vars(prices).items()
        if value is not None and not field.startswith("_")
    }


def _bundled_match(clause: Any) -> Any:
    if hasattr(clause, "equals"):
        return {"equals": clause.equals}
    if hasattr(clause, "or_"):
        return {"or": [_bundled_match(c) for c in clause.or_]}
    return None


def _bundled_constraint(constraint: Any) -> dict[str, Any] | None:
    if constraint is None:
        return None
    if hasattr(constraint, "start_date"):
        return {"start_date": constraint.start_date}
    return {"start_time": constraint.start_time, "end_time": constraint.end_time}


def _bundled_model(model: Any) -> dict[str, Any]:
    prices = model.prices
    return {
        "id": model.id,
        "name": model.name,
        "context_window": model.context_window,
        "match": _bundled_match(model.match),
        "prices": [
            {"constraint": _bundled_constraint(c.constraint), "prices": _bundled_prices(c.prices)}
            for c in prices
        ]
        if isinstance(prices, list)
        else _bundled_prices(prices),
    }


def bundled_version() -> str:
    try:
        return package_version("genai-prices")
    except PackageNotFoundError:  # pragma: no cover - it is a dependency
        return "unknown"


def bundled_providers() -> list[dict[str, Any]]:
    """The installed package's providers, as the published JSON would list them."""
    from genai_prices.data import providers

    return [
        {
            "id": p.id,
            "name": p.name,
            "pricing_urls": p.pricing_urls,
            "models": [_bundled_model(m) for m in p.models],
        }
        for p in providers
    ]
