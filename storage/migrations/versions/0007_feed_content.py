"""Sources: the key of what the last accepted snapshot said.

- `source_status.content_key`: a digest of the last accepted feed body (or a bundled
  dataset's version). A feed that says the same again is accepted without comparing
  thousands of prices with the past: only its listings are refreshed.

Revision ID: 0007_feed_content
Revises: 0006_source_counts
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_feed_content"
down_revision = "0006_source_counts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source_status") as batch:
        batch.add_column(sa.Column("content_key", sa.String(200)))


def downgrade() -> None:
    with op.batch_alter_table("source_status") as batch:
        batch.drop_column("content_key")
