"""genai-prices (pydantic's MIT-licensed price database): its bundled data, or its JSON feed.

Prices are exact decimals in USD per 1M tokens. A model's `prices` is one set,
or a list of sets with constraints: `start_date` (in force from that UTC day;
the latest active wins) or a time-of-day window (DeepSeek's off-peak hours).
pricebot records:

- every dated change at its date, so the history goes back as far as the
  feed's (changes dated in the future are recorded with their date and are not
  current until then);
- the price that precedes the first dated change at 1970-01-01 ("undated":
  genai-prices gives it no start);
- the price in force now, at the moment of the fetch;
- for a day with time-of-day windows, the price in force for most of the day
  (the list price, not the off-peak discount);
- tiers (`{base, tiers: [{start, price}]}`) as context tiers.

Price variants (batch, flex, priority, regions) and `:batch` models are not
the standard price and are left out. An empty price set means free *or* not
billed per token: unknown. OpenRouter's `:free` models are free offers of the
base model.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainValidator, TypeAdapter, ValidationError

from bot.sources.base import (
    PER_MILLION,
    AmountReader,
    FeedError,
    FeedNumber,
    FeedSource,
    Rejected,
    Snapshot,
    apply_free_variants,
    feed_number,
    first_error,
    read_json,
)
from bot.sources.identity import (
    FREE_VARIANT_CAP,
    model_id,
    split_variant,
    vendor_id,
    vendor_name,
)
from storage import FreeOffer, Money, Price, PriceKind, Quote

NAME = "genai-prices"
DEFAULT_URL = (
    "https://raw.githubusercontent.com/pydantic/genai-prices/refs/heads/main/prices/"
    "new_data/v2/data.json"
)
# A price that precedes a model's first dated change has no start in the feed.
UNDATED = datetime(1970, 1, 1, tzinfo=UTC)

_KINDS = {
    "input_mtok": PriceKind.INPUT,
    "output_mtok": PriceKind.OUTPUT,
    "cache_read_mtok": PriceKind.CACHED_INPUT,
    "cache_write_mtok": PriceKind.CACHE_WRITE,
}
# Half-hour samples at :15 and :45, clear of window edges, to find a day's main price.
_SAMPLES = [time(h, m) for h in range(24) for m in (15, 45)]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class GenaiTier(_Lenient):
    start: int
    price: FeedNumber


class GenaiTiered(_Lenient):
    base: FeedNumber
    tiers: list[GenaiTier] = []


def _value(raw: object) -> GenaiTiered | Decimal | None:
    if isinstance(raw, dict):
        return GenaiTiered.model_validate(raw)
    return feed_number(raw)


GenaiValue = Annotated[GenaiTiered | Decimal | None, PlainValidator(_value)]


class GenaiPriceSet(_Lenient):
    input_mtok: GenaiValue = None
    output_mtok: GenaiValue = None
    cache_read_mtok: GenaiValue = None
    cache_write_mtok: GenaiValue = None


class GenaiConstraint(_Lenient):
    start_date: date | None = None
    start_time: time | None = None
    end_time: time | None = None


class GenaiConditional(_Lenient):
    constraint: GenaiConstraint | None = None
    prices: GenaiPriceSet


class GenaiModel(_Lenient):
    id: str
    name: str | None = None
    context_window: int | None = None
    match: Any = None
    prices: GenaiPriceSet | list[GenaiConditional] = []


class GenaiProvider(_Lenient):
    """One provider of the feed; its models are validated one by one."""

    id: str
    name: str
    pricing_urls: list[str] | None = None
    models: list[dict[str, Any]] = []


_FEED = TypeAdapter(list[GenaiProvider])


def _utc_time(moment: time) -> time:
    if moment.tzinfo is None:
        return moment
    return datetime.combine(date(2000, 1, 1), moment).astimezone(UTC).time()


def _active(constraint: GenaiConstraint, instant: datetime) -> bool:
    if constraint.start_date is not None:
        return instant.date() >= constraint.start_date
    if constraint.start_time is not None and constraint.end_time is not None:
        now, start, end = (
            instant.time(),
            _utc_time(constraint.start_time),
            _utc_time(constraint.end_time),
        )
        if end < start:
            return now >= start or now < end
        return start <= now < end
    return True


def _in_force(entries: list[GenaiConditional], instant: datetime) -> GenaiPriceSet:
    """genai-prices' rule: the last entry whose constraint holds; the first if none does."""
    for entry in reversed(entries):
        if entry.constraint is None or _active(entry.constraint, instant):
            return entry.prices
    return entries[0].prices


