"""The price store: vendors, models, aliases, price points, free offers, events, FX rates.

Revision ID: 0001_price_store
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import ExactDecimal, UTCDateTime

revision = "0001_price_store"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vendors",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_zh", sa.String(200)),
    )
    op.create_table(
        "models",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("vendor_id", sa.String(64), sa.ForeignKey("vendors.id"), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("context_window", sa.Integer),
        sa.Column("mode", sa.String(32), nullable=False),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_models_vendor_id", "models", ["vendor_id"])
    op.create_table(
        "model_aliases",
        sa.Column("alias", sa.String(200), primary_key=True),
        sa.Column("model_id", sa.String(200), sa.ForeignKey("models.id"), nullable=False),
    )
    op.create_index("ix_model_aliases_model_id", "model_aliases", ["model_id"])
    op.create_table(
        "price_points",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model_id", sa.String(200), sa.ForeignKey("models.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("tier", sa.Integer, nullable=False),
        sa.Column("amount", ExactDecimal(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("effective_at", UTCDateTime(), nullable=False),
        sa.Column("observed_at", UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("source_ref", sa.Text),
    )
    op.create_index(
        "ix_price_points_key_effective",
        "price_points",
        ["model_id", "kind", "tier", "effective_at"],
    )
    op.create_index("ix_price_points_source", "price_points", ["source", "model_id"])
    op.create_table(
        "free_offers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model_id", sa.String(200), sa.ForeignKey("models.id"), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("free_until", UTCDateTime()),
        sa.Column("cap_note", sa.Text),
        sa.Column("effective_at", UTCDateTime(), nullable=False),
        sa.Column("observed_at", UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
    )
    op.create_index("ix_free_offers_model_effective", "free_offers", ["model_id", "effective_at"])
    op.create_table(
        "price_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("model_id", sa.String(200), sa.ForeignKey("models.id"), nullable=False),
        sa.Column("kind", sa.String(32)),
        sa.Column("tier", sa.Integer, nullable=False),
        sa.Column("old_amount", ExactDecimal()),
        sa.Column("old_currency", sa.String(3)),
        sa.Column("new_amount", ExactDecimal()),
        sa.Column("new_currency", sa.String(3)),
        sa.Column("percent", ExactDecimal()),
        sa.Column("free_until", UTCDateTime()),
        sa.Column("cap_note", sa.Text),
        sa.Column("effective_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("history", sa.Boolean, nullable=False),
    )
    op.create_index("ix_price_events_model", "price_events", ["model_id", "effective_at"])
    op.create_table(
        "fx_rates",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("base", sa.String(3), nullable=False),
        sa.Column("quote", sa.String(3), nullable=False),
        sa.Column("rate", ExactDecimal(), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.UniqueConstraint("base", "quote", "as_of", "source", name="uq_fx_rates"),
    )


def downgrade() -> None:
    for table in (
        "fx_rates",
        "price_events",
        "free_offers",
        "price_points",
        "model_aliases",
        "models",
        "vendors",
    ):
        op.drop_table(table)
