"""Sources: status, held-back snapshots (issue 4 fills this in)

Revision ID: 0002_sources
Revises: 0001_price_store
Create Date: 2026-11-28
"""

from __future__ import annotations

revision = "0002_sources"
down_revision = "0001_price_store"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Reserved so that areas built in parallel keep one ordered history."""


def downgrade() -> None:
    pass
