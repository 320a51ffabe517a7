"""The board and its feed in Chinese (issue 13): the board's words come from the message
catalog, and `/feed.atom?lang=zh` titles its entries in Chinese."""

from __future__ import annotations

import aiohttp
import feedparser

from bot.board.labels import labels
from tests.test_board import fetch, served

__all__ = ["served"]  # the fixture, shared with the board's own tests


def test_the_boards_words_come_from_the_catalog() -> None:
    zh, en = labels("zh"), labels("en")
    assert set(zh) == set(en)
    assert (en["title"], zh["title"]) == ("LLM API prices", "大模型 API 价格")
    assert zh["as_of_line"] == "截至 {as_of} · 币种 {currency} · 共 {total} 个付费模型"
    assert zh["other_sellers"].format(n=3) == "另有 3 个渠道"
    # The switch names the other language in its own words.
    assert (en["language"], zh["language"]) == ("中文", "English")
    assert labels("fr") == en


async def test_a_chinese_feed_titles_its_entries_in_chinese(served: str) -> None:
    status, _, body = await fetch(served + "/feed.atom?lang=zh")
    assert status == 200
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "pricebot：大模型 API 价格变动"
    assert feed.feed.language == "zh-Hans"
    titles = [e.title for e in feed.entries]
    assert "Qwen-Long 输入降价 97.5%：¥20.00 → ¥0.50 每百万tokens" in titles
    launch = next(e for e in feed.entries if e.title.startswith("DeepSeek-V2"))
    assert launch.title == "DeepSeek-V2 新模型：输入 ¥1.00、输出 ¥2.00 每百万tokens"
    assert "时间：2024年5月6日。" in launch.summary
    free = feedparser.parse((await fetch(served + "/feed.atom?lang=zh&type=free"))[2]).entries
    assert free and all(" 输入免费" in e.title or " 输出免费" in e.title for e in free)
    # Without ?lang the feed stays English, whatever the reader's Accept-Language.
    english = (await fetch(served + "/feed.atom", **{"Accept-Language": "zh-CN"}))[2]
    assert "Qwen-Long input cut 97.5%: ¥20.00 → ¥0.50 per 1M" in english


async def test_a_chinese_model_page_dates_its_changes_in_chinese(served: str) -> None:
    status, _, body = await fetch(served + "/models/alibaba/qwen-long?lang=zh")
    assert status == 200
    assert "2024年5月21日 · Qwen-Long 输入降价 97.5%：¥20.00 → ¥0.50 每百万tokens" in body
    assert "/charts/alibaba/qwen-long.png?lang=zh" in body
    async with (
        aiohttp.ClientSession() as http,
        http.get(served + "/charts/alibaba/qwen-long.png?lang=zh") as response,
    ):
        assert response.status == 200 and response.content_type == "image/png"
        assert (await response.read()).startswith(b"\x89PNG")