def _on_day(entries: list[GenaiConditional], day: date, windows: bool) -> GenaiPriceSet:
    """The price in force on `day`; with time-of-day windows, the one in force longest."""
    if not windows:
        return _in_force(entries, datetime.combine(day, time(12), tzinfo=UTC))
    counts: Counter[int] = Counter()
    by_id: dict[int, GenaiPriceSet] = {}
    for moment in _SAMPLES:
        prices = _in_force(entries, datetime.combine(day, moment, tzinfo=UTC))
        by_id[id(prices)] = prices
        counts[id(prices)] += 1
    return by_id[counts.most_common(1)[0][0]]


def _equals(match: Any) -> Iterator[str]:
    """The exact names a model is matched by ({"equals": …} inside {"or": […]})."""
    if isinstance(match, dict):
        if isinstance(match.get("equals"), str):
            yield match["equals"]
        for clause in match.get("or") or []:
            yield from _equals(clause)


class _Reader:
    """One parse: turns validated providers into quotes, counting what it could not use."""

    def __init__(self, now: datetime, where: str) -> None:
        self.now = now
        self.where = where
        self.amounts = AmountReader(PER_MILLION, zero_is_free=True)
        self.rejected: list[Rejected] = []
        self.entries = 0

    def prices(self, raw: GenaiPriceSet) -> tuple[Price, ...]:
        found: list[Price] = []
        for field, kind in _KINDS.items():
            value = getattr(raw, field)
            if value is None:
                continue
            if isinstance(value, GenaiTiered):
                levels = [(0, value.base), *((t.start, t.price) for t in value.tiers)]
            else:
                levels = [(0, value)]
            for tier, amount in levels:
                read = self.amounts.read(amount)
                if read is not None:
                    found.append(Price(kind, Money(read, "USD"), max(0, tier)))
        return tuple(found)

    def provider(self, provider: GenaiProvider) -> list[Quote]:
        vendor = vendor_id(provider.id)
        seller = vendor_name(vendor, provider.name)
        ref = provider.pricing_urls[0] if provider.pricing_urls else f"genai-prices: {provider.id}"
        quotes: dict[str, list[Quote]] = {}
        templates: dict[str, Quote] = {}
        free: dict[str, FreeOffer] = {}
        conflicting: set[str] = set()
        for raw in provider.models:
            self.entries += 1
            try:
                model = GenaiModel.model_validate(raw)
            except ValidationError as exc:
                entry = f"{provider.id}/{raw.get('id', '?')}" if isinstance(raw, dict) else "?"
                self.rejected.append(Rejected(entry, first_error(exc)))
                continue
            base_name, variant = split_variant(model.id)
            if variant == "batch":
                continue
            name = base_name if variant == "free" else model.id
            mid = model_id(vendor, name)
            if mid is None:
                self.rejected.append(Rejected(f"{provider.id}/{model.id}", "not a usable id"))
                continue
            template = Quote(
                model_id=mid,
                vendor=vendor,
                vendor_name=seller,
                display_name=(model.name or name).removesuffix(" (free)"),
                effective_at=self.now,
                context_window=model.context_window,
                aliases=tuple(
                    alias
                    for alias in (model_id(vendor, e) for e in _equals(model.match))
                    if alias and alias != mid
                ),
                source_ref=ref,
            )
            if variant == "free":
                free[mid] = FreeOffer(active=True, cap_note=FREE_VARIANT_CAP)
                templates.setdefault(mid, template)
                continue
            timeline = list(self.timeline(model, template))
            if mid in quotes:
                # Listed twice: the same figures are one model; different ones cannot
                # both be right, so the model is skipped this time.
                if [q.prices for q in quotes[mid]] != [q.prices for q in timeline]:
                    conflicting.add(mid)
                continue
            if timeline:
                quotes[mid] = timeline
        for mid in sorted(conflicting):
            quotes.pop(mid, None)
            self.rejected.append(
                Rejected(mid, "listed twice with different prices; skipped this time")
            )
        if free:
            apply_free_variants(quotes, free, template=templates, now=self.now)
        return [q for listed in quotes.values() for q in listed]

    def timeline(self, model: GenaiModel, template: Quote) -> Iterator[Quote]:
        """The model's dated quotes: before its first change, each change, and now."""
        if isinstance(model.prices, GenaiPriceSet):
            entries = [GenaiConditional(prices=model.prices)]
        else:
            entries = list(model.prices)
        if not entries:
            return
        windows = any(
            e.constraint is not None and e.constraint.start_time is not None for e in entries
        )
        days = sorted(
            {e.constraint.start_date for e in entries if e.constraint and e.constraint.start_date}
        )
        dated: list[tuple[datetime, GenaiPriceSet]] = []
        if days:
            dated.append((UNDATED, _on_day(entries, days[0] - timedelta(days=1), windows)))
            dated += [
                (datetime.combine(d, time(0), tzinfo=UTC), _on_day(entries, d, windows))
                for d in days
            ]
        dated.append((self.now, _on_day(entries, self.now.date(), windows)))
        mode = _mode(model, entries)
        for effective, raw in sorted(dated, key=lambda pair: pair[0]):
            prices = self.prices(raw)
            if prices:
                yield Quote(
                    model_id=template.model_id,
                    vendor=template.vendor,
                    vendor_name=template.vendor_name,
                    display_name=template.display_name,
                    effective_at=effective,
                    prices=prices,
                    context_window=template.context_window,
                    aliases=template.aliases,
                    mode=mode,
                    source_ref=template.source_ref,
                )

    def snapshot(self, providers: Iterable[GenaiProvider]) -> Snapshot:
        quotes = [q for provider in providers for q in self.provider(provider)]
        return Snapshot(
            source=NAME,
            location=self.where,
            quotes=tuple(quotes),
            entries=self.entries,
            rejected=tuple(self.rejected),
            unknown_prices=self.amounts.unknown,
        )


