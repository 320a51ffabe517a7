"""Catalog files: vendors, models and dated prices written by people (TOML).

The bundled price-war catalog uses this format; so can an enterprise's
negotiated prices. A file that does not validate is refused whole, with the
file, line, entry and field named, and an entry that would load
(bot/sources/catalog_errors.py).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from bot.sources.base import FeedError, FeedSource, Snapshot
from bot.sources.catalog_errors import CatalogError, explain, line_of
from bot.sources.identity import identify
from storage import FreeOffer, FxRate, Money, MoneyError, Price, PriceKind, Quote
from storage.money import parse_amount, parse_currency, parse_unit

BUNDLED_CATALOG = "price_war_2024_05.toml"


def _exact(value: Any) -> Decimal:
    try:
        return parse_amount(value)
    except MoneyError as exc:
        raise ValueError(str(exc)) from None


ExactAmount = Annotated[Decimal, BeforeValidator(_exact)]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CatalogVendor(_Entry):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str
    name_zh: str | None = None


class CatalogModel(_Entry):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*/[a-z0-9][a-z0-9._:-]*$")
    # The model this offer sells (`maker/model`) when the seller is not its maker;
    # by default the identity layer names it from the id.
    model: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9._-]*/[a-z0-9][a-z0-9._:-]*$")
    name: str
    context_window: int | None = Field(default=None, gt=0)
    mode: str = "chat"
    aliases: list[str] = []


class CatalogPrice(_Entry):
    model: str
    effective: date | datetime
    currency: str = "USD"
    per: str = "1M"
    tier: int = Field(default=0, ge=0)
    input: ExactAmount | None = None
    output: ExactAmount | None = None
    cached_input: ExactAmount | None = None
    free: bool = False
    free_until: date | datetime | None = None
    cap: str | None = None
    source: str

    @model_validator(mode="after")
    def _check(self) -> CatalogPrice:
        parse_currency(self.currency)
        parse_unit(self.per)
        amounts = [a for a in (self.input, self.output, self.cached_input) if a is not None]
        if not amounts and not self.free:
            raise ValueError("give at least one of input, output, cached_input, or free = true")
        if any(a == 0 for a in amounts) and not self.free:
            # A zero nobody called free is a typo or an unknown, never "free".
            raise ValueError("a zero price needs free = true")
        return self


class CatalogFxRate(_Entry):
    base: str
    quote: str
    rate: ExactAmount
    as_of: date
    source: str


class CatalogHeader(_Entry):
    name: str
    description: str | None = None
    # When the figures were last checked against the vendors: a free offer without
    # an end date counts as confirmed up to this day, not for ever.
    checked: date | None = None


class CatalogFile(_Entry):
    """The raw file, validated."""

    catalog: CatalogHeader
    fx_rates: list[CatalogFxRate] = []
    vendors: list[CatalogVendor] = []
    models: list[CatalogModel] = []
    prices: list[CatalogPrice] = []


# Each table's fields, for "did you mean" on a misspelt one.
_FIELDS: dict[str, list[str]] = {
    "catalog": list(CatalogHeader.model_fields),
    "fx_rates": list(CatalogFxRate.model_fields),
    "vendors": list(CatalogVendor.model_fields),
    "models": list(CatalogModel.model_fields),
    "prices": list(CatalogPrice.model_fields),
}


def _utc(moment: date | datetime) -> datetime:
    if isinstance(moment, datetime):
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return datetime.combine(moment, time(0), tzinfo=UTC)


@dataclass(frozen=True)
class Catalog:
    """A loaded catalog: where it came from, its quotes in date order, its rates."""

    path: str
    name: str
    quotes: tuple[Quote, ...]
    fx_rates: tuple[FxRate, ...]
    # The end of the day its figures were last checked (None: the day it is loaded).
    checked: datetime | None = None

    def effective_dates(self) -> list[datetime]:
        return sorted({q.effective_at for q in self.quotes})


def _quotes(raw: CatalogFile, where: str, text: str) -> Iterator[Quote]:
    vendors = {v.id: v for v in raw.vendors}
    models = {m.id: m for m in raw.models}
    model_lines = {m.id: line_of(text, ("models", i)) for i, m in enumerate(raw.models)}
    for index, row in enumerate(raw.prices):
        model = models.get(row.model)
        if model is None:
            line = line_of(text, ("prices", index, "model"))
            raise CatalogError(
                f"{where}:{line}: [[prices]] #{index + 1}: model {row.model!r} is not in "
                "[[models]]; add it there",
                f'[[models]]\nid = "{row.model}"\nname = "{row.model.split("/", 1)[-1]}"',
            )
        vendor_id = model.id.split("/", 1)[0]
        vendor = vendors.get(vendor_id)
        if vendor is None:
            raise CatalogError(
                f"{where}:{model_lines[model.id]}: [[models]] {model.id!r}: vendor "
                f"{vendor_id!r} is not in [[vendors]]; add it there",
                f'[[vendors]]\nid = "{vendor_id}"\nname = "{vendor_id.title()}"',
            )
        unit = parse_unit(row.per)
        prices = tuple(
            Price(kind, Money.of(amount, row.currency, unit), row.tier)
            for kind, amount in (
                (PriceKind.INPUT, row.input),
                (PriceKind.OUTPUT, row.output),
                (PriceKind.CACHED_INPUT, row.cached_input),
            )
            if amount is not None
        )
        offer = None
        if row.free and (row.cap or row.free_until or not prices):
            offer = FreeOffer(
                active=True,
                until=_utc(row.free_until) if row.free_until else None,
                cap_note=row.cap,
            )
        yield Quote(
            model_id=model.id,
            vendor=vendor.id,
            vendor_name=vendor.name,
            display_name=model.name,
            effective_at=_utc(row.effective),
            prices=prices,
            free_offer=offer,
            context_window=model.context_window,
            aliases=tuple(model.aliases),
            mode=model.mode,
            source_ref=row.source,
            canonical_id=model.model or identify(vendor_id, model.id.split("/", 1)[1]).canonical_id,
        )


def parse_catalog(text: str, where: str) -> Catalog:
    """Validate catalog text; `where` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{where}: not valid TOML: {exc}") from None
    try:
        raw = CatalogFile.model_validate(data)
    except ValidationError as exc:
        raise explain(where, text, dict(exc.errors()[0]), _FIELDS) from None
    quotes = tuple(sorted(_quotes(raw, where, text), key=lambda q: q.effective_at))
    rates = tuple(
        FxRate(parse_currency(r.base), parse_currency(r.quote), r.rate, r.as_of, r.source)
        for r in raw.fx_rates
    )
    checked = raw.catalog.checked
    return Catalog(
        path=where,
        name=raw.catalog.name,
        quotes=quotes,
        fx_rates=rates,
        checked=datetime.combine(checked, time.max, tzinfo=UTC) if checked else None,
    )


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load a catalog file, or the bundled price-war catalog when `path` is None."""
    if path is None:
        text = resources.files("bot.data").joinpath(BUNDLED_CATALOG).read_text("utf-8")
        return parse_catalog(text, f"bundled:{BUNDLED_CATALOG}")
    file = Path(path)
    try:
        text = file.read_text("utf-8")
    except OSError as exc:
        raise CatalogError(f"{file}: cannot read: {exc.strerror}") from None
    return parse_catalog(text, str(file))


CATALOG_SOURCE = "catalog"


def record_name(catalog_name: str) -> str:
    """The source name a catalog's prices are recorded under: one per catalog."""
    return f"catalog:{catalog_name}"[:64]


