"""Socket Mode, many workspaces (OAuth install, uninstall), and configuration errors."""

from __future__ import annotations

import asyncio
import html as html_lib
import logging
import re
from urllib.parse import parse_qs, urlparse

import aiohttp
import pytest
from sqlalchemy import Engine

from bot.alerts.notifier import Outgoing
from bot.chat.slack import SlackConfigError, SlackFrontEnd, WorkspaceGone
from bot.messages import ChatRef, Platform, Reply, ReplyKind
from tests.fakes.commands import RecordingCommands
from tests.fakes.slack_api import FakeSlack, Workspace
from tests.fakes.slack_messages import all_text
from tests.fakes.slack_requests import Signer
from tests.replicas import free_port
from tests.slack.conftest import SIGNING_SECRET, Served, close, serve, slack_settings

ALERT = Reply("Qwen-Long input cut 97.5%", kind=ReplyKind.ALERT)


async def test_socket_mode_answers_a_slash_command_without_http(
    fake_slack: FakeSlack,
    workspace: Workspace,
    sqlite_url: str,
    sqlite_engine: Engine,
    commands: RecordingCommands,
) -> None:
    settings = slack_settings(
        fake_slack,
        sqlite_url,
        slack_bot_token=workspace.bot_token,
        slack_app_token=fake_slack.app_token,
        slack_signing_secret=None,
    )
    front = SlackFrontEnd(settings, commands=commands, engine=sqlite_engine)
    assert front.routes() == []  # nothing to serve: pricebot dials out
    await front.start()
    try:
        await fake_slack.wait_for_socket()
        url = fake_slack.new_response_url()
        payload = {
            "team_id": "T0ACME",
            "channel_id": "CGENERAL",
            "user_id": "UMEMBER",
            "command": "/pricebot",
            "text": "cheapest for 1M tokens",
            "response_url": url,
            "api_app_id": "A0PRICEBOT",
        }
        envelope_id = await fake_slack.push_envelope("slash_commands", payload)
        await fake_slack.wait_for(
            lambda: any(ack.get("envelope_id") == envelope_id for ack in fake_slack.socket_acks)
        )
        await fake_slack.wait_for(lambda: fake_slack.responses_to(url))
        assert commands.handled[0][0] == "/cheapest for 1M tokens"
        assert fake_slack.responses_to(url)[0]["response_type"] == "ephemeral"
    finally:
        await front.stop()


@pytest.mark.parametrize("which", ["bot", "app"])
async def test_tokens_slack_refuses_stop_the_start(
    fake_slack: FakeSlack,
    workspace: Workspace,
    sqlite_url: str,
    sqlite_engine: Engine,
    which: str,
) -> None:
    settings = slack_settings(
        fake_slack,
        sqlite_url,
        slack_bot_token="xoxb-wrong" if which == "bot" else workspace.bot_token,
        slack_app_token="xapp-wrong" if which == "app" else fake_slack.app_token,
    )
    front = SlackFrontEnd(settings, commands=RecordingCommands(), engine=sqlite_engine)
    wanted = "PRICEBOT_SLACK_BOT_TOKEN: invalid_auth" if which == "bot" else "APP_TOKEN"
    with pytest.raises(SlackConfigError, match=wanted):
        await front.start()
    await front.stop()


def test_http_mode_without_a_signing_secret_says_what_to_set(
    fake_slack: FakeSlack, sqlite_url: str, sqlite_engine: Engine
) -> None:
    settings = slack_settings(
        fake_slack, sqlite_url, slack_bot_token="xoxb-1", slack_signing_secret=None
    )
    with pytest.raises(SlackConfigError, match="PRICEBOT_SLACK_SIGNING_SECRET"):
        SlackFrontEnd(settings, commands=RecordingCommands(), engine=sqlite_engine)


def test_no_token_and_no_oauth_is_not_slack(
    fake_slack: FakeSlack, sqlite_url: str, sqlite_engine: Engine
) -> None:
    with pytest.raises(SlackConfigError, match="PRICEBOT_SLACK_BOT_TOKEN"):
        SlackFrontEnd(
            slack_settings(fake_slack, sqlite_url),
            commands=RecordingCommands(),
            engine=sqlite_engine,
        )


