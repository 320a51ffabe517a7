"""Slack: installations and OAuth state (issue 7 fills this in)

Revision ID: 0004_slack
Revises: 0003_alerts
Create Date: 2026-11-28
"""

from __future__ import annotations

revision = "0004_slack"
down_revision = "0003_alerts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Reserved so that areas built in parallel keep one ordered history."""


def downgrade() -> None:
    pass
