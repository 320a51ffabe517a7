"""Small feed files the source tests write themselves, in each feed's real format.

A feed is described neutrally (model name → input/output USD per 1M tokens, as
text) and rendered as OpenRouter's models API, LiteLLM's price map or
genai-prices' JSON. Prices per token are written the way each feed writes
them: OpenRouter as decimal strings, LiteLLM as JSON floats.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

# name → (input, output) per 1M tokens, as text; None leaves a price out.
Prices = dict[str, tuple[str | None, str | None]]

MILLION = Decimal(1_000_000)


def ten_models() -> Prices:
    """acme/m0 … acme/m9 at 1/2, 2/4, … 10/20 USD per 1M tokens."""
    return {f"m{i}": (str(i + 1), str(2 * (i + 1))) for i in range(10)}


def per_token(per_million: str) -> str:
    """'3' (per 1M) → '0.000003' (per token), exactly."""
    return format(Decimal(per_million) / MILLION, "f")


def _float(per_million: str) -> float | str:
    """A JSON float per token, as LiteLLM writes it; 'nan' stays NaN."""
    if per_million.lower() == "nan":
        return float("nan")
    return float(Decimal(per_million) / MILLION)


def openrouter(prices: Prices, *, extra: list[dict[str, Any]] | None = None) -> bytes:
    data = []
    for name, (inp, out) in prices.items():
        pricing = {}
        if inp is not None:
            pricing["prompt"] = per_token(inp) if inp not in ("-1", "NaN") else inp
        if out is not None:
            pricing["completion"] = per_token(out) if out not in ("-1", "NaN") else out
        data.append(
            {
                "id": f"acme/{name}",
                "canonical_slug": f"acme/{name}-20260101",
                "name": f"Acme: {name.upper()}",
                "created": 1767225600,
                "context_length": 128000,
                "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
                "pricing": pricing,
            }
        )
    return json.dumps({"data": data + (extra or [])}).encode()


def litellm(prices: Prices, *, extra: dict[str, Any] | None = None) -> bytes:
    entries: dict[str, Any] = {
        "sample_spec": {"litellm_provider": "one of …", "mode": "one of: chat, embedding"}
    }
    for name, (inp, out) in prices.items():
        entry: dict[str, Any] = {
            "litellm_provider": "acme",
            "mode": "chat",
            "max_input_tokens": 128000,
        }
        if inp is not None:
            entry["input_cost_per_token"] = _float(inp)
        if out is not None:
            entry["output_cost_per_token"] = _float(out)
        entries[f"acme/{name}"] = entry
    entries.update(extra or {})
    return json.dumps(entries, allow_nan=True).encode()


def genai(prices: Prices, *, extra_models: list[dict[str, Any]] | None = None) -> bytes:
    models = []
    for name, (inp, out) in prices.items():
        price: dict[str, Any] = {}
        if inp is not None:
            price["input_mtok"] = float(inp)
        if out is not None:
            price["output_mtok"] = float(out)
        models.append(
            {"id": name, "match": {"equals": name}, "name": name.upper(), "prices": price}
        )
    provider = {
        "id": "acme",
        "name": "Acme AI",
        "api_pattern": "https://api\\.acme\\.example",
        "models": models + (extra_models or []),
    }
    return json.dumps([provider], allow_nan=True).encode()


@dataclass(frozen=True)
class Feed:
    """One feed format: its source name and how to write a body from neutral prices."""

    name: str
    render: Callable[[Prices], bytes]
    content_type: str = "application/json"
    # Whether a zero in this feed means free (else: unknown).
    zero_is_free: bool = True


FEEDS = {
    "openrouter": Feed("openrouter", openrouter),
    "litellm": Feed("litellm", litellm, zero_is_free=False),
    "genai-prices": Feed("genai-prices", genai),
}


def model_ids(feed: str, prices: Prices) -> set[str]:
    """The model ids pricebot gives the neutral names in `feed`."""
    prefix = "openrouter/acme/" if feed == "openrouter" else "acme/"
    return {prefix + name for name in prices}
