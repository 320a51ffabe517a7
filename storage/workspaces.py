"""Workspace-wide settings (Slack workspaces): who may change a channel's alerts.

By default only a workspace's admins and owners, and a channel's creator, may
change that channel's subscriptions; a workspace admin can let everyone. Chats
outside a workspace (Telegram, the console) have no row here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Engine, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.tables import Base
from storage.types import UTCDateTime
from storage.values import require_utc


class WorkspaceSettingsRow(Base):
    """One workspace's pricebot settings."""

    __tablename__ = "workspace_settings"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    everyone_changes_alerts: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(64))


class WorkspaceStore:
    """Reads and writes workspace settings (synchronous; handlers use asyncio.to_thread)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def everyone_changes_alerts(self, platform: str, team_id: str) -> bool:
        """May every member change any channel's alerts in this workspace?"""
        with Session(self.engine) as session:
            row = session.get(WorkspaceSettingsRow, (platform, team_id))
            return bool(row and row.everyone_changes_alerts)

    def set_everyone_changes_alerts(
        self, platform: str, team_id: str, allowed: bool, *, by: str, now: datetime
    ) -> None:
        """Allow (or stop allowing) every member to change channels' alerts."""
        with Session(self.engine) as session, session.begin():
            session.merge(
                WorkspaceSettingsRow(
                    platform=platform,
                    team_id=team_id,
                    everyone_changes_alerts=allowed,
                    updated_at=require_utc(now),
                    updated_by=by,
                )
            )
