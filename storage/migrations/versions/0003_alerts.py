"""Alerts: subscriptions, chats, deliveries, cursors (issue 5 fills this in)

Revision ID: 0003_alerts
Revises: 0002_sources
Create Date: 2026-11-28
"""

from __future__ import annotations

revision = "0003_alerts"
down_revision = "0002_sources"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Reserved so that areas built in parallel keep one ordered history."""


def downgrade() -> None:
    pass
