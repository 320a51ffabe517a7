"""genai-prices (pydantic's MIT-licensed price database): its bundled data, or its JSON feed.

Prices are exact decimals in USD per 1M tokens. A model's `prices` is one set,
or a list of sets with constraints: `start_date` (in force from that UTC day;
the latest active wins) or a time-of-day window (DeepSeek's off-peak hours).
Every date pricebot records says where it comes from (`DateBasis`):

- a dated change is EFFECTIVE at its start date (changes dated in the future
  are recorded with their date and are not current until then);
- the price in force at the fetch is OBSERVED then; for a model with a single
  price set that is all that is known (nothing before it), and for one with
  dated changes it keeps the store right when an earlier fetch saw an older
  price after a change the feed dates in the past;
- the price that precedes a model's first dated change has no start in the
  feed: if that change is still in the future it is the price in force now
  (only OBSERVED at the fetch), else it is INFERRED, dated by the model's own
  dated snapshot name (`o3-2025-04-16` → 2025-04-16) when that is earlier (by
  at most a year: feeds carry typos), else the day before the change. Nothing is
  dated 1970.

For a day with time-of-day windows, the price in force for most of the day
counts (the list price, not the off-peak discount). Tiers (`{base, tiers:
[{start, price}]}`) are context tiers; a dated set that no longer has a tier
is quoted as it is, so the store sees the surcharge end.

Every key goes through `bot.sources.identity`: offers (`vertex/claude-opus-4-6`
for Google's Vertex resale) and the model they sell. Left out, and named in
`Snapshot.skipped`: pointers (`~…-latest`), `:batch` variants, entries priced
in other units (audio hours, pages), and entries with an empty price set (free
*or* not billed per token: unknown, whatever the id says: a `:free` entry is a
free offer of its base model only when its prices are explicitly zero).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
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
from bot.sources.genai_bundled import bundled_providers, bundled_version
from bot.sources.identity import (
    FREE_VARIANT_CAP,
    Identity,
    identify,
    snapshot_date,
    spelling_of,
    split_variant,
)
from bot.sources.identity import vendor_name as seller_name
from storage import DateBasis, FreeOffer, Money, Price, PriceKind, Quote

# A dated snapshot name more than this before the first price change is not trusted as
# the start of the price before it: feeds carry typos (OpenRouter's
# nemotron-3-super-120b-a12b-20230311 for a 2026 model, first changed 2026-10-19).
_SNAPSHOT_TRUSTED = timedelta(days=366)
NAME = "genai-prices"
DEFAULT_URL = (
    "https://raw.githubusercontent.com/pydantic/genai-prices/refs/heads/main/prices/"
    "new_data/v2/data.json"
)

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


class GenaiPriceSet(BaseModel):
    """One set of prices; fields other than the token prices (audio hours, pages) are kept."""

    model_config = ConfigDict(extra="allow", frozen=True)

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


def _entries(model: GenaiModel) -> list[GenaiConditional]:
    if isinstance(model.prices, GenaiPriceSet):
        return [GenaiConditional(prices=model.prices)]
    return list(model.prices)


def _token_prices(entry: GenaiConditional) -> list[Decimal | None]:
    found: list[Decimal | None] = []
    for field in _KINDS:
        value = getattr(entry.prices, field)
        if isinstance(value, GenaiTiered):
            found += [value.base, *(t.price for t in value.tiers)]
        elif value is not None:
            found.append(value)
    return found


def _unpriced(entries: list[GenaiConditional], variant: str | None) -> str | None:
    """Why a model is not quoted (no token prices, or a `:free` that is not free), or None."""
    prices = [p for e in entries for p in _token_prices(e)]
    if not prices:
        other = sorted({f for e in entries for f in (e.prices.model_extra or {})})
        if other:
            return f"not priced per token ({', '.join(other)})"
        if variant == "free":
            return "':free' entry with an empty price set: unknown, not a free offer"
        return "empty price set: unknown (free or not billed per token), not recorded"
    if variant == "free" and any(p is None or p != 0 for p in prices):
        return "':free' entry whose prices are not zero: not a free offer"
    return None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _twins(provider: GenaiProvider) -> dict[str, str | None]:
    """OpenRouter's bare names → their `maker/model` spelling in the same provider (None if two)."""
    found: dict[str, str | None] = {}
    for raw in provider.models:
        key = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(key, str) and "/" in key and not key.startswith("~"):
            bare = key.rsplit("/", 1)[1].lower()
            found[bare] = key if bare not in found else None
    return found