def _mode(model: GenaiModel, entries: list[GenaiConditional]) -> str:
    """genai-prices has no mode: a model with an output price is a chat model."""
    if any(e.prices.output_mtok is not None for e in entries):
        return "chat"
    if "embed" in model.id.lower():
        return "embedding"
    return "other"


def parse_genai_prices(body: bytes, now: datetime, where: str) -> Snapshot:
    """Read genai-prices' published JSON (a list of providers) into a Snapshot."""
    raw = read_json(body, where, "genai-prices JSON")
    try:
        providers = _FEED.validate_python(raw)
    except ValidationError as exc:
        raise FeedError(
            f"{where}: not genai-prices data (a list of providers): {first_error(exc)}"
        ) from None
    return _Reader(now, where).snapshot(providers)


def _bundled_value(value: Any) -> Any:
    base = getattr(value, "base", None)
    if base is not None and hasattr(value, "tiers"):
        return {"base": base, "tiers": [{"start": t.start, "price": t.price} for t in value.tiers]}
    return value


def _bundled_prices(prices: Any) -> dict[str, Any]:
    return {
        field: _bundled_value(value)
        for field in _KINDS
        if (value := getattr(prices, field, None)) is not None
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


def read_bundled(now: datetime) -> Snapshot:
    """The data bundled with the installed genai-prices package, through its public `data`."""
    from genai_prices.data import providers

    raw = [
        {
            "id": p.id,
            "name": p.name,
            "pricing_urls": p.pricing_urls,
            "models": [_bundled_model(m) for m in p.models],
        }
        for p in providers
    ]
    where = f"bundled:genai-prices {bundled_version()}"
    return _Reader(now, where).snapshot(_FEED.validate_python(raw))


def source(url: str | None = None) -> FeedSource:
    """genai-prices from its JSON at `url` (or a file), or its bundled data when None."""
    return FeedSource(
        name=NAME,
        description="genai-prices: ~2,300 models with dated price history (USD per 1M)",
        parse=parse_genai_prices,
        url=url,
        bundled=read_bundled,
    )


__all__ = ["DEFAULT_URL", "NAME", "UNDATED", "parse_genai_prices", "read_bundled", "source"]
