"""`pricebot catalog …`, `pricebot prices …`, `pricebot events`: the price store by hand."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import (
    end_of,
    fail,
    in_range,
    latest_date,
    open_store,
    parse_date,
    print_json,
    print_table,
    start_of,
)
from bot.event_data import event_data
from storage import (
    CURRENCIES,
    DateBasis,
    EventType,
    FreeOffer,
    Money,
    MoneyError,
    NoRateError,
    Price,
    PriceKind,
    Quote,
    format_money,
    launch_prices,
    tier_label,
)
from storage.money import (
    MAX_AMOUNT,
    decimal_text,
    parse_amount,
    parse_currency,
    parse_unit,
    per_million,
)

if TYPE_CHECKING:
    from storage import PriceEvent, PriceStore

catalog_app = typer.Typer(help="Catalog files: hand-written vendors, models and dated prices.")
prices_app = typer.Typer(
    help="Prices in the store: list, history, admin entry.", no_args_is_help=True
)

ADMIN_SOURCE = "admin"
# The longest context window or prompt-length tier a person may type (100M tokens; the
# largest models take a few million). Above it, a typo; far above, it would not fit the
# database's integer columns.
MAX_TOKENS = 100_000_000
# A price takes effect at most this many days ahead: vendors announce weeks, not years.
MAX_DAYS_AHEAD = 366
# Rows `prices list` shows without --limit or --all: a feed import has thousands.
LIST_LIMIT = 50


@catalog_app.command("load")
def catalog_load(
    file: Annotated[
        str | None,
        typer.Argument(help="A catalog TOML file; default: the bundled price-war catalog."),
    ] = None,
) -> None:
    """Load a catalog file (all of it or nothing); its past changes are history, not alerts."""
    from bot.sources import load_catalog
    from bot.sources.catalog import CATALOG_SOURCE, catalog_snapshot
    from bot.sources.ingest import record_catalog
    from storage import SourceState

    catalog = load_catalog(file)
    store = open_store()
    snapshot = catalog_snapshot(catalog)
    report = record_catalog(
        store,
        SourceState(store.engine),
        snapshot,
        name=CATALOG_SOURCE if file is None else snapshot.source,
        now=datetime.now(UTC),
    )
    events = len(report.events)
    typer.echo(f"loaded {catalog.path}: {len(catalog.quotes)} dated quotes, {events} new events")


def _money(
    amount: Money | None, store: PriceStore, currency: str | None, when: datetime, notes: set[str]
) -> str:
    """An amount for the table, converted when asked; the rate used goes into `notes`."""
    if amount is None:
        return "—"
    if amount.is_zero:
        return "free"
    if currency is None or amount.currency == currency:
        return format_money(amount)
    try:
        conversion = store.convert(amount, currency, when)
    except NoRateError:
        return format_money(amount) + " (no rate)"
    notes.add(conversion.note())
    return format_money(conversion.money)


@prices_app.command("list")
def prices_list(
    vendor: Annotated[str | None, typer.Option(help="Only this vendor, e.g. alibaba.")] = None,
    currency: Annotated[str | None, typer.Option(help="Convert to CNY or USD.")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Prices in force on this date (YYYY-MM-DD).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    limit: Annotated[
        int | None,
        typer.Option(
            min=1, help=f"Show this many models (table default: {LIST_LIMIT}; --json: all)."
        ),
    ] = None,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many models first.")] = 0,
    show_all: Annotated[bool, typer.Option("--all", help="Every model, no paging.")] = False,
) -> None:
    """The price table: every model's current input and output price per 1M tokens
    (the first 50 in a table; --limit/--offset page, --all shows every one)."""
    if currency is not None:
        try:
            currency = parse_currency(currency)
        except MoneyError:
            fail(
                f"--currency {currency!r} is not one of {', '.join(sorted(CURRENCIES))}",
                "prices list --currency CNY",
            )
    when = end_of(parse_date(as_of, "--as-of", "prices list")) if as_of else datetime.now(UTC)
    store = open_store()
    if vendor is not None:
        # An id ('alibaba') or the vendor's name as pricebot shows it ('Alibaba Cloud').
        names = {name.lower(): vendor_id for vendor_id, name in store.vendors().items()}
        vendor = names.get(vendor.lower(), vendor.lower())
    models = [m for m in store.current(when) if vendor is None or m.vendor == vendor]
    if vendor and not models:
        fail(*_unknown_vendor(vendor, store.vendors()))
    total = len(models)
    if limit is None and not show_all and not json_out:
        limit = LIST_LIMIT
    models = models[offset:] if show_all or limit is None else models[offset : offset + limit]
    if json_out:
        print_json(
            [
                {
                    "model": m.model_id,
                    "vendor": m.vendor,
                    "name": m.display_name,
                    "context_window": m.context_window,
                    "free": m.is_free,
                    "free_offer": None
                    if m.free_offer is None
                    else {
                        "active": m.free_offer.active,
                        "until": m.free_offer.until,
                        "cap": m.free_offer.cap_note,
                    },
                    "prices": [
                        {
                            "kind": p.kind.value,
                            "tier": p.tier,
                            "amount": decimal_text(p.amount.amount),
                            "currency": p.amount.currency,
                            "per": "1M tokens",
                            "effective": p.effective_at.isoformat(),
                            "source": p.source,
                        }
                        for p in m.prices.values()
                    ],
                }
                for m in models
            ]
        )
        return
    rows = []
    notes: set[str] = set()
    for m in models:
        inp, out = m.price(PriceKind.INPUT), m.price(PriceKind.OUTPUT)
        dates = [p.effective_at for p in (inp, out) if p]
        note = []
        if m.free_offer and m.free_offer.active:
            note.append(
                "free: "
                + (m.free_offer.cap_note or "offer")
                + (f" until {m.free_offer.until:%Y-%m-%d}" if m.free_offer.until else "")
            )
        if any(t for t in m.tiers(PriceKind.INPUT)):
            note.append("tiered by prompt length")
        rows.append(
            [
                m.model_id,
                _money(inp.amount if inp else None, store, currency, when, notes),
                _money(out.amount if out else None, store, currency, when, notes),
                f"{m.context_window:,}" if m.context_window else "—",
                max(dates).strftime("%Y-%m-%d") if dates else "—",
                "; ".join(note),
            ]
        )
    typer.echo(f"Prices per 1M tokens as of {when:%Y-%m-%d %H:%M} UTC")
    print_table(["model", "input", "output", "context", "since", "note"], rows)
    if notes:
        typer.echo("converted " + "; ".join(sorted(notes)))
    more = total - offset - len(models)
    if not models and total:
        typer.echo(f"no models past --offset {offset} ({total:,} in all)")
    if more > 0:
        shown = f"models {offset + 1}–{offset + len(models)} of {total:,}"
        typer.echo(f"{shown}; {more:,} more: use --limit/--offset or --all")


@prices_app.command("set")
def prices_set(
    model: Annotated[str, typer.Argument(help="Model id (vendor/model) or a known name.")],
    input_price: Annotated[
        str | None, typer.Option("--input", help="Input price, e.g. 0.5.")
    ] = None,
    output_price: Annotated[
        str | None, typer.Option("--output", help="Output price, e.g. 2.")
    ] = None,
    cached_input: Annotated[
        str | None, typer.Option("--cached-input", help="Cached input price.")
    ] = None,
    currency: Annotated[
        str | None,
        typer.Option(help="CNY, USD or EUR; default: the currency the model is priced in."),
    ] = None,
    per: Annotated[str, typer.Option(help="What the prices are per: 1M or 1K tokens.")] = "1M",
    tier: Annotated[
        int, typer.Option(help="Prompt length above which these prices apply (0: base).")
    ] = 0,
    free: Annotated[bool, typer.Option("--free", help="The model is free (prices 0).")] = False,
    free_until: Annotated[
        str | None, typer.Option("--free-until", help="The free offer ends on this date.")
    ] = None,
    effective: Annotated[
        str | None, typer.Option(help="Date the prices take effect (default: now).")
    ] = None,
    vendor: Annotated[
        str | None, typer.Option(help="Vendor id, needed for a model the store does not know.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Display name for a new model.")] = None,
    context: Annotated[
        str | None,
        typer.Option(help="Context window in tokens, e.g. 128000 or 128k, for a new model."),
    ] = None,
) -> None:
    """Enter a price by hand (admin); prints the events it caused, which alert like any other."""
    example = "prices set alibaba/qwen-long --input 0.5 --output 2 --currency CNY --per 1M"
    today = datetime.now(UTC).date()
    try:
        cur = parse_currency(currency) if currency is not None else None
        unit = parse_unit(per)
        amounts = {
            kind: parse_amount(text)
            for kind, text in (
                (PriceKind.INPUT, input_price),
                (PriceKind.OUTPUT, output_price),
                (PriceKind.CACHED_INPUT, cached_input),
            )
            if text is not None
        }
    except MoneyError as exc:
        fail(str(exc), example)
    typed = {PriceKind.INPUT: input_price, PriceKind.OUTPUT: output_price}
    typed[PriceKind.CACHED_INPUT] = cached_input
    for kind, amount in amounts.items():
        if per_million(amount, unit) > MAX_AMOUNT:
            fail(
                f"--{kind.value.replace('_', '-')} {typed[kind]} per {unit.value} is more than "
                f"{MAX_AMOUNT:,} per 1M tokens: check the number and --per",
                example,
            )
    in_range(tier, "--tier", 0, MAX_TOKENS, "prices set alibaba/qwen-long --input 1 --tier 32000")
    context_window = _tokens(context, "--context") if context is not None else None
    if free:
        amounts = {
            kind: amounts.get(kind, parse_amount("0"))
            for kind in (PriceKind.INPUT, PriceKind.OUTPUT)
        } | {k: v for k, v in amounts.items() if k is PriceKind.CACHED_INPUT}
        if any(a != 0 for a in amounts.values()):
            fail(
                "--free with a non-zero price: drop --free or the price",
                "prices set baidu/ernie-speed --free --currency CNY",
            )
    if not amounts:
        fail("give --input, --output or --free", example)
    if any(a == 0 for a in amounts.values()) and not free:
        fail(
            "a zero price needs --free (a missing price is unknown, not free)",
            "prices set baidu/ernie-speed --free --currency CNY",
        )
    if free_until and not free:
        fail("--free-until needs --free", "prices set baidu/ernie-speed --free --free-until DATE")
    soon = today + timedelta(days=30)
    until = (
        end_of(
            parse_date(
                free_until,
                "--free-until",
                "prices set baidu/ernie-speed --free --currency CNY",
                # A free offer that has already ended is history, not something to enter.
                earliest=today,
                example=soon,
            )
        )
        if free_until
        else None
    )
    when = (
        start_of(
            parse_date(
                effective,
                "--effective",
                "prices set alibaba/qwen-long --input 0.5 --currency CNY",
                latest=min(latest_date(today), today + timedelta(days=MAX_DAYS_AHEAD)),
            )
        )
        if effective
        else datetime.now(UTC)
    )
    store = open_store()
    model_id = store.resolve_model(model)
    known = {m.model_id: m for m in store.models()}
    if model_id is None:
        candidate = model.strip().lower()
        if vendor is None or "/" not in candidate or candidate.split("/", 1)[0] != vendor.lower():
            from bot.cli.models import guess_model

            # A typo of a known model is likelier than a new model without --vendor.
            guess = guess_model(store, model, now=datetime.now(UTC))
            if guess is not None:
                fail(
                    f"unknown model {model!r}; did you mean {guess[0]}? (a new model needs its "
                    "id as vendor/model and --vendor)",
                    f"prices set {guess[1]} --input 0.5 --output 2 --currency CNY",
                )
            fail(
                f"unknown model {model!r}: give its id as vendor/model and --vendor to add it",
                "prices set acme/acme-1 --vendor acme --input 1 --output 2 --currency USD",
            )
        model_id = candidate
    if cur is None:
        cur = _priced_in(store, model_id, when)
        if cur is None:
            fail(
                f"{model_id} has no price in one currency yet: say which with --currency",
                "prices set acme/acme-1 --vendor acme --input 1 --output 2 --currency USD",
            )
    info = known.get(model_id)
    quote = Quote(
        model_id=model_id,
        vendor=info.vendor if info else model_id.split("/", 1)[0],
        vendor_name=store.vendors().get(model_id.split("/", 1)[0])
        or (vendor or model_id.split("/", 1)[0]),
        display_name=info.display_name if info else (name or model_id.split("/", 1)[1]),
        effective_at=when,
        prices=tuple(
            Price(kind, Money.of(amount, cur, unit), tier) for kind, amount in amounts.items()
        ),
        free_offer=FreeOffer(True, until, None) if free and until else None,
        context_window=context_window or (info.context_window if info else None),
        source_ref="entered with pricebot prices set",
    )
    # An admin's price is compared with what users see now, whichever source said it.
    events = store.record(
        [quote], source=ADMIN_SOURCE, observed_at=datetime.now(UTC), across_sources=True
    )
    if not events:
        typer.echo(f"{model_id}: recorded; nothing changed, no events")
    for e in events:
        launch = (
            store.prices_at(e.model_id, e.effective_at) if e.type is EventType.NEW_MODEL else None
        )
        typer.echo(describe_event(e, launch))


def _tokens(text: str, option: str) -> int:
    """'128000', '128k', '1M' → tokens, from 1 to MAX_TOKENS; anything else exits 2."""
    example = "prices set acme/acme-1 --vendor acme --input 1 --currency USD --context 128k"
    cleaned = text.strip().lower().replace(",", "").replace("_", "")
    factor = {"k": 1_000, "m": 1_000_000}.get(cleaned[-1:], 1)
    digits = cleaned[:-1] if factor > 1 else cleaned
    if not digits.isascii() or not digits.isdecimal() or len(digits) > 1000:
        fail(f"{option} {text!r} is not a number of tokens", example)
    return in_range(int(digits) * factor, option, 1, MAX_TOKENS, example)


def _priced_in(store: PriceStore, model_id: str, when: datetime) -> str | None:
    """The currency a model is priced in by every source; None when none or several.

    A price typed without --currency is in the model's own currency: recording a CNY
    model's 0.4 as USD would be a 600% "increase", and an alert when corrected.
    """
    latest: dict[str, str] = {}
    for point in store.history(model_id):  # oldest first: the last one per source wins
        if point.effective_at <= max(when, datetime.now(UTC)):
            latest[point.source] = point.amount.currency
    currencies = set(latest.values())
    return currencies.pop() if len(currencies) == 1 else None


def events(
    since: Annotated[int, typer.Option(help="Only events after this id.")] = 0,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 200,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """The event log: cuts, increases, free, paid again, new models, in id order."""
    # Event ids are 32-bit in the database; a larger --since or --limit is a typo.
    in_range(since, "--since", 0, 2**31 - 1, "events --since 120")
    in_range(limit, "--limit", 1, 1_000_000, "events --limit 50")
    store = open_store()
    found = store.events_after(since, limit)
    launches = {
        e.id: store.prices_at(e.model_id, e.effective_at)
        for e in found
        if e.type is EventType.NEW_MODEL
    }
    if json_out:
        print_json([event_data(e, launches.get(e.id)) for e in found])
        return
    if not found:
        typer.echo(f"no events after id {since}")
    for e in found:
        typer.echo(describe_event(e, launches.get(e.id)))


def describe_event(e: PriceEvent, launch: Mapping[PriceKind, Money] | None = None) -> str:
    """One line for people: '#12 2024-05-13 cut zhipu/glm-3-turbo input ¥5.00 → ¥1.00 (-80%)';
    a new model's with the prices it came with (`launch`: input, output, cached input)."""
    what = e.kind.value if e.kind else ""
    if e.tier:
        what += f" ({tier_label(e.tier)})"
    change = ""
    if e.old is not None and e.new is not None:
        change = f"{format_money(e.old)} → {format_money(e.new)}"
    elif launch:
        change = launch_prices(launch)
    elif e.new is not None:
        change = f"input {format_money(e.new)}"
    if e.percent is not None and e.type.value in ("cut", "increase"):
        sign = "-" if e.type.value == "cut" else "+"
        change += f" ({sign}{e.percent}%)"
    extra = []
    if e.cap_note:
        extra.append(e.cap_note)
    if e.free_until:
        extra.append(f"until {e.free_until:%Y-%m-%d}")
    if e.date_basis is DateBasis.OBSERVED and e.not_before is not None:
        # The feed gives no date: it changed after the last sighting of the old price.
        extra.append(f"between {e.not_before:%Y-%m-%d} and {e.effective_at:%Y-%m-%d}")
    elif e.date_basis is DateBasis.OBSERVED:
        extra.append("first seen; the feed gives no date")
    parts = [
        f"#{e.id}",
        e.effective_at.strftime("%Y-%m-%d"),
        e.type.value,
        e.model_id,
        what,
        change,
        "; ".join(extra),
    ]
    line = " ".join(p for p in parts if p)
    return line + ("  [history]" if e.history else "")


def _unknown_vendor(typed: str, vendors: dict[str, str]) -> tuple[str, str]:
    """The refusal of a vendor with no prices: a close id or name first ("did you mean
    alibaba?"), else the known ids when they fit on a line, else how to list them."""
    import difflib

    by_name = {name.lower(): vendor_id for vendor_id, name in vendors.items()}
    words = [*vendors, *by_name]
    close = difflib.get_close_matches(typed.lower(), words, n=1, cutoff=0.6)
    if close:
        guess = by_name.get(close[0], close[0])
        return (
            f"no prices for vendor {typed!r}; did you mean {guess}?",
            f"prices list --vendor {guess}",
        )
    if len(vendors) <= 12:
        known = ", ".join(vendors)
        return (
            f"no prices for vendor {typed!r}; known vendors: {known}",
            "prices list --vendor alibaba",
        )
    return (
        f"no prices for vendor {typed!r} ({len(vendors)} vendors have prices; "
        "`pricebot prices list --json` shows each row's vendor)",
        "prices list --vendor alibaba",
    )
