"""Chats: the language a chat chose to hear ('en' or 'zh'; NULL when it never chose).

Revision ID: 0008_chat_language
Revises: 0007_feed_content
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_chat_language"
down_revision = "0007_feed_content"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chats") as batch:
        batch.add_column(sa.Column("language", sa.String(8)))


def downgrade() -> None:
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("language")
