"""The Slack adapter, driven by signed requests over HTTP, answering through the fake Slack.

The command layer here is a recording one: these tests check what the adapter
passes on (text, Context) and how it shows the answer; scenario tests use the real one.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.chat.context import ChatType
from bot.messages import Platform
from tests.fakes.commands import RecordingCommands
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_messages import all_text
from tests.fakes.slack_requests import Signer
from tests.slack.conftest import Served


async def slash(
    served: Served, signer: Signer, fake: FakeSlack, text: str, *, user: str, channel: str
) -> list[dict]:
    """Run `/pricebot text` and return what reached its response_url."""
    url = fake.new_response_url()
    status, _ = await served.post(
        signer.slash_command(text, user_id=user, channel_id=channel, response_url=url)
    )
    assert status == 200
    await fake.wait_for(lambda: fake.responses_to(url))
    return fake.responses_to(url)


@pytest.mark.parametrize(
    ("typed", "passed"),
    [
        ("subscribe deepseek", "/subscribe deepseek"),
        (
            "subscribe cheapest for 1M tokens with 128k context",
            "/subscribe cheapest for 1M tokens with 128k context",
        ),
        ("unsubscribe deepseek", "/unsubscribe deepseek"),
        ("list", "/subscriptions"),
        ("cheapest for 1M tokens", "/cheapest for 1M tokens"),
        ("price qwen-long", "/price qwen-long"),
        ("help", "/help"),
        ("", "/help"),
        ("100万tokens最便宜的是哪个？", "100万tokens最便宜的是哪个？"),
        ("price &lt;b&gt;x&amp;y", "/price <b>x&y"),
    ],
)
async def test_slash_subcommands_become_the_command_layers_commands(
    served: Served,
    signer: Signer,
    fake_slack: FakeSlack,
    commands: RecordingCommands,
    typed: str,
    passed: str,
) -> None:
    await slash(served, signer, fake_slack, typed, user="UMEMBER", channel="CGENERAL")
    [(text, ctx)] = commands.handled
    assert text == passed
    assert ctx.chat.platform is Platform.SLACK
    assert (ctx.chat.chat_id, ctx.chat.team_id) == ("CGENERAL", "T0ACME")
    assert ctx.chat_type is ChatType.GROUP
    assert ctx.user_id == "UMEMBER"


async def test_questions_are_ephemeral_unless_shared(
    served: Served, signer: Signer, fake_slack: FakeSlack
) -> None:
    [private] = await slash(
        served, signer, fake_slack, "cheapest for 1M tokens", user="UMEMBER", channel="CGENERAL"
    )
    [shared] = await slash(
        served,
        signer,
        fake_slack,
        "cheapest for 1M tokens share",
        user="UMEMBER",
        channel="CGENERAL",
    )
    assert private["response_type"] == "ephemeral"
    assert shared["response_type"] == "in_channel"
    assert "Answer to /pricebot cheapest for 1M tokens" in all_text(shared)
    assert fake_slack.posted() == []


async def test_subscription_changes_are_announced_refusals_are_not(
    served: Served, signer: Signer, fake_slack: FakeSlack
) -> None:
    [change] = await slash(
        served, signer, fake_slack, "subscribe deepseek", user="UADMIN", channel="CGENERAL"
    )
    [refusal] = await slash(served, signer, fake_slack, "oops", user="UADMIN", channel="CGENERAL")
    assert change["response_type"] == "in_channel"
    assert "Subscribed: deepseek" in all_text(change)
    assert refusal["response_type"] == "ephemeral"


@pytest.mark.parametrize(
    ("user", "channel", "is_admin"),
    [
        ("UADMIN", "CGENERAL", True),  # a workspace admin
        ("UMEMBER", "CGENERAL", False),  # a plain member
        ("UCREATOR", "CPRICES", True),  # the channel's creator
        ("UCREATOR", "CGENERAL", False),  # creator elsewhere, not here
        ("UMEMBER", "DMEMBER", True),  # one's own DM with pricebot
    ],
)
async def test_is_admin_comes_from_slack(
    served: Served,
    signer: Signer,
    fake_slack: FakeSlack,
    commands: RecordingCommands,
    user: str,
    channel: str,
    is_admin: bool,
) -> None:
    await slash(served, signer, fake_slack, "subscribe deepseek", user=user, channel=channel)
    [(_, ctx)] = commands.handled
    assert ctx.is_admin is is_admin


async def test_owner_counts_as_admin(
    served: Served, signer: Signer, fake_slack: FakeSlack, commands: RecordingCommands
) -> None:
    fake_slack.add_user("T0ACME", "UOWNER", is_owner=True)
    await slash(served, signer, fake_slack, "list", user="UOWNER", channel="CGENERAL")
    assert commands.handled[0][1].is_admin is True


async def test_slack_is_acknowledged_before_slow_work(
    served: Served, signer: Signer, fake_slack: FakeSlack, commands: RecordingCommands
) -> None:
    commands.hold = asyncio.Event()
    url = fake_slack.new_response_url()
    request = signer.slash_command(
        "cheapest for 1M tokens", user_id="UMEMBER", channel_id="CGENERAL", response_url=url
    )
    status, body = await asyncio.wait_for(served.post(request), timeout=2.5)
    assert (status, body) == (200, "")
    assert fake_slack.responses_to(url) == []  # the answer is still being worked out
    commands.hold.set()
    await fake_slack.wait_for(lambda: fake_slack.responses_to(url))


async def test_mention_is_a_question_answered_to_the_asker_only(
    served: Served, signer: Signer, fake_slack: FakeSlack, commands: RecordingCommands
) -> None:
    event = {
        "type": "app_mention",
        "user": "UMEMBER",
        "text": "<@UBT0ACME> cheapest for 1M tokens?",
        "ts": "1716000001.000100",
        "channel": "CGENERAL",
        "event_ts": "1716000001.000100",
    }
    status, _ = await served.post(signer.event(event))
    assert status == 200
    await fake_slack.wait_for(lambda: fake_slack.ephemerals())
    [only] = fake_slack.ephemerals("CGENERAL")
    assert only["user"] == "UMEMBER"
    assert commands.handled[0][0] == "/cheapest for 1M tokens?"
    assert fake_slack.posted() == []

    shared = dict(event, text="<@UBT0ACME> share cheapest for 1M tokens?", ts="1716000002.1")
    await served.post(signer.event(shared))
    await fake_slack.wait_for(lambda: fake_slack.posted())
    assert "Answer to /pricebot cheapest for 1M tokens?" in all_text(
        fake_slack.posted("CGENERAL")[0]
    )


async def test_any_dm_is_a_question_and_own_messages_are_ignored(
    served: Served, signer: Signer, fake_slack: FakeSlack, commands: RecordingCommands
) -> None:
    dm = {
        "type": "message",
        "channel_type": "im",
        "channel": "DMEMBER",
        "user": "UMEMBER",
        "text": "what is free now?",
        "ts": "1716000003.000100",
    }
    chatter = dict(dm, channel_type="channel", channel="CGENERAL", ts="1716000003.2")
    mine = dict(dm, user="UBT0ACME", bot_id="BBT0ACME", ts="1716000003.3")
    for event in (chatter, mine, dm):
        assert (await served.post(signer.event(event)))[0] == 200
    await fake_slack.wait_for(lambda: fake_slack.posted("DMEMBER"))
    await asyncio.sleep(0.05)
    assert [text for text, _ in commands.handled] == ["what is free now?"]
    assert commands.handled[0][1].chat_type is ChatType.PRIVATE
    assert len(fake_slack.posted()) == 1


async def test_alert_buttons_are_pressed_in_their_channel(
    served: Served, signer: Signer, fake_slack: FakeSlack, commands: RecordingCommands
) -> None:
    url = fake_slack.new_response_url()
    request = signer.block_action(
        "mute:1d",
        action_id="pricebot:0",
        user_id="UMEMBER",
        channel_id="CGENERAL",
        response_url=url,
    )
    assert (await served.post(request))[0] == 200
    await fake_slack.wait_for(lambda: fake_slack.responses_to(url))
    [(action, ctx)] = commands.pressed
    assert action == "mute:1d"
    assert (ctx.chat.chat_id, ctx.user_id, ctx.is_admin) == ("CGENERAL", "UMEMBER", False)
    assert "Pressed mute:1d" in all_text(fake_slack.responses_to(url)[0])


async def test_app_home_shows_the_users_conversations_with_buttons(
    served: Served, signer: Signer, fake_slack: FakeSlack, commands: RecordingCommands
) -> None:
    opened = {"type": "app_home_opened", "user": "UMEMBER", "channel": "DMEMBER", "tab": "home"}
    assert (await served.post(signer.event(opened)))[0] == 200
    await fake_slack.wait_for(lambda: fake_slack.calls("views.publish"))
    [published] = fake_slack.calls("views.publish")
    view = published.args["view"]
    assert published.args["user_id"] == "UMEMBER"
    text = all_text({"blocks": view["blocks"]})
    assert "Subscriptions of DMEMBER" in text
    assert "currency CNY, mix 3:1" in text
    buttons = [
        element
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert [b["value"] for b in buttons] == ["DMEMBER|unsub:1"]

    # Pressing it acts on the DM and redraws the Home with the result on top.
    press = signer.block_action(
        buttons[0]["value"],
        action_id=buttons[0]["action_id"],
        user_id="UMEMBER",
        channel_id=None,
        response_url=None,
        view={"id": "V1", "private_metadata": view["private_metadata"]},
    )
    assert (await served.post(press))[0] == 200
    await fake_slack.wait_for(lambda: len(fake_slack.calls("views.publish")) == 2)
    assert commands.pressed[0][0] == "unsub:1"
    assert commands.pressed[0][1].chat.chat_id == "DMEMBER"
    redrawn = fake_slack.calls("views.publish")[1].args["view"]
    assert "Pressed unsub:1" in all_text({"blocks": redrawn["blocks"]})
    assert json.loads(redrawn["private_metadata"]) == {"dm": "DMEMBER"}


async def test_retried_events_are_handled_once(
    served: Served, signer: Signer, fake_slack: FakeSlack, commands: RecordingCommands
) -> None:
    dm = {
        "type": "message",
        "channel_type": "im",
        "channel": "DMEMBER",
        "user": "UMEMBER",
        "text": "cheapest?",
        "ts": "1716000004.000100",
    }
    first = signer.event(dm, event_id="Ev0RETRY")
    retry = signer.event(dm, event_id="Ev0RETRY", retry_num=1)
    assert (await served.post(first))[0] == 200
    assert (await served.post(retry))[0] == 200
    await fake_slack.wait_for(lambda: fake_slack.posted("DMEMBER"))
    await asyncio.sleep(0.05)
    assert len(commands.handled) == 1
    assert len(fake_slack.posted("DMEMBER")) == 1


@pytest.mark.parametrize("spoil", ["unsigned", "tampered", "stale"])
async def test_unsigned_badly_signed_and_replayed_requests_are_refused(
    served: Served, signer: Signer, fake_slack: FakeSlack, commands: RecordingCommands, spoil: str
) -> None:
    url = fake_slack.new_response_url()
    good = signer.slash_command(
        "subscribe deepseek", user_id="UADMIN", channel_id="CGENERAL", response_url=url
    )
    bad = getattr(good, spoil)()
    before = len(fake_slack.received)
    status, _ = await served.post(bad)
    await asyncio.sleep(0.05)
    assert status == 401
    assert commands.handled == []
    assert fake_slack.responses == [] and fake_slack.received[before:] == []


async def test_slacks_url_check_is_answered_only_when_signed(
    served: Served, signer: Signer
) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "3eZbrw1aBm2rZgRNFdxV"})
    signed = signer.sign(body, "application/json")
    assert await served.post(signed) == (200, '{"challenge": "3eZbrw1aBm2rZgRNFdxV"}')
    assert (await served.post(signed.tampered()))[0] == 401
