"""The European Central Bank's euro reference rates (daily XML), from a URL or a file.

`<Cube time="YYYY-MM-DD"><Cube currency="USD" rate="1.08"/>…</Cube>`: rates
per 1 EUR, published on working days about 16:00 CET. pricebot keeps EUR→USD,
EUR→CNY and the USD→CNY cross rate (CNY rate / USD rate, to 6 decimals), each
dated and named for its source. The 90-day and full-history files work too:
every day in them becomes a dated rate. The bundled catalog's rates stay the
offline default: 7.2 CNY per USD (May 2024) and this file's rates of 2024-06-28
(1 EUR = 1.0705 USD, 7.7748 CNY), so EUR works without a network.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.sources.base import FeedError, FeedSource, Rejected, Snapshot, to_decimal
from storage import FxRate

NAME = "ecb"
DEFAULT_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
RATE_SOURCE = "ECB euro reference rate"
CROSS_SOURCE = "ECB euro reference rates, USD/CNY cross"
_CURRENCIES = ("USD", "CNY")
_SIX = Decimal("0.000001")


class EcbDay(BaseModel):
    """One day of the file: rates per 1 EUR for the currencies pricebot uses."""

    model_config = ConfigDict(frozen=True)

    time: date
    rates: dict[str, Decimal] = Field(default_factory=dict)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_ecb(body: bytes, now: datetime, where: str) -> Snapshot:
    """Read the ECB's reference-rate XML into dated FX rates."""
    if not body.strip():
        raise FeedError(f"{where}: empty body, expected the ECB's reference-rate XML")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise FeedError(f"{where}: not valid XML: {exc}") from None
    days: list[EcbDay] = []
    rejected: list[Rejected] = []
    for cube in root.iter():
        if _local(cube.tag) != "Cube" or "time" not in cube.attrib:
            continue
        rates: dict[str, Decimal] = {}
        for child in cube:
            currency = child.attrib.get("currency", "").upper()
            if currency not in _CURRENCIES:
                continue
            rate = to_decimal(child.attrib.get("rate"))
            if rate is None or not rate.is_finite() or rate <= 0:
                rejected.append(Rejected(f"{cube.attrib['time']} {currency}", "not a rate"))
                continue
            rates[currency] = rate
        try:
            days.append(EcbDay.model_validate({"time": cube.attrib["time"], "rates": rates}))
        except ValidationError:
            rejected.append(Rejected(cube.attrib["time"], "not a date"))
    if not days:
        raise FeedError(f"{where}: no <Cube time=…> with rates: not the ECB's reference-rate XML")
    found: list[FxRate] = []
    for day in days:
        for currency, rate in day.rates.items():
            found.append(FxRate("EUR", currency, rate, day.time, RATE_SOURCE))
        if "USD" in day.rates and "CNY" in day.rates:
            cross = (day.rates["CNY"] / day.rates["USD"]).quantize(_SIX)
            found.append(FxRate("USD", "CNY", cross, day.time, CROSS_SOURCE))
    return Snapshot(
        source=NAME,
        location=where,
        rates=tuple(found),
        entries=len(days),
        rejected=tuple(rejected),
    )


def source(url: str) -> FeedSource:
    """The ECB's reference rates at `url` (or a file)."""
    return FeedSource(
        name=NAME,
        description="ECB euro reference rates: dated EUR/USD/CNY exchange rates",
        parse=parse_ecb,
        url=url,
    )
