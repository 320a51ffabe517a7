"""Who may change a channel's alerts in a Slack workspace: the command layer's rule.

Admins and owners of the workspace, and the channel's creator, arrive as
`is_admin`; a workspace admin (`team_admin`) may let everyone with `/workspace`.
"""

from __future__ import annotations

import pytest

from bot.alerts.evaluate import AlertEvaluator
from bot.app import seed_if_empty
from bot.chat.commands import Commands, Services
from bot.chat.context import ChatType, Context
from bot.messages import ChatRef, Platform, Reply, ReplyKind
from storage import ChatKey, PriceStore, SubscriptionStore, WorkspaceStore
from tests.helpers import utc

NOW = utc(2024, 5, 23, 12)


def in_channel(
    user: str, *, admin: bool = False, team_admin: bool = False, team: str = "T1"
) -> Context:
    return Context(
        chat=ChatRef(Platform.SLACK, "CGENERAL", team),
        user_id=user,
        is_admin=admin or team_admin,
        now=NOW,
        chat_type=ChatType.GROUP,
        team_admin=team_admin,
    )


@pytest.fixture
def commands(store: PriceStore) -> Commands:
    seed_if_empty(store, now=utc(2024, 5, 1))
    services = Services(
        store,
        SubscriptionStore(store.engine),
        AlertEvaluator(store),
        workspaces=WorkspaceStore(store.engine),
    )
    return Commands(services)


async def say(commands: Commands, text: str, ctx: Context) -> Reply:
    (reply,) = await commands.handle(text, ctx)
    return reply


def channel_subscriptions(commands: Commands, team: str = "T1") -> int:
    return len(commands.services.subscriptions.list_for(ChatKey("slack", "CGENERAL", team)))


async def test_by_default_members_cannot_change_a_channels_alerts(commands: Commands) -> None:
    refused = await say(commands, "/subscribe deepseek", in_channel("UMEMBER"))
    assert refused.kind is ReplyKind.ERROR
    assert refused.title == "Only this chat's admins can change its alerts"
    assert channel_subscriptions(commands) == 0
    # The creator (or an admin) may; anyone may ask and look.
    creator = await say(commands, "/subscribe deepseek", in_channel("UCREATOR", admin=True))
    assert creator.kind is not ReplyKind.ERROR
    assert channel_subscriptions(commands) == 1
    listed = await say(commands, "/subscriptions", in_channel("UMEMBER"))
    assert listed.kind is not ReplyKind.ERROR


async def test_a_workspace_admin_can_let_everyone(commands: Commands) -> None:
    boss = in_channel("UBOSS", team_admin=True)
    shown = await say(commands, "/workspace", boss)
    assert "workspace admins and owners, and the channel's creator" in shown.lines[0]
    assert [b.action for b in shown.buttons] == ["/workspace everyone on"]

    changed = await say(commands, "/workspace everyone on", boss)
    assert changed.title == "Workspace settings changed"
    assert "everyone in the workspace" in changed.lines[0]
    member = await say(commands, "/subscribe deepseek", in_channel("UMEMBER"))
    assert member.kind is not ReplyKind.ERROR
    assert channel_subscriptions(commands) == 1
    # Another workspace keeps its own rule.
    other = await say(commands, "/subscribe deepseek", in_channel("UMEMBER", team="T2"))
    assert other.kind is ReplyKind.ERROR

    await say(commands, "/workspace everyone off", boss)
    again = await say(commands, "/unsubscribe all", in_channel("UMEMBER"))
    assert again.kind is ReplyKind.ERROR
    assert channel_subscriptions(commands) == 1


async def test_only_workspace_admins_change_the_rule(commands: Commands) -> None:
    creator = in_channel("UCREATOR", admin=True)  # admin of the channel, not the workspace
    refused = await say(commands, "/workspace everyone on", creator)
    assert (
        refused.kind is ReplyKind.ERROR and refused.title == "Only workspace admins can change this"
    )
    assert (await say(commands, "/workspace", creator)).buttons == ()
    member = await say(commands, "/subscribe deepseek", in_channel("UMEMBER"))
    assert member.kind is ReplyKind.ERROR


async def test_chats_outside_a_workspace_have_no_workspace_settings(commands: Commands) -> None:
    telegram = Context(ChatRef(Platform.TELEGRAM, "100"), "u1", True, NOW)
    reply = await say(commands, "/workspace everyone on", telegram)
    assert reply.kind is ReplyKind.ERROR
    assert reply.title == "Only Slack workspaces have workspace settings"


@pytest.mark.parametrize("text", ["everyone maybe", "sometimes", "everyone on off"])
async def test_unreadable_workspace_settings_get_an_example(commands: Commands, text: str) -> None:
    reply = await say(commands, f"/workspace {text}", in_channel("UBOSS", team_admin=True))
    assert reply.kind is ReplyKind.ERROR
    assert reply.lines == ("Example: /workspace everyone on",)
