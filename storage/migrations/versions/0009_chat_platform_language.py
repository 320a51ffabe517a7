"""Chats: the language of the person who set the chat up, as their platform reported it
('en' or 'zh'; NULL when no one with a known language has spoken to the bot there).

Alerts and digests go out in the chat's own choice (`language`), else in this one.

Revision ID: 0009_chat_platform_language
Revises: 0008_chat_language
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_chat_platform_language"
down_revision = "0008_chat_language"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chats") as batch:
        batch.add_column(sa.Column("platform_language", sa.String(8)))


def downgrade() -> None:
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("platform_language")