def _merged(first: list[Quote], second: list[Quote]) -> list[Quote] | None:
    """Two listings of one offer as one timeline, or None when their figures disagree."""
    if [(q.effective_at, q.date_basis) for q in first] != [
        (q.effective_at, q.date_basis) for q in second
    ]:
        return None
    merged = []
    for one, other in zip(first, second, strict=True):
        prices = {(p.kind, p.tier): p for p in one.prices}
        for price in other.prices:
            if prices.setdefault((price.kind, price.tier), price) != price:
                return None
        # The entry with a display name of its own names the offer (not `liquid/lfm-7b`).
        named = other if "/" in one.display_name and "/" not in other.display_name else one
        merged.append(
            replace(
                named,
                prices=tuple(prices.values()),
                aliases=tuple(dict.fromkeys(one.aliases + other.aliases)),
            )
        )
    return merged


class _Reader:
    """One parse: turns validated providers into quotes, counting what it could not use."""

    def __init__(self, now: datetime, where: str) -> None:
        self.now = now
        self.where = where
        self.amounts = AmountReader(PER_MILLION, zero_is_free=True)
        self.rejected: list[Rejected] = []
        self.skipped: list[Rejected] = []
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
        twins = _twins(provider) if provider.id == "openrouter" else {}
        quotes: dict[str, list[Quote]] = {}
        templates: dict[str, Quote] = {}
        free: dict[str, FreeOffer] = {}
        conflicting: set[str] = set()
        # Whether an offer's quotes came from an entry spelled the seller's own way
        # (OpenRouter's `liquid/lfm-7b`, not the older bare `lfm-7b`).
        own_spelling: dict[str, bool] = {}
        spelled: dict[str, str] = {}
        for raw in provider.models:
            self.entries += 1
            try:
                model = GenaiModel.model_validate(raw)
            except ValidationError as exc:
                entry = f"{provider.id}/{raw.get('id', '?')}" if isinstance(raw, dict) else "?"
                self.rejected.append(Rejected(entry, first_error(exc)))
                continue
            entry = f"{provider.id}/{model.id}"
            base_name, variant = split_variant(model.id)
            if variant == "batch":
                self.skipped.append(Rejected(entry, "batch variant: not the standard price"))
                continue
            name = base_name if variant == "free" else model.id
            who = identify(provider.id, name, display_name=model.name, slug=twins.get(name.lower()))
            if who.pointer:
                self.skipped.append(Rejected(entry, who.steps[-1]))
                continue
            if who.refused:
                self.rejected.append(Rejected(entry, f"not a usable id: {who.refused}"))
                continue
            entries = _entries(model)
            why = _unpriced(entries, variant)
            if why is not None:
                self.skipped.append(Rejected(entry, why))
                continue
            template = self.template(provider, model, who, name)
            if variant == "free":
                free[who.offer_id] = FreeOffer(active=True, cap_note=FREE_VARIANT_CAP)
                templates.setdefault(who.offer_id, template)
                continue
            timeline = list(self.timeline(model, entries, template))
            mid = who.offer_id
            own = provider.id != "openrouter" or "/" in name
            if mid in quotes:
                # Listed twice (lfm-7b and liquid/lfm-7b): one offer. Figures that agree
                # (one entry may list more kinds) are merged. Figures that differ cannot
                # both be right: the seller's own spelling (OpenRouter's real id) wins
                # over an older bare one; between equals, the offer is skipped this time.
                merged = _merged(quotes[mid], timeline)
                if merged is not None:
                    quotes[mid] = merged
                elif own != own_spelling[mid]:
                    loser = entry if own_spelling[mid] else spelled[mid]
                    if own:
                        quotes[mid], own_spelling[mid], spelled[mid] = timeline, True, entry
                    self.skipped.append(
                        Rejected(
                            loser,
                            "an older spelling whose prices disagree; kept the seller's own id",
                        )
                    )
                else:
                    conflicting.add(mid)
                continue
            if timeline:
                quotes[mid] = timeline
                own_spelling[mid], spelled[mid] = own, entry
        for mid in sorted(conflicting):
            quotes.pop(mid, None)
            self.rejected.append(
                Rejected(mid, "listed twice with different prices; skipped this time")
            )
        if free:
            apply_free_variants(quotes, free, template=templates, now=self.now)
        return [q for listed in quotes.values() for q in listed]

    def template(
        self, provider: GenaiProvider, model: GenaiModel, who: Identity, name: str
    ) -> Quote:
        """The quote's fields that do not change over the model's history."""
        urls = provider.pricing_urls or []
        # Google's Vertex resale has its own pricing page among Google's.
        own = [u for u in urls if who.seller in u] if who.seller == "vertex" else []
        ref = (own or urls or [f"genai-prices: {provider.id}"])[0]
        aliases = []
        for spelling in _equals(model.match):
            alias = spelling_of(who, provider.id, spelling)
            if alias and alias != who.offer_id and alias not in aliases:
                aliases.append(alias)
        return Quote(
            model_id=who.offer_id,
            vendor=who.seller,
            vendor_name=seller_name(who.seller, provider.name),
            display_name=(model.name or name).removesuffix(" (free)"),
            effective_at=self.now,
            context_window=model.context_window,
            aliases=tuple(aliases),
            source_ref=ref,
            canonical_id=who.canonical_id,
            date_basis=DateBasis.OBSERVED,
        )

    def timeline(
        self, model: GenaiModel, entries: list[GenaiConditional], template: Quote
    ) -> Iterator[Quote]:
        """The model's quotes: in force now, what preceded its first dated change, each change."""
        windows = any(
            e.constraint is not None and e.constraint.start_time is not None for e in entries
        )
        days = sorted(
            {e.constraint.start_date for e in entries if e.constraint and e.constraint.start_date}
        )
        today = self.now.date()
        # The price in force at the fetch, seen then: it keeps the store right when an
        # earlier fetch saw an older price after a change this feed dates in the past.
        dated: list[tuple[datetime, DateBasis, GenaiPriceSet]] = [
            (self.now, DateBasis.OBSERVED, _on_day(entries, today, windows))
        ]
        if days and days[0] <= today:
            # What preceded the first change has no start in the feed: inferred.
            before = _on_day(entries, days[0] - timedelta(days=1), windows)
            dated.append((self.inferred_start(model, days[0]), DateBasis.INFERRED, before))
        dated += [
            (_midnight(day), DateBasis.EFFECTIVE, _on_day(entries, day, windows)) for day in days
        ]
        mode = _mode(model, entries)
        for effective, basis, raw in sorted(dated, key=lambda point: point[0]):
            prices = self.prices(raw)
            if prices:
                yield replace(
                    template, effective_at=effective, date_basis=basis, prices=prices, mode=mode
                )

    def inferred_start(self, model: GenaiModel, first_change: date) -> datetime:
        """When the price before `first_change` was in force at the latest: the model's own
        dated snapshot (o3-2025-04-16) if earlier, else the day before the change."""
        snapshots = [
            day
            for name in (model.id, *_equals(model.match))
            if (day := snapshot_date(name)) is not None
            and first_change - _SNAPSHOT_TRUSTED < day < first_change
        ]
        return _midnight(min(snapshots) if snapshots else first_change - timedelta(days=1))

    def snapshot(self, providers: Iterable[GenaiProvider]) -> Snapshot:
        quotes = [q for provider in providers for q in self.provider(provider)]
        return Snapshot(
            source=NAME,
            location=self.where,
            quotes=tuple(quotes),
            entries=self.entries,
            rejected=tuple(self.rejected),
            unknown_prices=self.amounts.unknown,
            skipped=tuple(self.skipped),
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


def read_bundled(now: datetime) -> Snapshot:
    """The data bundled with the installed genai-prices package, through its public `data`."""
    where = f"bundled:genai-prices {bundled_version()}"
    snapshot = _Reader(now, where).snapshot(_FEED.validate_python(bundled_providers()))
    # One installed version of the package always holds the same data.
    return replace(snapshot, content_key=where)


def source(url: str | None = None) -> FeedSource:
    """genai-prices from its JSON at `url` (or a file), or its bundled data when None."""
    return FeedSource(
        name=NAME,
        description="genai-prices: ~2,300 models with dated price history (USD per 1M)",
        parse=parse_genai_prices,
        url=url,
        bundled=read_bundled,
    )


__all__ = ["DEFAULT_URL", "NAME", "parse_genai_prices", "read_bundled", "source"]
