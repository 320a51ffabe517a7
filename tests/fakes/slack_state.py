"""What the fake Slack knows: workspaces, users, channels, scripted failures, OAuth grants."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Call:
    """One Web API request the fake received."""

    method: str
    args: dict[str, Any]
    token: str | None


@dataclass
class Workspace:
    """A Slack workspace (team) with its bot installation."""

    team_id: str
    name: str
    bot_token: str
    bot_user_id: str
    bot_id: str
    app_id: str = "A0PRICEBOT"
    revoked: bool = False
    inactive: bool = False


@dataclass
class User:
    user_id: str
    team_id: str
    name: str
    is_admin: bool = False
    is_owner: bool = False
    is_primary_owner: bool = False
    is_bot: bool = False
    tz: str = "UTC"
    # users.info gives it when asked with include_locale=true ('zh-CN' for Chinese).
    locale: str = "en-US"


@dataclass
class Channel:
    channel_id: str
    team_id: str
    name: str
    creator: str
    is_private: bool = False
    is_im: bool = False
    is_archived: bool = False
    # Members, when known; ephemeral messages reach only members.
    members: set[str] = field(default_factory=set)


@dataclass
class Failure:
    """A scripted failure: answer `error` (or 429) to the next `times` matching calls."""

    method: str
    error: str | None
    retry_after: int | None
    times: int
    channel: str | None


@dataclass
class OAuthGrant:
    """What `oauth.v2.access` hands out for one code."""

    workspace: Workspace
    installer: str
    scope: str
