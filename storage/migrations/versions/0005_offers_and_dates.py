"""Offers and true dates: the model an offer sells, where each date comes from, listings.

- `models.canonical_id`: the model (`maker/model`) an offer (`seller/name`) sells;
  NULL until a source lists the offer again (then it is its own model).
- `price_points.date_basis`, `price_events.date_basis`: effective (stated),
  observed (first seen) or inferred; `price_events.not_before`: for a change a feed
  does not date, the last sighting of the old price.
- `source_models`: rows now stay when a model leaves a feed: `last_seen_at`,
  `missing_since`, `missed`, `delisted_at`.

Existing data: nothing is dated 1970 any more. genai-prices gave no start for a
model's first price and it was stored at 1970-01-01; such a point becomes
*inferred*, dated the day before the same source's next dated price, or, with
none, *observed* at the moment pricebot first recorded it. Events and free offers
at 1970 move to when they were recorded. Prices a feed gave without a date (stored
at the fetch: `effective_at == observed_at`) are marked observed.

Revision ID: 0005_offers_and_dates
Revises: 0004_slack
Create Date: 2026-12-01
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0005_offers_and_dates"
down_revision = "0004_slack"
branch_labels = None
depends_on = None

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Feeds that state no dates for the prices they list now.
_UNDATED_FEEDS = ("genai-prices", "litellm", "openrouter")


def upgrade() -> None:
    with op.batch_alter_table("models") as batch:
        batch.add_column(sa.Column("canonical_id", sa.String(200)))
        batch.create_index("ix_models_canonical_id", ["canonical_id"])
    with op.batch_alter_table("price_points") as batch:
        batch.add_column(
            sa.Column("date_basis", sa.String(16), nullable=False, server_default="effective")
        )
    with op.batch_alter_table("price_events") as batch:
        batch.add_column(
            sa.Column("date_basis", sa.String(16), nullable=False, server_default="effective")
        )
        batch.add_column(sa.Column("not_before", UTCDateTime()))
    with op.batch_alter_table("source_models") as batch:
        batch.add_column(sa.Column("last_seen_at", UTCDateTime()))
        batch.add_column(sa.Column("missing_since", UTCDateTime()))
        batch.add_column(sa.Column("missed", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("delisted_at", UTCDateTime()))
    _move_off_1970()


def _move_off_1970() -> None:
    bind = op.get_bind()
    # Typed columns (not reflection): UTCDateTime reads back aware datetimes on both.
    at = UTCDateTime
    points = sa.table(
        "price_points",
        *(sa.column(c) for c in ("id", "model_id", "kind", "tier", "source", "date_basis")),
        sa.column("effective_at", at()),
        sa.column("observed_at", at()),
    )
    events = sa.table(
        "price_events",
        *(sa.column(c) for c in ("id", "source", "date_basis")),
        sa.column("effective_at", at()),
        sa.column("recorded_at", at()),
    )
    offers = sa.table(
        "free_offers",
        sa.column("id"),
        sa.column("effective_at", at()),
        sa.column("observed_at", at()),
    )
    listed = sa.table(
        "source_models",
        sa.column("source"),
        sa.column("model_id"),
        sa.column("first_seen_at", at()),
        sa.column("last_seen_at", at()),
    )
    status = sa.table("source_status", sa.column("name"), sa.column("last_success_at", at()))
    rows = bind.execute(
        sa.select(
            points.c.id,
            points.c.model_id,
            points.c.kind,
            points.c.tier,
            points.c.source,
            points.c.effective_at,
            points.c.observed_at,
        )
    ).all()
    later: dict[tuple[str, str, int, str], list[datetime]] = {}
    for row in rows:
        if row.effective_at > _EPOCH:
            key = (row.model_id, row.kind, row.tier, row.source)
            later.setdefault(key, []).append(row.effective_at)
    for row in rows:
        if row.effective_at <= _EPOCH:
            following = sorted(later.get((row.model_id, row.kind, row.tier, row.source), []))
            if following:
                moved, basis = following[0] - timedelta(days=1), "inferred"
            else:
                moved, basis = row.observed_at, "observed"
            bind.execute(
                points.update()
                .where(points.c.id == row.id)
                .values(effective_at=moved, date_basis=basis)
            )
        elif row.source in _UNDATED_FEEDS and row.effective_at == row.observed_at:
            bind.execute(points.update().where(points.c.id == row.id).values(date_basis="observed"))
    for row in bind.execute(
        sa.select(events.c.id, events.c.source, events.c.effective_at, events.c.recorded_at)
    ).all():
        if row.effective_at <= _EPOCH:
            bind.execute(
                events.update()
                .where(events.c.id == row.id)
                .values(effective_at=row.recorded_at, date_basis="observed")
            )
        elif row.source in _UNDATED_FEEDS and row.effective_at == row.recorded_at:
            bind.execute(events.update().where(events.c.id == row.id).values(date_basis="observed"))
    for row in bind.execute(
        sa.select(offers.c.id, offers.c.effective_at, offers.c.observed_at)
    ).all():
        if row.effective_at <= _EPOCH:
            bind.execute(
                offers.update().where(offers.c.id == row.id).values(effective_at=row.observed_at)
            )
    success = {
        name: at
        for name, at in bind.execute(sa.select(status.c.name, status.c.last_success_at)).all()
    }
    for row in bind.execute(
        sa.select(listed.c.source, listed.c.model_id, listed.c.first_seen_at)
    ).all():
        seen = success.get(row.source) or row.first_seen_at
        bind.execute(
            listed.update()
            .where(listed.c.source == row.source, listed.c.model_id == row.model_id)
            .values(last_seen_at=seen)
        )


def downgrade() -> None:
    with op.batch_alter_table("source_models") as batch:
        for column in ("delisted_at", "missed", "missing_since", "last_seen_at"):
            batch.drop_column(column)
    with op.batch_alter_table("price_events") as batch:
        batch.drop_column("not_before")
        batch.drop_column("date_basis")
    with op.batch_alter_table("price_points") as batch:
        batch.drop_column("date_basis")
    with op.batch_alter_table("models") as batch:
        batch.drop_index("ix_models_canonical_id")
        batch.drop_column("canonical_id")
