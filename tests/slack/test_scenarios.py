"""Scenarios: pricebot as `pricebot run` wires it (build_app), on Slack.

The real slack-bolt app receives signed requests over HTTP; the real command layer,
answers engine, fan-out and dispatcher run on SQLite and PostgreSQL; the Slack
Notifier posts to the fake Slack. Nothing of pricebot's is mocked.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.app import App, build_app
from bot.chat.slack import SlackFrontEnd
from storage import ChatKey
from tests.fakes.slack_api import FakeSlack, Workspace
from tests.fakes.slack_messages import all_text
from tests.fakes.slack_requests import Signer
from tests.helpers import quote
from tests.slack.conftest import SIGNING_SECRET, Served, close, serve, slack_settings
from tests.slack.test_modes import install


@dataclass
class Pricebot:
    """A running pricebot (without its scheduler: tests move fan-out and dispatch along)."""

    app: App
    served: Served
    fake: FakeSlack

    @property
    def front(self) -> SlackFrontEnd:
        front = self.served.front
        assert isinstance(front, SlackFrontEnd)
        return front

    async def slash(self, signer: Signer, text: str, *, user: str, channel: str) -> dict[str, Any]:
        """`/pricebot text`; the one message that came back through response_url."""
        url = self.fake.new_response_url()
        request = signer.slash_command(text, user_id=user, channel_id=channel, response_url=url)
        status, _ = await self.served.post(request)
        assert status == 200
        await self.fake.wait_for(lambda: self.fake.responses_to(url))
        [answer] = self.fake.responses_to(url)
        return answer

    async def price_cut(self, model: str, name: str, *, input: str, output: str) -> None:
        """A source reports a new price; fan-out and the dispatcher do the rest."""
        now = datetime.now(UTC)
        self.app.store.record(
            [
                quote(
                    model,
                    when=now - timedelta(minutes=1),
                    input=input,
                    output=output,
                    currency="CNY",
                    name=name,
                )
            ],
            source="admin",
            observed_at=now,
            across_sources=True,
        )
        self.app.fanout.catch_up(now)
        await self.app.dispatcher.drain()

    def subscriptions(self, channel: str, team: str = "T0ACME") -> list[Any]:
        return self.app.subscriptions.list_for(ChatKey("slack", channel, team))


async def start(fake: FakeSlack, database_url: str, **settings: Any) -> Pricebot:
    app = build_app(slack_settings(fake, database_url, console="off", **settings))
    [front] = [fe for fe in app.front_ends if fe.name == "slack"]
    assert isinstance(front, SlackFrontEnd)
    return Pricebot(app, await serve(front), fake)


async def stop(bot: Pricebot) -> None:
    await close(bot.served)
    await bot.app.dispatcher.stop()
    bot.app.engine.dispose()


@pytest.fixture
async def pricebot(
    fake_slack: FakeSlack, workspace: Workspace, database_url: str
) -> AsyncIterator[Pricebot]:
    """One workspace (bot token), HTTP mode."""
    bot = await start(fake_slack, database_url, slack_bot_token=workspace.bot_token)
    yield bot
    await stop(bot)


async def test_a_channel_subscribes_and_one_block_kit_alert_arrives(
    pricebot: Pricebot, fake_slack: FakeSlack, signer: Signer
) -> None:
    said = await pricebot.slash(signer, "subscribe deepseek", user="UADMIN", channel="CGENERAL")
    assert said["response_type"] == "in_channel"  # announced to the channel
    assert "DeepSeek" in all_text(said)

    await pricebot.price_cut("deepseek/deepseek-v2", "DeepSeek-V2", input="0.5", output="1")
    [alert] = fake_slack.posted("CGENERAL")
    assert alert["blocks"][0]["text"]["text"] == "*Price cut: DeepSeek-V2 (DeepSeek)*"
    assert "¥1.00 → ¥0.50 per 1M (−50%)" in all_text(alert)
    buttons = [e for b in alert["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert ("Mute 1 day", "/mute 1d") in [(b["text"]["text"], b["value"]) for b in buttons]
    assert fake_slack.posted() == [alert]  # one message, to that channel only

    # A follow-up about the same model goes into the alert's thread.
    await asyncio.sleep(1.0)  # Slack's one message a second per channel
    await pricebot.price_cut("deepseek/deepseek-v2", "DeepSeek-V2", input="0.25", output="1")
    follow_up = fake_slack.posted("CGENERAL")[1]
    assert follow_up["thread_ts"] == alert["_ts"]
    assert "−50%" in all_text(follow_up)


async def test_the_alerts_mute_button_mutes_the_channel(
    pricebot: Pricebot, fake_slack: FakeSlack, signer: Signer
) -> None:
    await pricebot.slash(signer, "subscribe deepseek", user="UADMIN", channel="CGENERAL")
    url = fake_slack.new_response_url()
    press = signer.block_action(
        "/mute 1d",
        action_id="pricebot:0",
        user_id="UADMIN",
        channel_id="CGENERAL",
        response_url=url,
    )
    assert (await pricebot.served.post(press))[0] == 200
    await fake_slack.wait_for(lambda: fake_slack.responses_to(url))
    [said] = fake_slack.responses_to(url)
    assert said["response_type"] == "in_channel"
    assert "Muted until" in all_text(said)
    await pricebot.price_cut("deepseek/deepseek-v2", "DeepSeek-V2", input="0.5", output="1")
    assert fake_slack.posted("CGENERAL") == []  # held by the mute, not lost


async def test_a_question_is_answered_to_the_asker_only(
    pricebot: Pricebot, fake_slack: FakeSlack, signer: Signer
) -> None:
    answer = await pricebot.slash(
        signer, "cheapest for 1M tokens", user="UMEMBER", channel="CGENERAL"
    )
    assert answer["response_type"] == "ephemeral"
    assert "Cheapest" in all_text(answer) and "Qwen-Long" in all_text(answer)

    mention = {
        "type": "app_mention",
        "user": "UMEMBER",
        "text": "<@UBT0ACME> 100万tokens最便宜的是哪个？",
        "ts": "1716000100.000100",
        "channel": "CGENERAL",
    }
    assert (await pricebot.served.post(signer.event(mention)))[0] == 200
    await fake_slack.wait_for(lambda: fake_slack.ephemerals("CGENERAL"))
    [only] = fake_slack.ephemerals("CGENERAL")
    assert only["user"] == "UMEMBER" and "Qwen-Long" in all_text(only)
    assert fake_slack.posted() == []  # nothing for the whole channel


async def test_a_member_cannot_change_a_channels_subscriptions_unless_the_workspace_allows(
    pricebot: Pricebot, fake_slack: FakeSlack, signer: Signer
) -> None:
    refused = await pricebot.slash(signer, "subscribe deepseek", user="UMEMBER", channel="CGENERAL")
    assert refused["response_type"] == "ephemeral"
    assert "Only this chat's admins" in all_text(refused)
    assert "e.g. /pricebot cheapest or /pricebot subscriptions" in all_text(refused)
    assert pricebot.subscriptions("CGENERAL") == []

    # The channel's creator may, in their own channel.
    await pricebot.slash(signer, "subscribe deepseek", user="UCREATOR", channel="CPRICES")
    assert len(pricebot.subscriptions("CPRICES")) == 1
    # …but not decide for the workspace; a workspace admin can let everyone.
    creator = await pricebot.slash(
        signer, "workspace everyone on", user="UCREATOR", channel="CPRICES"
    )
    assert "Only workspace admins" in all_text(creator)
    allowed = await pricebot.slash(
        signer, "workspace everyone on", user="UADMIN", channel="CGENERAL"
    )
    assert "everyone in the workspace" in all_text(allowed)
    await pricebot.slash(signer, "subscribe deepseek", user="UMEMBER", channel="CGENERAL")
    assert len(pricebot.subscriptions("CGENERAL")) == 1


async def test_the_app_home_shows_ones_conversations_with_buttons(
    pricebot: Pricebot, fake_slack: FakeSlack, signer: Signer
) -> None:
    await pricebot.slash(signer, "subscribe deepseek", user="UCREATOR", channel="CPRICES")
    await pricebot.slash(signer, "settings currency USD", user="UMEMBER", channel="DMEMBER")
    await pricebot.slash(signer, "subscribe qwen-long", user="UMEMBER", channel="DMEMBER")

    view = await open_home(pricebot, signer, user="UMEMBER")
    text = all_text({"blocks": view["blocks"]})
    assert "Your DM with pricebot" in text and "#prices" in text
    assert "#general" not in text  # no subscriptions there
    assert "currency USD" in text and "mix 3:1" in text  # the DM's settings
    values = [v for v in _button_values(view)]
    [prices_sub] = pricebot.subscriptions("CPRICES")
    assert f"CPRICES|/unsubscribe {prices_sub.id}" in values
    assert "DMEMBER|/settings currency CNY" in values
    assert "DMEMBER|/settings quiet 22:00-07:00 hold" in values

    # From the Home a member may change their DM, not a channel they did not create.
    redrawn = await press_on_home(pricebot, signer, f"CPRICES|/unsubscribe {prices_sub.id}", view)
    assert "Only this chat's admins" in all_text({"blocks": redrawn["blocks"]})
    assert len(pricebot.subscriptions("CPRICES")) == 1
    redrawn = await press_on_home(pricebot, signer, "DMEMBER|/settings currency CNY", view)
    assert "currency CNY" in all_text({"blocks": redrawn["blocks"]})


async def open_home(pricebot: Pricebot, signer: Signer, *, user: str) -> dict[str, Any]:
    before = len(pricebot.fake.calls("views.publish"))
    event = {"type": "app_home_opened", "user": user, "channel": "DMEMBER", "tab": "home"}
    assert (await pricebot.served.post(signer.event(event)))[0] == 200
    await pricebot.fake.wait_for(lambda: len(pricebot.fake.calls("views.publish")) > before)
    view: dict[str, Any] = pricebot.fake.calls("views.publish")[-1].args["view"]
    return view


async def press_on_home(
    pricebot: Pricebot, signer: Signer, value: str, view: dict[str, Any]
) -> dict[str, Any]:
    before = len(pricebot.fake.calls("views.publish"))
    request = signer.block_action(
        value,
        action_id="pricebot-home:0",
        user_id="UMEMBER",
        channel_id=None,
        response_url=None,
        view={"id": "V1", "private_metadata": view["private_metadata"]},
    )
    assert (await pricebot.served.post(request))[0] == 200
    await pricebot.fake.wait_for(lambda: len(pricebot.fake.calls("views.publish")) > before)
    redrawn: dict[str, Any] = pricebot.fake.calls("views.publish")[-1].args["view"]
    return redrawn


def _button_values(view: dict[str, Any]) -> list[str]:
    return [
        element["value"]
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


@pytest.mark.parametrize("spoil", ["unsigned", "tampered", "stale"])
async def test_requests_not_from_slack_change_nothing(
    pricebot: Pricebot, fake_slack: FakeSlack, signer: Signer, spoil: str
) -> None:
    url = fake_slack.new_response_url()
    good = signer.slash_command(
        "subscribe deepseek", user_id="UADMIN", channel_id="CGENERAL", response_url=url
    )
    status, _ = await pricebot.served.post(getattr(good, spoil)())
    await asyncio.sleep(0.1)
    assert status == 401
    assert pricebot.subscriptions("CGENERAL") == []
    assert fake_slack.responses_to(url) == []


# ---------------------------------------------------------------------- many workspaces


@pytest.fixture
async def hosted(fake_slack: FakeSlack, database_url: str) -> AsyncIterator[Pricebot]:
    """Many workspaces (OAuth), HTTP mode."""
    bot = await start(
        fake_slack,
        database_url,
        slack_client_id=fake_slack.client_id,
        slack_client_secret=fake_slack.client_secret,
    )
    yield bot
    await stop(bot)


async def test_an_installed_workspace_gets_alerts_and_uninstalling_stops_them(
    hosted: Pricebot, fake_slack: FakeSlack
) -> None:
    assert (await install(hosted.served, fake_slack, "T0BETA", code="c0de")).status == 200
    beta = fake_slack.workspaces["T0BETA"]
    fake_slack.add_user("T0BETA", "UBOSS", is_admin=True)
    fake_slack.add_channel("T0BETA", "CBETA", creator="UBOSS")
    signer = Signer(SIGNING_SECRET, team_id="T0BETA")

    await hosted.slash(signer, "subscribe deepseek", user="UBOSS", channel="CBETA")
    assert len(hosted.subscriptions("CBETA", "T0BETA")) == 1
    await hosted.price_cut("deepseek/deepseek-v2", "DeepSeek-V2", input="0.5", output="1")
    [alert] = [c for c in fake_slack.calls("chat.postMessage") if c.args["_ok"]]
    assert alert.token == beta.bot_token and alert.args["channel"] == "CBETA"

    fake_slack.revoke("T0BETA")
    assert (await hosted.served.post(signer.event({"type": "app_uninstalled"})))[0] == 200
    await fake_slack.wait_for(lambda: hosted.subscriptions("CBETA", "T0BETA") == [])
    await asyncio.sleep(1.0)  # past the channel's one-a-second spacing
    await hosted.price_cut("deepseek/deepseek-v2", "DeepSeek-V2", input="0.25", output="1")
    assert len(fake_slack.calls("chat.postMessage")) == 1  # nothing more was even tried