def catalog_snapshot(catalog: Catalog) -> Snapshot:
    """A loaded catalog as a snapshot, recorded under its own source name."""
    return _snapshot(catalog)


def _snapshot(catalog: Catalog) -> Snapshot:
    return Snapshot(
        source=record_name(catalog.name),
        location=catalog.path,
        quotes=catalog.quotes,
        rates=catalog.fx_rates,
        entries=len(catalog.quotes),
        described_at=catalog.checked,
    )


def parse_catalog_feed(body: bytes, now: datetime, where: str) -> Snapshot:
    """A catalog file fetched as a feed; a file that does not validate is refused whole."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise FeedError(f"{where}: not UTF-8 text, expected a catalog TOML file") from None
    try:
        return _snapshot(parse_catalog(text, where))
    except CatalogError as exc:
        raise FeedError(str(exc)) from None


def _bundled(now: datetime) -> Snapshot:
    return _snapshot(load_catalog(None))


def source(path: str | None = None) -> FeedSource:
    """A catalog file (a path or URL), or the bundled price-war catalog when None."""
    return FeedSource(
        name=CATALOG_SOURCE,
        description="catalog file: hand-written vendors, models and dated prices (CNY or USD)",
        parse=parse_catalog_feed,
        url=path,
        bundled=_bundled,
    )
