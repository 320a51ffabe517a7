"""Sources: what `sources status` counts beyond one status line.

- `source_status.not_modified_count`: fetches the server answered with 304 Not
  Modified (each writes nothing else).
- `source_status.skipped_count`, `rejected_count`, `left_out`: the entries of the
  last accepted snapshot left out on purpose (pointers, routers, not priced per
  token) and refused (could not be read), counted, and named in `left_out`
  (JSON), so a feed entry that cannot be mapped is never dropped silently, even
  after later fetches answer 304.

Revision ID: 0006_source_counts
Revises: 0005_offers_and_dates
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_source_counts"
down_revision = "0005_offers_and_dates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source_status") as batch:
        for column in ("not_modified_count", "skipped_count", "rejected_count"):
            batch.add_column(sa.Column(column, sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("left_out", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("source_status") as batch:
        for column in ("left_out", "rejected_count", "skipped_count", "not_modified_count"):
            batch.drop_column(column)
