"""The price board and the Atom feed, served by `build_app` as `pricebot run` serves them:
a real browser (Debian's headless Chromium through Playwright) and a real feed reader
(feedparser) look at them."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import feedparser
import pytest
from multidict import CIMultiDict

from bot.app import App, build_app
from bot.board.views import read_request
from tests.helpers import http_only_settings

WAR = "2024-05-22"


@pytest.fixture
async def served(database_url: str) -> AsyncIterator[str]:
    """pricebot with the bundled price war (a fresh store is seeded), its base URL."""
    app: App = await asyncio.to_thread(build_app, http_only_settings(database_url), front_ends=[])
    await app.start()
    try:
        yield f"http://127.0.0.1:{app.web.port}"
    finally:
        await app.stop()


async def fetch(url: str, **headers: str) -> tuple[int, Mapping[str, str], str]:
    """Status, headers (case-insensitive, as HTTP's are) and body of a GET."""
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as response:
        return response.status, CIMultiDict(response.headers), await response.text()


# ---- the feed, read by a feed reader ------------------------------------------------


async def test_a_feed_reader_reads_the_price_war_newest_first(served: str) -> None:
    status, headers, body = await fetch(served + "/feed.atom")
    assert status == 200 and headers["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    entries = feed.entries
    assert len(entries) == 29  # every event of the bundled catalog
    dates = [e.updated_parsed for e in entries]
    assert dates == sorted(dates, reverse=True)
    qwen = next(e for e in entries if e.title.startswith("Qwen-Long input cut"))
    assert qwen.title == "Qwen-Long input cut 97.5%: ¥20.00 → ¥0.50 per 1M"
    assert qwen.updated.startswith("2024-05-21")
    assert qwen.link == served + "/models/alibaba/qwen-long"
    assert len({e.id for e in entries}) == len(entries)
    launch = next(e for e in entries if e.title.startswith("DeepSeek-V2"))
    assert launch.title == "DeepSeek-V2 new model: input ¥1.00, output ¥2.00 per 1M"
    assert "When: 2024-05-06." in launch.summary


async def test_feed_filters_by_type_vendor_and_model(served: str) -> None:
    free = feedparser.parse((await fetch(served + "/feed.atom?type=free"))[2]).entries
    assert free and all(" now free" in e.title for e in free)
    assert {e.title.split(" ")[0] for e in free} == {"ERNIE", "Hunyuan-lite"}

    baidu = feedparser.parse((await fetch(served + "/feed.atom?vendor=baidu"))[2]).entries
    assert baidu and all(e.link.startswith(served + "/models/baidu/") for e in baidu)

    qwen = feedparser.parse((await fetch(served + "/feed.atom?model=qwen-long"))[2]).entries
    assert {e.link for e in qwen} == {served + "/models/alibaba/qwen-long"}
    assert len(qwen) == 3  # launched, input cut, output cut

    status, _, body = await fetch(served + "/feed.atom?type=bogus")
    assert status == 400 and "types are" in body


# ---- pages over HTTP ----------------------------------------------------------------


async def test_board_page_is_escaped_cached_and_advertises_its_feed(served: str) -> None:
    status, headers, body = await fetch(served + f"/?as_of={WAR}&currency=CNY")
    assert status == 200
    assert '<link rel="alternate" type="application/atom+xml"' in body
    assert "Content-Security-Policy" in headers and headers["X-Content-Type-Options"] == "nosniff"
    etag = headers["ETag"]
    again, again_headers, _ = await fetch(
        served + f"/?as_of={WAR}&currency=CNY", **{"If-None-Match": etag}
    )
    assert again == 304 and again_headers["ETag"] == etag

    status, _, body = await fetch(served + "/?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert status == 200
    assert "<script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body

    status, _, body = await fetch(served + "/?min_context=lots")
    assert status == 400 and "min_context is a number of tokens, e.g. ?min_context=128k" in body

    status, _, body = await fetch(served + "/models/qwen-lnog")
    assert status == 404 and "Did you mean" in body and "alibaba/qwen-long" in body


def test_board_parameters_are_bounded() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert read_request({"as_of": "9999-12-31"}, now=now) == (
        "as_of must be between 2020-01-01 and 2026-12-01, e.g. ?as_of=2024-05-22"
    )
    assert isinstance(read_request({"page": "100000"}, now=now), str)
    assert isinstance(read_request({"currency": "BTC"}, now=now), str)
    assert isinstance(read_request({"min_context": "1e20"}, now=now), str)
    fine = read_request({"min_context": "128k", "sort": "input", "lang": "zh-CN"}, now=now)
    assert not isinstance(fine, str)
    assert (fine.min_context, fine.sort, fine.lang) == (128_000, "input", "zh")


# ---- a real browser -------------------------------------------------------------------


def chromium() -> str:
    found = os.environ.get("PRICEBOT_TEST_CHROMIUM") or shutil.which("chromium")
    if found:
        return found
    if os.environ.get("PRICEBOT_REQUIRE_BROWSER"):
        pytest.fail("no chromium found, and PRICEBOT_REQUIRE_BROWSER is set (CI installs it)")
    pytest.skip("no chromium: install Debian's chromium package (CI does)")


@pytest.fixture
async def browser_page(served: str) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    executable = chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
        )
        page = await browser.new_page(viewport={"width": 1200, "height": 900})
        dialogs: list[str] = []
        page.on("dialog", lambda d: dialogs.append(d.message))
        page.dialogs = dialogs  # markup typed by a user must never run
        try:
            yield page
        finally:
            await browser.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_browser_reads_the_board_asks_and_opens_a_model(
    served: str, browser_page: Any, tmp_path: Path
) -> None:
    page = browser_page
    shots = Path(os.environ.get("PRICEBOT_TEST_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)

    await page.goto(served + f"/?as_of={WAR}&currency=CNY")
    first = page.locator("#prices tbody tr").first
    assert "Qwen-Long" in await first.inner_text()
    assert "¥0.875" in await first.inner_text()
    assert "ERNIE Speed" in await page.locator("#free").inner_text()
    await page.screenshot(path=str(shots / "board.png"), full_page=True)

    # Sorting by a column is a link: input only puts a free-input-priced model first.
    await page.get_by_role("link", name="Input / 1M").click()
    assert "sort=input" in page.url

    # The question box answers as the chat does, with a URL that can be shared.
    await page.goto(served + "/")
    await page.get_by_role("textbox", name="Ask").fill(
        "cheapest for 1M tokens as of 2024-05-22 in CNY"
    )
    await page.get_by_role("button", name="Ask").click()
    answer = await page.locator("#answer").inner_text()
    assert answer.startswith("Cheapest for 1M tokens (blended 3:1)")
    assert "1. Qwen-Long" in answer and "¥0.875" in answer
    assert "q=cheapest" in page.url
    await page.screenshot(path=str(shots / "answer.png"), full_page=True)

    # Markup typed into the box is shown as text, never run.
    markup = '<img src=x onerror="alert(1)">'
    await page.get_by_role("textbox", name="Ask").fill(markup)
    await page.get_by_role("button", name="Ask").click()
    assert await page.get_by_role("textbox", name="Ask").input_value() == markup
    assert "for example" in await page.locator("#error").inner_text()
    assert await page.locator("#examples li").count() == 3
    assert await page.locator("img").count() == 0
    assert page.dialogs == []

    # A model's page: its offers, its chart (with a text alternative), its changes.
    await page.goto(served + f"/?as_of={WAR}")
    await page.get_by_role("link", name="Qwen-Long").first.click()
    assert page.url.endswith("/models/alibaba/qwen-long")
    assert "Qwen-Long" in await page.locator("#model-name").inner_text()
    assert "Alibaba Cloud (the maker)" in await page.locator("#offers").inner_text()
    chart = page.locator("img.chart")
    assert "Qwen-Long" in (await chart.get_attribute("alt") or "")
    assert await chart.evaluate("img => img.complete && img.naturalWidth > 0")
    assert "input cut 97.5%" in await page.locator("#events").inner_text()
    await page.screenshot(path=str(shots / "model.png"), full_page=True)

    # In Chinese, by a switch.
    await page.get_by_role("link", name="中文").click()
    assert "价格历史" in await page.content()

    for name in ("board.png", "answer.png", "model.png"):
        assert (shots / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
