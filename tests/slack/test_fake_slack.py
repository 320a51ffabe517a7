"""The fake Slack answers slack-sdk the way Slack does, errors and rate limits included."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_api import FakeSlack, Workspace
from tests.fakes.slack_requests import Signer
from tests.slack.conftest import SIGNING_SECRET


async def test_posts_are_recorded_and_answered_with_a_ts(
    fake_slack: FakeSlack, workspace: Workspace
) -> None:
    client = AsyncWebClient(token=workspace.bot_token, base_url=fake_slack.base_url)
    who = await client.auth_test()
    sent = await client.chat_postMessage(channel="CGENERAL", text="hello *team*")
    assert who["team_id"] == "T0ACME"
    assert sent["ts"]
    assert [m["text"] for m in fake_slack.posted("CGENERAL")] == ["hello *team*"]


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        (lambda fake: None, "channel_not_found"),
        (lambda fake: setattr(fake.channels["CGENERAL"], "is_archived", True), "is_archived"),
        (lambda fake: fake.revoke("T0ACME"), "token_revoked"),
        (lambda fake: fake.fail("chat.postMessage", "not_in_channel"), "not_in_channel"),
        (lambda fake: fake.fail("chat.postMessage", "account_inactive"), "account_inactive"),
    ],
)
async def test_errors_come_as_http_200_with_ok_false(
    fake_slack: FakeSlack, workspace: Workspace, setup, error: str
) -> None:
    setup(fake_slack)
    client = AsyncWebClient(token=workspace.bot_token, base_url=fake_slack.base_url)
    channel = "CNOWHERE" if error == "channel_not_found" else "CGENERAL"
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel=channel, text="hi")
    assert raised.value.response.status_code == 200
    assert raised.value.response["error"] == error
    assert fake_slack.posted() == []


async def test_rate_limit_is_429_with_retry_after_then_recovers(
    fake_slack: FakeSlack, workspace: Workspace
) -> None:
    fake_slack.rate_limit("chat.postMessage", retry_after=7)
    client = AsyncWebClient(token=workspace.bot_token, base_url=fake_slack.base_url)
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="CGENERAL", text="hi")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    await client.chat_postMessage(channel="CGENERAL", text="hi")
    assert len(fake_slack.posted("CGENERAL")) == 1


async def test_oauth_code_is_exchanged_once_for_a_bot_token(fake_slack: FakeSlack) -> None:
    granted = fake_slack.add_oauth_code("code-1", "T0NEW", installer="UINSTALL")
    client = AsyncWebClient(base_url=fake_slack.base_url)
    answer = await client.oauth_v2_access(
        client_id=fake_slack.client_id, client_secret=fake_slack.client_secret, code="code-1"
    )
    assert answer["access_token"] == granted.bot_token
    assert answer["team"]["id"] == "T0NEW"
    with pytest.raises(SlackApiError) as raised:
        await client.oauth_v2_access(
            client_id=fake_slack.client_id, client_secret=fake_slack.client_secret, code="code-1"
        )
    assert raised.value.response["error"] == "invalid_code"


async def test_ephemeral_needs_a_member(fake_slack: FakeSlack, workspace: Workspace) -> None:
    fake_slack.add_user("T0ACME", "UOUTSIDER")
    client = AsyncWebClient(token=workspace.bot_token, base_url=fake_slack.base_url)
    await client.chat_postEphemeral(channel="CPRICES", user="UMEMBER", text="only you")
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postEphemeral(channel="CPRICES", user="UOUTSIDER", text="x")
    assert raised.value.response["error"] == "user_not_in_channel"
    assert [m["user"] for m in fake_slack.ephemerals("CPRICES")] == ["UMEMBER"]


def test_signed_requests_verify_and_broken_ones_do_not(signer: Signer) -> None:
    verifier = SignatureVerifier(SIGNING_SECRET)
    request = signer.slash_command(
        "list", user_id="U1", channel_id="C1", response_url="http://127.0.0.1/respond/x"
    )
    assert verifier.is_valid_request(request.body, request.headers)
    assert not verifier.is_valid_request(request.body, request.tampered().headers)
    assert not verifier.is_valid_request(request.body, request.stale().headers)
    assert not verifier.is_valid_request(request.body, request.unsigned().headers)
