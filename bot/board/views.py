"""What the board shows, as plain values: pure functions of a snapshot and the request.

`table(snapshot, request)` ranks models the way "cheapest for 1M tokens" does (the
answers engine's own ranking, so the board and the chat never disagree) and returns
the rows of one page; `model_page(snapshot, model_id)` lists a model's offers. No I/O,
no clock: the handlers pass the snapshot and the moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from bot.answers import (
    BLENDED_RATIO,
    Mix,
    MixSource,
    PriceSnapshot,
    Query,
    QueryKind,
    end_of_day,
    format_tokens,
    rank,
)
from storage import DateBasis, ModelPrices, Money, PriceKind, PricePoint
from storage.money import format_money

PAGE_SIZE = 50
MAX_PAGE = 200
CURRENCIES = ("USD", "CNY", "EUR")
SORTS = {
    # column -> the mix that ranks by it: blended 3:1, input only, output only
    "blended": BLENDED_RATIO,
    "input": (1, 0),
    "output": (0, 1),
}
MAX_CONTEXT = 10**9


@dataclass(frozen=True, slots=True)
class BoardRequest:
    """The board's filters, read from the URL; every field has a safe default."""

    sort: str = "blended"
    vendor: str | None = None
    min_context: int | None = None
    currency: str = "USD"
    as_of: date | None = None
    page: int = 1
    lang: str = "en"
    question: str = ""


@dataclass(frozen=True, slots=True)
class Row:
    position: int
    model_id: str
    name: str
    seller: str
    other_sellers: int
    input: str
    output: str
    blended: str
    context: str
    since: str
    since_basis: str


@dataclass(frozen=True, slots=True)
class Table:
    rows: tuple[Row, ...]
    total: int
    page: int
    pages: int
    currency: str
    as_of: datetime
    free: tuple[tuple[str, str, str], ...]  # (model id, name, seller)
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Offer:
    offer_id: str
    seller: str
    input: str
    output: str
    cached_input: str
    context: str
    since: str
    free: str


@dataclass(frozen=True, slots=True)
class ModelPage:
    model_id: str
    name: str
    maker: str
    offers: tuple[Offer, ...]


def read_request(params: dict[str, str], *, now: datetime) -> BoardRequest | str:
    """The URL's query parameters → a BoardRequest, or one line saying what is wrong."""
    sort = params.get("sort", "blended")
    if sort not in SORTS:
        return f"sort must be one of {', '.join(SORTS)}, e.g. ?sort=input"
    currency = params.get("currency", "USD").upper()
    if currency not in CURRENCIES:
        return f"currency must be one of {', '.join(CURRENCIES)}, e.g. ?currency=CNY"
    min_context = None
    if params.get("min_context"):
        raw = params["min_context"].strip().lower().replace(",", "")
        scale = {"k": 1_000, "m": 1_000_000}.get(raw[-1:], 1)
        digits = raw[:-1] if scale > 1 else raw
        if not digits.isdigit() or not 0 < int(digits) * scale <= MAX_CONTEXT:
            return "min_context is a number of tokens, e.g. ?min_context=128k"
        min_context = int(digits) * scale
    as_of = None
    if params.get("as_of"):
        try:
            as_of = date.fromisoformat(params["as_of"])
        except ValueError:
            return "as_of is a date, e.g. ?as_of=2024-05-22"
        if not date(2020, 1, 1) <= as_of <= now.date():
            return f"as_of must be between 2020-01-01 and {now.date()}, e.g. ?as_of=2024-05-22"
    page_text = params.get("page", "1")
    if not page_text.isdigit() or not 1 <= int(page_text) <= MAX_PAGE:
        return f"page is a number from 1 to {MAX_PAGE}, e.g. ?page=2"
    lang = "zh" if params.get("lang", "").lower().startswith("zh") else "en"
    vendor = (params.get("vendor") or "").strip()[:100] or None
    question = (params.get("q") or "").strip()[:500]
    return BoardRequest(
        sort=sort,
        vendor=vendor,
        min_context=min_context,
        currency=currency,
        as_of=as_of,
        page=int(page_text),
        lang=lang,
        question=question,
    )


def board_query(request: BoardRequest, snapshot: PriceSnapshot) -> Query | str:
    """The ranking the table shows, as the answers engine's own Query."""
    vendors: frozenset[str] = frozenset()
    if request.vendor:
        vendor = snapshot.vocabulary.vendor(request.vendor)
        if vendor is None:
            near = snapshot.vocabulary.suggest_vendors(request.vendor)
            hint = f" Did you mean {', '.join(near)}?" if near else ""
            return f"No vendor called “{request.vendor}”.{hint}"
        vendors = frozenset({vendor})
    ratio = SORTS[request.sort]
    return Query(
        kind=QueryKind.CHEAPEST,
        text="board",
        mix=Mix.split(1_000_000, ratio, MixSource.ASKED),
        currency=request.currency,
        currency_source="asked",
        as_of=end_of_day(request.as_of) if request.as_of else None,
        top=PAGE_SIZE,
        min_context=request.min_context,
        vendors=vendors,
    )


