"""`pricebot prices show NAME`: one offer's whole price history, where each date comes
from, which sources list it and agree on its price now, and its events.

A model's name means the maker's own offer (or, when the maker does not sell it, the
first of its offers); a full offer id (`openrouter/anthropic/claude-opus-4.6`) means
that offer. The model's other offers are named so they can be shown in turn.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from bot.cli.common import fail, open_store, print_json, print_table
from bot.cli.models import Offer, listing_note, resolve
from bot.cli.prices import describe_event, prices_app
from bot.event_data import event_data
from storage import DateBasis, PriceKind, PricePoint, format_money, tier_label

_BASIS = {
    DateBasis.EFFECTIVE: "stated",
    DateBasis.OBSERVED: "first seen",
    DateBasis.INFERRED: "inferred",
}


def agreeing(points: list[PricePoint], now: datetime) -> dict[tuple[PriceKind, int], list[str]]:
    """For each kind and tier, the sources whose latest price (at `now`) is the same as
    the newest one: a second source saying the same is confirmation."""
    latest: dict[tuple[PriceKind, int, str], PricePoint] = {}
    for point in points:
        if point.effective_at <= now:
            latest[(point.kind, point.tier, point.source)] = point  # oldest first: last wins
    newest: dict[tuple[PriceKind, int], PricePoint] = {}
    for (kind, tier, _), point in latest.items():
        held = newest.get((kind, tier))
        if held is None or (point.effective_at, point.observed_at) > (
            held.effective_at,
            held.observed_at,
        ):
            newest[(kind, tier)] = point
    return {
        key: sorted(
            source
            for (kind, tier, source), point in latest.items()
            if (kind, tier) == key and point.amount.same_as(top.amount)
        )
        for key, top in newest.items()
    }


def _point_json(point: PricePoint) -> dict[str, Any]:
    return {
        "kind": point.kind.value,
        "tier": point.tier,
        "amount": str(point.amount.amount),
        "currency": point.amount.currency,
        "effective": point.effective_at.isoformat(),
        "date_basis": point.date_basis.value,
        "source": point.source,
        "source_ref": point.source_ref,
    }


@prices_app.command("show")
def prices_show(
    model: Annotated[
        str, typer.Argument(help="A model or offer, e.g. qwen-long or vertex/claude-opus-4-6.")
    ],
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """An offer's whole price history, its sources and the events it caused."""
    store = open_store()
    now = datetime.now(UTC)
    found = resolve(store, model, now=now, example="prices show alibaba/qwen-long")
    offer: Offer | None = found.chosen
    if offer is None:
        fail(
            f"{found.model_name} ({found.model}) has no offer with a price", "prices show qwen-long"
        )
    offer_id = offer.info.model_id
    points = store.history(offer_id)
    events = store.events_for(offer_id)
    agree = agreeing(points, now)
    others = [o.info.model_id for o in found.offers if o.info.model_id != offer_id]
    if json_out:
        print_json(
            {
                "model": found.model,
                "model_name": found.model_name,
                "maker": found.maker,
                "offer": offer_id,
                "seller": offer.seller,
                "other_offers": others,
                "listings": [
                    {
                        "source": x.source,
                        "first_seen": x.first_seen_at.isoformat(),
                        "last_seen": x.last_seen_at.isoformat() if x.last_seen_at else None,
                        "missing_since": x.missing_since.isoformat() if x.missing_since else None,
                        "delisted": x.delisted_at.isoformat() if x.delisted_at else None,
                    }
                    for x in offer.listings
                ],
                "agreeing_sources": [
                    {"kind": kind.value, "tier": tier, "sources": sources}
                    for (kind, tier), sources in sorted(agree.items())
                ],
                "history": [_point_json(p) for p in points],
                "events": [event_data(e) for e in events],
            }
        )
        return
    own = "the maker's own offer" if offer.seller == found.maker else f"sold by {offer.seller}"
    typer.echo(f"{found.model_name} ({found.model}), made by {found.maker}")
    typer.echo(f"offer {offer_id}: {own}; {listing_note(offer.listings)}")
    if others:
        shown = ", ".join(others[:4]) + (f" and {len(others) - 4} more" if len(others) > 4 else "")
        typer.echo(f"other offers: {shown} (pricebot prices show OFFER)")
    if offer.prices is not None and offer.prices.prices:
        typer.echo("\nnow, per 1M tokens:")
        print_table(
            ["kind", "tier", "price", "date", "sources that agree"],
            [
                [
                    kind.value,
                    tier_label(tier) or "base",
                    format_money(point.amount),
                    f"{point.effective_at:%Y-%m-%d} ({_BASIS[point.date_basis]})",
                    ", ".join(agree.get((kind, tier), [point.source])),
                ]
                for (kind, tier), point in sorted(offer.prices.prices.items())
            ],
        )
    typer.echo("\nprice history per 1M tokens:")
    print_table(
        ["effective", "date", "kind", "tier", "price", "source"],
        [
            [
                p.effective_at.strftime("%Y-%m-%d"),
                _BASIS[p.date_basis],
                p.kind.value,
                tier_label(p.tier) or "base",
                format_money(p.amount),
                p.source,
            ]
            for p in points
        ],
    )
    if events:
        typer.echo("\nevents:")
        for e in events:
            typer.echo("  " + describe_event(e))
