"""The Slack Notifier against the fake Slack: tokens per workspace, errors, 429, threads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.alerts.notifier import ChatGone, Outgoing, RetryAfter, TemporaryFailure
from bot.chat.slack.installations import FixedToken, InstalledTokens, ThreadedInstallationStore
from bot.chat.slack.notifier import SlackNotifier, WorkspaceGone, web_client
from bot.messages import Button, ChatRef, Platform, Reply, ReplyKind, Row
from storage import SlackStore
from tests.fakes.slack_api import FakeSlack, Workspace
from tests.fakes.slack_messages import mrkdwn_texts

CUT = Reply(
    title="DeepSeek-V2: input price cut 50%",
    kind=ReplyKind.ALERT,
    lines=("deepseek/deepseek-chat input ¥2 → ¥1 per 1M tokens",),
    rows=(Row("input", "¥1.00", "was ¥2.00"),),
    buttons=(Button("Mute 1 day", "mute:1d"), Button("Unsubscribe", "unsub:7")),
)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2024, 5, 15, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def channel(chat_id: str = "CGENERAL", team: str = "T0ACME") -> ChatRef:
    return ChatRef(Platform.SLACK, chat_id, team)


@pytest.fixture
def gone() -> list[str]:
    """Workspaces the notifier reported gone."""
    return []


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def notifier(
    fake_slack: FakeSlack, workspace: Workspace, slack_store: SlackStore, gone, clock
) -> SlackNotifier:
    async def workspace_gone(team_id: str) -> None:
        gone.append(team_id)

    return SlackNotifier(
        tokens=FixedToken(workspace.bot_token),
        store=slack_store,
        client=web_client(fake_slack.base_url),
        on_workspace_gone=workspace_gone,
        clock=clock,
    )


async def test_alert_arrives_as_block_kit_with_buttons(
    notifier: SlackNotifier, fake_slack: FakeSlack
) -> None:
    sent = await notifier.send(Outgoing(channel(), CUT))
    [message] = fake_slack.posted("CGENERAL")
    assert sent.message_id and sent.message_id.startswith("1716000000.")
    assert "¥2 → ¥1" in message["text"]
    assert message["blocks"][0]["text"]["text"] == "*DeepSeek-V2: input price cut 50%*"
    buttons = next(b for b in message["blocks"] if b["type"] == "actions")["elements"]
    assert [(b["text"]["text"], b["value"]) for b in buttons] == [
        ("Mute 1 day", "mute:1d"),
        ("Unsubscribe", "unsub:7"),
    ]


async def test_each_workspace_gets_its_own_token(
    fake_slack: FakeSlack, engine, slack_store: SlackStore
) -> None:
    installations = ThreadedInstallationStore(engine, client_id=fake_slack.client_id)
    for team in ("T0ONE", "T0TWO"):
        ws = fake_slack.add_workspace(team)
        fake_slack.add_channel(team, f"C{team}", creator="U1")
        await installations.async_save(
            Installation(
                app_id=ws.app_id,
                team_id=team,
                bot_token=ws.bot_token,
                bot_id=ws.bot_id,
                bot_user_id=ws.bot_user_id,
                user_id="UINSTALLER",
            )
        )
    notifier = SlackNotifier(
        tokens=InstalledTokens(installations),
        store=slack_store,
        client=web_client(fake_slack.base_url),
    )
    await notifier.send(Outgoing(channel("CT0ONE", "T0ONE"), CUT))
    await notifier.send(Outgoing(channel("CT0TWO", "T0TWO"), CUT))
    tokens = {call.args["channel"]: call.token for call in fake_slack.calls("chat.postMessage")}
    assert tokens == {
        "CT0ONE": fake_slack.workspaces["T0ONE"].bot_token,
        "CT0TWO": fake_slack.workspaces["T0TWO"].bot_token,
    }
    with pytest.raises(WorkspaceGone):
        await notifier.send(Outgoing(channel("CNEVER", "T0NEVER"), CUT))


async def test_429_becomes_retry_after_with_slacks_seconds(
    notifier: SlackNotifier, fake_slack: FakeSlack
) -> None:
    fake_slack.rate_limit("chat.postMessage", retry_after=30)
    with pytest.raises(RetryAfter) as raised:
        await notifier.send(Outgoing(channel(), CUT))
    assert raised.value.seconds == 30
    assert fake_slack.posted() == []


@pytest.mark.parametrize("error", ["channel_not_found", "is_archived", "not_in_channel"])
async def test_a_channel_that_is_gone_is_chat_gone(
    notifier: SlackNotifier, fake_slack: FakeSlack, gone: list[str], error: str
) -> None:
    fake_slack.fail("chat.postMessage", error)
    with pytest.raises(ChatGone) as raised:
        await notifier.send(Outgoing(channel(), CUT))
    assert not isinstance(raised.value, WorkspaceGone)
    assert gone == []


async def test_an_archived_channel_is_chat_gone_without_scripting(
    notifier: SlackNotifier, fake_slack: FakeSlack
) -> None:
    fake_slack.channels["CPRICES"].is_archived = True
    with pytest.raises(ChatGone, match="is_archived"):
        await notifier.send(Outgoing(channel("CPRICES"), CUT))
    with pytest.raises(ChatGone, match="channel_not_found"):
        await notifier.send(Outgoing(channel("CDELETED"), CUT))


@pytest.mark.parametrize("error", ["token_revoked", "account_inactive"])
async def test_a_workspace_that_is_gone_stops_the_workspace(
    notifier: SlackNotifier, fake_slack: FakeSlack, gone: list[str], error: str
) -> None:
    fake_slack.fail("chat.postMessage", error)
    with pytest.raises(WorkspaceGone) as raised:
        await notifier.send(Outgoing(channel(), CUT))
    assert isinstance(raised.value, ChatGone)
    assert gone == ["T0ACME"]


async def test_uninstalled_workspace_answers_token_revoked(
    notifier: SlackNotifier, fake_slack: FakeSlack, gone: list[str]
) -> None:
    fake_slack.revoke("T0ACME")
    with pytest.raises(WorkspaceGone):
        await notifier.send(Outgoing(channel(), CUT))
    assert gone == ["T0ACME"]


@pytest.mark.parametrize("error", ["internal_error", "fatal_error", "msg_too_long"])
async def test_other_errors_are_temporary(
    notifier: SlackNotifier, fake_slack: FakeSlack, gone: list[str], error: str
) -> None:
    fake_slack.fail("chat.postMessage", error)
    with pytest.raises(TemporaryFailure, match=error):
        await notifier.send(Outgoing(channel(), CUT))
    assert gone == []


async def test_unreachable_slack_is_temporary(
    fake_slack: FakeSlack, workspace: Workspace, slack_store: SlackStore
) -> None:
    notifier = SlackNotifier(
        tokens=FixedToken(workspace.bot_token),
        store=slack_store,
        client=web_client("http://127.0.0.1:9/api/"),
    )
    with pytest.raises(TemporaryFailure):
        await notifier.send(Outgoing(channel(), CUT))


async def test_follow_ups_about_a_model_go_into_its_thread(
    notifier: SlackNotifier, fake_slack: FakeSlack, slack_store: SlackStore, clock: Clock
) -> None:
    first = await notifier.send(Outgoing(channel(), CUT, thread_key="deepseek/deepseek-chat"))
    clock.now += timedelta(hours=3)
    await notifier.send(Outgoing(channel(), CUT, thread_key="deepseek/deepseek-chat"))
    await notifier.send(Outgoing(channel(), CUT, thread_key="alibaba/qwen-long"))
    await notifier.send(Outgoing(channel("CPRICES"), CUT, thread_key="deepseek/deepseek-chat"))

    # A notifier started later (another process, after a restart) still knows the thread.
    again = SlackNotifier(
        tokens=FixedToken(fake_slack.workspaces["T0ACME"].bot_token),
        store=slack_store,
        client=web_client(fake_slack.base_url),
        clock=clock,
    )
    await again.send(Outgoing(channel(), CUT, thread_key="deepseek/deepseek-chat"))
    threads = [(m["channel"], m.get("thread_ts")) for m in fake_slack.posted()]
    assert threads == [
        ("CGENERAL", None),
        ("CGENERAL", first.message_id),
        ("CGENERAL", None),
        ("CPRICES", None),
        ("CGENERAL", first.message_id),
    ]


async def test_old_threads_are_not_reused(
    notifier: SlackNotifier, fake_slack: FakeSlack, clock: Clock
) -> None:
    await notifier.send(Outgoing(channel(), CUT, thread_key="m"))
    clock.now += timedelta(days=8)
    fresh = await notifier.send(Outgoing(channel(), CUT, thread_key="m"))
    clock.now += timedelta(hours=1)
    await notifier.send(Outgoing(channel(), CUT, thread_key="m"))
    assert [m.get("thread_ts") for m in fake_slack.posted()] == [None, None, fresh.message_id]


async def test_a_deleted_thread_parent_starts_a_new_thread(
    notifier: SlackNotifier, fake_slack: FakeSlack
) -> None:
    await notifier.send(Outgoing(channel(), CUT, thread_key="m"))
    fake_slack.fail("chat.postMessage", "thread_not_found")
    fresh = await notifier.send(Outgoing(channel(), CUT, thread_key="m"))
    await notifier.send(Outgoing(channel(), CUT, thread_key="m"))
    assert [m.get("thread_ts") for m in fake_slack.posted()] == [None, None, fresh.message_id]


async def test_mrkdwn_in_names_is_escaped(notifier: SlackNotifier, fake_slack: FakeSlack) -> None:
    reply = Reply(title="<!channel> & co", lines=("model <b>*x*</b> & <@U1>",))
    await notifier.send(Outgoing(channel(), reply))
    message = fake_slack.posted()[0]
    for text in mrkdwn_texts(message):
        assert "<!channel>" not in text and "<@U1>" not in text and "<b>" not in text
    assert "&lt;!channel&gt; &amp; co" in message["text"]