def table(query: Query, snapshot: PriceSnapshot, page: int) -> Table:
    """One page of the ranking: the rows, how many in all, the free models apart."""
    ranking = rank(query, snapshot, limit=page * PAGE_SIZE)
    blended = Mix.split(1_000_000, BLENDED_RATIO, MixSource.DEFAULT)
    rows = []
    for ranked in ranking.top[(page - 1) * PAGE_SIZE :]:
        b = ranked.breakdown
        offer = ranked.model
        since, basis = _since(offer.prices.get((PriceKind.INPUT, 0)))
        rows.append(
            Row(
                position=ranked.position,
                model_id=offer.model_key,
                name=ranked.name or offer.display_name,
                seller=offer.vendor_name,
                other_sellers=ranked.others,
                input=_money(b.input_rate),
                output=_money(b.output_rate),
                blended=_money(_mix_cost(b.input_rate, b.output_rate, blended, query.currency)),
                context=format_tokens(offer.context_window) if offer.context_window else "—",
                since=since,
                since_basis=basis,
            )
        )
    pages = max(1, -(-ranking.total // PAGE_SIZE))
    notes = [f"1 {r.base} = {r.rate} {r.quote} ({r.as_of}, {r.source})" for r in ranking.rates]
    if ranking.unknown:
        notes.append(f"{len(ranking.unknown)} left out: a needed price is unknown (never free).")
    free = tuple(
        (f.model.model_key, f.name or f.model.display_name, f.model.vendor_name)
        for f in ranking.free
    )
    return Table(
        rows=tuple(rows),
        total=ranking.total,
        page=page,
        pages=pages,
        currency=query.currency,
        as_of=ranking.as_of,
        free=free,
        notes=tuple(notes),
    )


def model_page(snapshot: PriceSnapshot, model_id: str) -> ModelPage | None:
    """A model's offers now, cheapest input first; None for a model the board lacks."""
    offers = snapshot.offers_of(model_id)
    if not offers:
        return None
    shown = []
    maker = model_id.split("/", 1)[0]
    # The maker's own offer first (its price is the model's price), then the resellers.
    ordered = sorted(
        offers,
        key=lambda o: (o.vendor != maker, _sort_key(o.prices.get((PriceKind.INPUT, 0)))),
    )
    for offer in ordered:
        since, _ = _since(offer.prices.get((PriceKind.INPUT, 0)))
        free = ""
        if offer.free_offer is not None:
            free = offer.free_offer.cap_note or "free"
        shown.append(
            Offer(
                offer_id=offer.model_id,
                seller=offer.vendor_name + (" (the maker)" if offer.vendor == maker else ""),
                input=_point(offer, PriceKind.INPUT),
                output=_point(offer, PriceKind.OUTPUT),
                cached_input=_point(offer, PriceKind.CACHED_INPUT),
                context=format_tokens(offer.context_window) if offer.context_window else "—",
                since=since,
                free=free,
            )
        )
    return ModelPage(
        model_id=model_id,
        name=snapshot.model_name(model_id),
        maker=maker,
        offers=tuple(shown),
    )


def _point(offer: ModelPrices, kind: PriceKind) -> str:
    point = offer.prices.get((kind, 0))
    return "—" if point is None else _money(point.amount)


def _money(money: Money | None) -> str:
    if money is None:
        return "—"
    if money.amount == 0:
        return "free"
    return format_money(money)


def _mix_cost(
    input_rate: Money | None, output_rate: Money | None, mix: Mix, currency: str
) -> Money | None:
    if input_rate is None or output_rate is None:
        return None
    million = Decimal(1_000_000)
    amount = (
        input_rate.amount * mix.input_tokens + output_rate.amount * mix.output_tokens
    ) / million
    return Money(amount, currency)


def _since(point: PricePoint | None) -> tuple[str, str]:
    if point is None:
        return "—", ""
    effective = point.effective_at
    basis = point.date_basis
    if basis is DateBasis.OBSERVED:
        return f"first seen {effective.date()}", basis.value
    if basis is DateBasis.INFERRED:
        return f"by {effective.date()}", basis.value
    return str(effective.date()), basis.value


def _sort_key(point: PricePoint | None) -> tuple[int, str, Decimal]:
    # Offers of one model are nearly always priced in one currency; group by it anyway.
    if point is None:
        return (1, "", Decimal(0))
    return (0, point.amount.currency, point.amount.amount)
