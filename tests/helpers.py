"""Small builders the tests share. Real values only: nothing here fakes our own code."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from typing import Any

from bot.settings import Settings
from storage import FreeOffer, Money, Price, PriceKind, Quote


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def quote(
    model_id: str,
    *,
    when: datetime,
    input: str | None = None,
    output: str | None = None,
    currency: str = "USD",
    tier: int = 0,
    free_offer: FreeOffer | None = None,
    name: str | None = None,
    context: int | None = None,
    aliases: tuple[str, ...] = (),
) -> Quote:
    """A quote for `model_id` with input/output per 1M tokens."""
    prices = tuple(
        Price(kind, Money.of(amount, currency), tier)
        for kind, amount in ((PriceKind.INPUT, input), (PriceKind.OUTPUT, output))
        if amount is not None
    )
    vendor = model_id.split("/", 1)[0]
    return Quote(
        model_id=model_id,
        vendor=vendor,
        vendor_name=vendor.title(),
        display_name=name or model_id.split("/", 1)[1],
        effective_at=when,
        prices=prices,
        free_offer=free_offer,
        context_window=context,
        aliases=aliases,
    )


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_only_settings(database_url: str, **extra: Any) -> Settings:
    """`pricebot run` with no chat front-end and no polling: its HTTP server on loopback."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "console": "off",
        "poll_sources": False,
        "http_host": "127.0.0.1",
        "http_port": free_port(),
    }
    return Settings(_env_file=None, **{**values, **extra})  # type: ignore[call-arg]