# ---------------------------------------------------------------------- many workspaces


@pytest.fixture
def gone() -> list[str]:
    return []


@pytest.fixture
async def multi(
    fake_slack: FakeSlack,
    database_url: str,
    engine: Engine,
    commands: RecordingCommands,
    gone: list[str],
):
    """Many-workspace mode (OAuth) on SQLite and PostgreSQL."""

    async def workspace_gone(team_id: str) -> None:
        gone.append(team_id)

    settings = slack_settings(
        fake_slack,
        database_url,
        slack_client_id=fake_slack.client_id,
        slack_client_secret=fake_slack.client_secret,
    )
    front = SlackFrontEnd(
        settings, commands=commands, engine=engine, on_workspace_gone=workspace_gone
    )
    running = await serve(front)
    yield running
    await close(running)


async def install(
    served: Served, fake: FakeSlack, team_id: str, *, code: str
) -> aiohttp.ClientResponse:
    """Walk the install flow as a browser would: install page, Slack, redirect back."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as browser:
        async with browser.get(served.url + "/slack/install") as page:
            assert page.status == 200
            html = await page.text()
            cookie = page.headers["Set-Cookie"].split(";", 1)[0]
        # The "Add to Slack" link goes to Slack's authorize page with our state.
        authorize = html_lib.unescape(re.search(r'href="([^"]*oauth/v2/authorize[^"]*)"', html)[1])
        state = parse_qs(urlparse(authorize).query)["state"][0]
        assert parse_qs(urlparse(authorize).query)["scope"][0].startswith("commands,chat:write")
        fake.add_oauth_code(code, team_id, installer="UINSTALLER")
        async with browser.get(
            served.url + "/slack/oauth_redirect",
            params={"code": code, "state": state},
            headers={"Cookie": cookie},
        ) as redirected:
            await redirected.read()
            return redirected


async def test_install_stores_the_workspace_and_alerts_reach_it(
    multi: Served, fake_slack: FakeSlack, commands: RecordingCommands
) -> None:
    answer = await install(multi, fake_slack, "T0BETA", code="c0de")
    assert answer.status == 200
    beta = fake_slack.workspaces["T0BETA"]
    fake_slack.add_user("T0BETA", "UBETA")
    fake_slack.add_channel("T0BETA", "CBETA", creator="UBETA")

    # Its people can talk to pricebot (Bolt authorizes with the stored token) …
    url = fake_slack.new_response_url()
    signer = Signer(SIGNING_SECRET, team_id="T0BETA")
    request = signer.slash_command("list", user_id="UBETA", channel_id="CBETA", response_url=url)
    assert (await multi.post(request))[0] == 200
    await fake_slack.wait_for(lambda: fake_slack.responses_to(url))
    assert commands.handled[0][1].chat.team_id == "T0BETA"
    assert {call.token for call in fake_slack.calls("users.info")} == {beta.bot_token}
    again = fake_slack.new_response_url()
    request = signer.slash_command("help", user_id="UBETA", channel_id="CBETA", response_url=again)
    await multi.post(request)
    await fake_slack.wait_for(lambda: fake_slack.responses_to(again))
    # auth.test: once at install, once when first authorizing; not once per request.
    assert [c.token for c in fake_slack.calls("auth.test")] == [beta.bot_token] * 2

    # … and alerts reach its channels with its own token.
    await multi.front.notifier.send(Outgoing(ChatRef(Platform.SLACK, "CBETA", "T0BETA"), ALERT))
    [posted] = fake_slack.calls("chat.postMessage")
    assert posted.token == beta.bot_token
    assert "Qwen-Long input cut 97.5%" in all_text(posted.args)


async def test_install_with_a_forged_state_is_refused(multi: Served, fake_slack: FakeSlack) -> None:
    fake_slack.add_oauth_code("c0de", "T0EVIL", installer="U1")
    async with (
        aiohttp.ClientSession() as browser,
        browser.get(
            multi.url + "/slack/oauth_redirect",
            params={"code": "c0de", "state": "made-up"},
            headers={"Cookie": "slack-app-oauth-state=made-up"},
        ) as answer,
    ):
        assert answer.status in (400, 401)
    assert fake_slack.calls("oauth.v2.access") == []
    with pytest.raises(WorkspaceGone):
        await multi.front.notifier.send(Outgoing(ChatRef(Platform.SLACK, "C1", "T0EVIL"), ALERT))


async def test_a_workspace_without_installation_is_not_served(
    multi: Served, fake_slack: FakeSlack, workspace: Workspace, commands: RecordingCommands, signer
) -> None:
    url = fake_slack.new_response_url()
    request = signer.slash_command(
        "list", user_id="UMEMBER", channel_id="CGENERAL", response_url=url
    )
    await multi.post(request)
    await asyncio.sleep(0.1)
    assert commands.handled == []


@pytest.mark.parametrize("event_type", ["app_uninstalled", "tokens_revoked"])
async def test_uninstall_deactivates_the_workspace(
    multi: Served,
    fake_slack: FakeSlack,
    gone: list[str],
    event_type: str,
) -> None:
    await install(multi, fake_slack, "T0BETA", code="c0de")
    fake_slack.add_channel("T0BETA", "CBETA", creator="UINSTALLER")
    chat = ChatRef(Platform.SLACK, "CBETA", "T0BETA")
    await multi.front.notifier.send(Outgoing(chat, ALERT))

    fake_slack.revoke("T0BETA")
    event: dict = {"type": event_type}
    if event_type == "tokens_revoked":
        event["tokens"] = {"oauth": [], "bot": ["UBT0BETA"]}
    signer = Signer(SIGNING_SECRET, team_id="T0BETA")
    assert (await multi.post(signer.event(event)))[0] == 200
    await fake_slack.wait_for(lambda: gone == ["T0BETA"])

    installations = multi.front.installations
    assert installations is not None
    assert await installations.async_find_bot(enterprise_id=None, team_id="T0BETA") is None
    assert await installations.async_find_installation(enterprise_id=None, team_id="T0BETA") is None
    with pytest.raises(WorkspaceGone):
        await multi.front.notifier.send(Outgoing(chat, ALERT))
    assert len(fake_slack.posted("CBETA")) == 1


async def test_socket_mode_waits_for_an_unreachable_slack_with_back_off_and_one_line_logs(
    sqlite_url: str,
    sqlite_engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Issue 17, item 10: slack-sdk logged a traceback every 10 s while Slack was away."""
    fake = FakeSlack()
    fake.port = free_port()  # where Slack will be, once it answers
    workspace = fake.add_workspace("T0ACME", "Acme")
    settings = slack_settings(
        fake,
        sqlite_url,
        slack_bot_token=workspace.bot_token,
        slack_app_token=fake.app_token,
        slack_signing_secret=None,
    )
    front = SlackFrontEnd(
        settings, commands=RecordingCommands(), engine=sqlite_engine, socket_retry=(0.05, 0.2)
    )
    caplog.set_level(logging.INFO)
    await front.start()  # Slack being away does not stop pricebot
    try:
        retries = []
        for _ in range(400):
            retries = [r for r in caplog.records if "trying again in" in r.getMessage()]
            if len(retries) >= 5:
                break
            await asyncio.sleep(0.02)
        waits = [re.search(r"trying again in ([\d.]+) s", r.getMessage()) for r in retries[:5]]
        assert [float(m.group(1)) for m in waits if m] == [0.05, 0.1, 0.2, 0.2, 0.2]
        assert (
            retries[0]
            .getMessage()
            .startswith(
                f"Slack: Socket Mode cannot reach Slack at {fake.base_url} (ClientConnectorError: "
            )
        )
        assert retries[0].getMessage().endswith("Check the network, or PRICEBOT_SLACK_API_URL")
        # One line each, and no traceback anywhere (ours or slack-sdk's).
        for record in caplog.records:
            assert "\n" not in record.getMessage()
            assert record.exc_info is None, record.getMessage()
        await fake.start(fake.port)  # Slack is back: the link opens without a restart
        await fake.wait_for_socket()
    finally:
        await front.stop()
        await fake.close()
