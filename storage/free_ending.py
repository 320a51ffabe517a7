"""Free offers that end soon become `free_ending` events, once per offer end date.

The price store derives every other event when prices are recorded; an offer's
end is a matter of the calendar, so a scheduled job asks for these.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from storage.recording import event_from
from storage.tables import FreeOfferRow, PriceEventRow
from storage.values import EventType, PriceEvent, require_utc


def note_free_offers_ending(
    engine: Engine, *, now: datetime, within: timedelta = timedelta(days=7)
) -> list[PriceEvent]:
    """Write a `free_ending` event for each free offer in force that ends within `within`
    and has not had one for that end date; return the new events."""
    now = require_utc(now)
    latest = (
        select(
            FreeOfferRow,
            func.row_number()
            .over(
                partition_by=FreeOfferRow.model_id,
                order_by=(
                    FreeOfferRow.effective_at.desc(),
                    FreeOfferRow.observed_at.desc(),
                    FreeOfferRow.id.desc(),
                ),
            )
            .label("rank"),
        )
        .where(FreeOfferRow.effective_at <= now)
        .subquery()
    )
    with Session(engine) as session, session.begin():
        offers = session.execute(
            select(latest).where(
                latest.c.rank == 1,
                latest.c.active.is_(True),
                latest.c.free_until.is_not(None),
                latest.c.free_until > now,
                latest.c.free_until <= now + within,
            )
        ).mappings()
        rows = []
        for offer in offers:
            told = session.scalar(
                select(PriceEventRow.id).where(
                    PriceEventRow.type == EventType.FREE_ENDING.value,
                    PriceEventRow.model_id == offer["model_id"],
                    PriceEventRow.free_until == offer["free_until"],
                )
            )
            if told is not None:
                continue
            rows.append(
                PriceEventRow(
                    type=EventType.FREE_ENDING.value,
                    model_id=offer["model_id"],
                    kind=None,
                    tier=0,
                    free_until=offer["free_until"],
                    cap_note=offer["cap_note"],
                    effective_at=offer["free_until"],
                    recorded_at=now,
                    source=offer["source"],
                    history=False,
                )
            )
        session.add_all(rows)
        session.flush()
        return [event_from(r) for r in rows]
