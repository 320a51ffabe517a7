"""The App Home of a user whose Slack locale is zh-CN (issue 13): drawn through the real
slack-bolt app against the fake Slack Web API, in Chinese; an English user's stays English."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.fakes.slack_api import FakeSlack, Workspace
from tests.fakes.slack_messages import all_text
from tests.fakes.slack_requests import Signer
from tests.slack.conftest import TEAM
from tests.slack.test_scenarios import Pricebot, open_home, start, stop
from tests.test_commands_zh import english_in


@pytest.fixture
async def pricebot(
    fake_slack: FakeSlack, workspace: Workspace, sqlite_store: Any
) -> AsyncIterator[Pricebot]:
    """One workspace with a Chinese-speaking member and her DM with pricebot."""
    fake_slack.add_user(TEAM, "UZH", "li", locale="zh-CN")
    fake_slack.add_dm(TEAM, "DZH", user="UZH")
    bot = await start(fake_slack, str(sqlite_store.engine.url), slack_bot_token=workspace.bot_token)
    yield bot
    await stop(bot)


async def home_of(pricebot: Pricebot, signer: Signer, user: str, dm: str) -> dict[str, Any]:
    before = len(pricebot.fake.calls("views.publish"))
    event = {"type": "app_home_opened", "user": user, "channel": dm, "tab": "home"}
    assert (await pricebot.served.post(signer.event(event)))[0] == 200
    await pricebot.fake.wait_for(lambda: len(pricebot.fake.calls("views.publish")) > before)
    view: dict[str, Any] = pricebot.fake.calls("views.publish")[-1].args["view"]
    return view


async def test_a_chinese_users_home_is_in_chinese(pricebot: Pricebot, signer: Signer) -> None:
    said = await pricebot.slash(signer, "subscribe deepseek", user="UZH", channel="DZH")
    assert "已订阅" in all_text(said)
    assert "深度求索（全部模型）" in all_text(said)

    view = await home_of(pricebot, signer, "UZH", "DZH")
    texts = [all_text({"blocks": [block]}) for block in view["blocks"]]
    text = "\n".join(texts)
    assert "大模型 API 价格：降价、免费模型，以及哪个最便宜。" in text
    assert "你与 pricebot 的私信" in text and "本工作区" in text
    assert "本聊天的订阅（1 个）" in text and "本聊天的设置" in text
    # Commands are shown the way Slack users type them, inside the Chinese text too.
    assert "设置：货币 " in text and "（用 /pricebot settings 更改）" in text
    assert "在任意位置输入 `/pricebot help`" in text
    labels = [
        element["text"]["text"]
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert labels[0].startswith("取消订阅 #") and "English" in labels
    assert english_in(texts) == []
    assert len(view["blocks"]) <= 100

    # Another member's Home, with Slack's English locale, is unchanged.
    english = await open_home(pricebot, signer, user="UMEMBER")
    assert "Your DM with pricebot" in all_text({"blocks": english["blocks"]})
