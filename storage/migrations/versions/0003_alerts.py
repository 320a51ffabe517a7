"""Alerts: chats and their settings, subscriptions, alert items, deliveries, the cursor.

Revision ID: 0003_alerts
Revises: 0002_sources
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import ExactDecimal, UTCDateTime

revision = "0003_alerts"
down_revision = "0002_sources"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chats",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(128), nullable=False),
        sa.Column("team_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("chat_type", sa.String(16), nullable=False, server_default="private"),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("mix_input", sa.Integer, nullable=False, server_default="3"),
        sa.Column("mix_output", sa.Integer, nullable=False, server_default="1"),
        sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC"),
        sa.Column("quiet_start", sa.Integer),
        sa.Column("quiet_end", sa.Integer),
        sa.Column("quiet_mode", sa.String(8), nullable=False, server_default="hold"),
        sa.Column("muted_until", UTCDateTime()),
        sa.Column("digest_minute", sa.Integer),
        sa.Column("next_digest_at", UTCDateTime()),
        sa.Column("default_question", sa.Text),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("platform", "team_id", "chat_id", name="uq_chats_platform_chat"),
    )
    op.create_index("ix_chats_team", "chats", ["platform", "team_id"])
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("chat_pk", sa.Integer, sa.ForeignKey("chats.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("scope_kind", sa.String(8), nullable=False),
        sa.Column("scope_value", sa.String(200), nullable=False, server_default=""),
        sa.Column("min_cut_percent", ExactDecimal(), nullable=False),
        sa.Column("on_free", sa.Boolean, nullable=False),
        sa.Column("on_increase", sa.Boolean, nullable=False),
        sa.Column("on_new_model", sa.Boolean, nullable=False),
        sa.Column("on_free_ending", sa.Boolean, nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("target_amount", ExactDecimal()),
        sa.Column("target_currency", sa.String(3)),
        sa.Column("target_basis", sa.String(8), nullable=False, server_default="blended"),
        sa.Column("target_min_context", sa.Integer),
        sa.Column("target_mix_input", sa.Integer, nullable=False, server_default="3"),
        sa.Column("target_mix_output", sa.Integer, nullable=False, server_default="1"),
        sa.Column("question", sa.Text),
        sa.Column("group_key", sa.String(300)),
        sa.Column("armed", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("fired_at", UTCDateTime()),
        sa.Column("rearm_not_before", UTCDateTime()),
        sa.Column("last_signature", sa.Text),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(128)),
    )
    op.create_index("ix_subscriptions_chat", "subscriptions", ["chat_pk"])
    op.create_index(
        "ix_subscriptions_match", "subscriptions", ["kind", "scope_kind", "scope_value"]
    )
    op.create_index("ix_subscriptions_group", "subscriptions", ["group_key"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        # The outbox has no foreign keys: PostgreSQL would check 100,000 rows one by one
        # on a big cut, and chats and events are never deleted.
        sa.Column("chat_pk", sa.Integer, nullable=False),
        sa.Column("seal", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("held", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("lease_until", UTCDateTime()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime()),
        sa.Column("message_id", sa.String(128)),
        sa.Column("last_error", sa.Text),
        sa.UniqueConstraint("seal", "chat_pk", name="uq_deliveries_seal_chat"),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_deliveries_chat", "deliveries", ["chat_pk", "status"])
    op.create_table(
        "alert_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("chat_pk", sa.Integer, nullable=False),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("note_sub", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("subscription_id", sa.Integer, nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("seal", sa.String(40)),
        sa.Column("detail", sa.Text),
        sa.Column("previous", sa.Text),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("chat_pk", "event_id", "note_sub", name="uq_alert_items_once"),
    )
    op.create_index("ix_alert_items_seal", "alert_items", ["seal", "chat_pk"])
    op.create_index(
        "ix_alert_items_unsealed",
        "alert_items",
        ["due_at"],
        sqlite_where=sa.text("seal IS NULL"),
        postgresql_where=sa.text("seal IS NULL"),
    )
    op.create_table(
        "alert_cursors",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("last_event_id", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in ("alert_cursors", "alert_items", "deliveries", "subscriptions", "chats"):
        op.drop_table(table)
