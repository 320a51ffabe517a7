"""Sources: status, models of the last good snapshot, held-back snapshots, pending confirmations

Revision ID: 0002_sources
Revises: 0001_price_store
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0002_sources"
down_revision = "0001_price_store"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_status",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("location", sa.Text),
        sa.Column("first_success_at", UTCDateTime()),
        sa.Column("last_attempt_at", UTCDateTime()),
        sa.Column("last_success_at", UTCDateTime()),
        sa.Column("last_error_at", UTCDateTime()),
        sa.Column("last_error", sa.Text),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("model_count", sa.Integer, nullable=False),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("last_outcome", sa.String(32)),
        sa.Column("last_message", sa.Text),
        sa.Column("held_back_count", sa.Integer, nullable=False),
    )
    op.create_table(
        "source_models",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("model_id", sa.String(200), primary_key=True),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "source_held_snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("held_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("times_seen", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("model_count", sa.Integer, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("location", sa.Text),
        sa.Column("body_gzip", sa.LargeBinary),
        sa.UniqueConstraint("source", "digest", name="uq_source_held_digest"),
    )
    op.create_index(
        "ix_source_held_snapshots_source", "source_held_snapshots", ["source"], unique=False
    )
    op.create_table(
        "source_pending",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("model_id", sa.String(200), primary_key=True),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in ("source_pending", "source_held_snapshots", "source_models", "source_status"):
        op.drop_table(table)
