"""Agents ask pricebot over MCP: the official SDK's client drives `pricebot mcp` over stdio
and `/mcp` over HTTP on loopback, and checks the figures against the bundled price war."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp.client.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from bot.app import App, build_app, seed_if_empty
from bot.settings import Settings
from storage import PriceStore, make_engine, upgrade
from storage.values import EventType
from tests.helpers import http_only_settings

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ["ask", "cheapest", "price", "cost", "compare", "free", "history", "recent_changes"]
WAR = "2024-05-22"  # the day after Qwen-Long's 97.5% cut; the catalog's answers are known
TOKEN = "agents-only-token"


def seeded_sqlite(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'prices.db'}"
    engine = make_engine(url)
    upgrade(engine)
    seed_if_empty(PriceStore(engine), now=datetime(2024, 6, 1, tzinfo=UTC))
    engine.dispose()
    return url


def stdio_server(database_url: str) -> StdioServerParameters:
    """`pricebot mcp` as an MCP client configuration starts it."""
    env = {"PRICEBOT_DATABASE_URL": database_url, "PRICEBOT_LOG_LEVEL": "WARNING"}
    return StdioServerParameters(
        command=sys.executable, args=["-m", "bot", "mcp"], env=env, cwd=str(ROOT)
    )


def ranked(result: Any, key: str = "ranked") -> list[tuple[str, str, str]]:
    """(model, cost, currency) of each row: `ranked` for cheapest, `costs` for cost/compare."""
    data = result.structured_content
    return [(r["model"], r["cost"], r["currency"]) for r in data[key]]


async def test_stdio_lists_the_tools_and_answers_like_the_catalog(tmp_path: Path) -> None:
    url = seeded_sqlite(tmp_path)
    async with Client(stdio_server(url)) as client:
        listed = (await client.list_tools()).tools
        assert [t.name for t in listed] == TOOLS
        for tool in listed:
            assert tool.description and len(tool.description) > 40, tool.name
            assert tool.input_schema["type"] == "object"
            assert tool.annotations is not None and tool.annotations.read_only_hint

        cheapest = await client.call_tool("cheapest", {"currency": "CNY", "as_of": WAR})
        assert not cheapest.is_error
        assert ranked(cheapest)[:4] == [
            ("alibaba/qwen-long", "0.875", "CNY"),
            ("zhipu/glm-3-turbo", "1", "CNY"),
            ("bytedance/doubao-pro-32k", "1.1", "CNY"),
            ("deepseek/deepseek-v2", "1.25", "CNY"),
        ]
        data = cheapest.structured_content
        assert data["as_of"].startswith(WAR)
        assert data["rates"] == [
            {
                "base": "USD",
                "quote": "CNY",
                "rate": "7.2",
                "as_of": "2024-05-01",
                "source": "pricebot bundled rate: about 7.2 CNY per USD in May 2024",
            }
        ]
        assert [f["model"] for f in data["free_now"]][:3] == [
            "baidu/ernie-lite",
            "baidu/ernie-speed",
            "tencent/hunyuan-lite",
        ]
        first = data["ranked"][0]
        assert first["sources"] == ["catalog:May 2024 LLM price war"]
        assert first["source_refs"] and first["seller"] == "alibaba"
        text = cheapest.content[0].text
        assert "1. Qwen-Long" in text and "¥0.875" in text

        # A Chinese question, exactly as a chat would type it.
        asked = await client.call_tool(
            "ask", {"question": "100万tokens最便宜的是哪个？", "as_of": WAR}
        )
        assert ranked(asked)[0] == ("alibaba/qwen-long", "0.875", "CNY")

        price = await client.call_tool("price", {"model": "qwen-long", "as_of": WAR})
        assert price.structured_content["model"] == "alibaba/qwen-long"
        prices = {
            (p["kind"], p["amount"], p["currency"]) for p in price.structured_content["prices"]
        }
        assert prices == {("input", "0.5", "CNY"), ("output", "2", "CNY")}

        cost = await client.call_tool(
            "cost",
            {
                "models": ["deepseek-v2"],
                "input_tokens": 10_000_000,
                "output_tokens": 2_000_000,
                "currency": "CNY",
                "as_of": WAR,
            },
        )
        # DeepSeek-V2 at ¥1 in, ¥2 out per 1M: 10 + 4.
        assert ranked(cost, "costs") == [("deepseek/deepseek-v2", "14", "CNY")]

        compare = await client.call_tool(
            "compare", {"models": ["GPT-4o", "qwen-long"], "as_of": WAR, "currency": "CNY"}
        )
        assert ranked(compare, "costs") == [
            ("alibaba/qwen-long", "0.875", "CNY"),
            ("openai/gpt-4o", "54", "CNY"),
        ]

        free = await client.call_tool("free", {"as_of": WAR})
        assert "ERNIE Speed" in free.content[0].text

        history = await client.call_tool("history", {"model": "Qwen-Long"})
        cuts = [e for e in history.structured_content["events"] if e["type"] == "cut"]
        assert {
            (e["kind"], e["old"]["amount"], e["new"]["amount"], e["percent"]) for e in cuts
        } >= {("input", "20", "0.5", "97.5")}
        assert all(e["effective"].startswith("2024-05-21") for e in cuts)

        changes = await client.call_tool("recent_changes", {"types": ["free"], "limit": 50})
        freed = {e["model"] for e in changes.structured_content["events"]}
        assert freed == {"baidu/ernie-speed", "baidu/ernie-lite", "tencent/hunyuan-lite"}

        table = await client.read_resource("pricebot://prices")
        assert "alibaba/qwen-long" in table.contents[0].text
        one = await client.read_resource("pricebot://history/alibaba/qwen-long")
        assert '"amount": "0.5"' in one.contents[0].text

        prompt = await client.get_prompt("pick_cheapest", {"job": "summarise support tickets"})
        assert "summarise support tickets" in prompt.messages[0].content.text


async def test_stdio_ask_says_what_the_cli_says(tmp_path: Path) -> None:
    url = seeded_sqlite(tmp_path)
    question = "top 3 cheapest for 1M in 200k out"
    cli = subprocess.run(
        [sys.executable, "-m", "bot", "ask", question, "--as-of", WAR],
        capture_output=True,
        text=True,
        env={**os.environ, "PRICEBOT_DATABASE_URL": url},
        cwd=ROOT,
        check=True,
    )
    async with Client(stdio_server(url)) as client:
        result = await client.call_tool("ask", {"question": question, "as_of": WAR})
    assert result.content[0].text.strip() == cli.stdout.strip()


async def test_bad_arguments_are_tool_errors_with_a_way_out(tmp_path: Path) -> None:
    url = seeded_sqlite(tmp_path)
    async with Client(stdio_server(url)) as client:
        unknown = await client.call_tool("price", {"model": "qwen-lnog"})
        assert unknown.is_error
        assert "no model called 'qwen-lnog'" in unknown.content[0].text
        assert "alibaba/qwen-long" in unknown.content[0].text

        nonsense = await client.call_tool("ask", {"question": "what is the weather"})
        assert nonsense.is_error and "Try:" in nonsense.content[0].text

        too_many = await client.call_tool("cheapest", {"top": 500})
        assert too_many.is_error and "top" in too_many.content[0].text

        far = await client.call_tool("cheapest", {"as_of": "9999-12-31"})
        assert far.is_error and "as_of must be between" in far.content[0].text

        vendor = await client.call_tool("recent_changes", {"vendors": ["alibab"]})
        assert vendor.is_error and "no vendor called 'alibab'" in vendor.content[0].text

        # The server is still there after every refusal.
        assert not (await client.call_tool("free", {})).is_error


# ---- HTTP ---------------------------------------------------------------------------


async def running(settings: Settings) -> AsyncIterator[App]:
    app = await asyncio.to_thread(build_app, settings, front_ends=[])
    await app.start()
    try:
        yield app
    finally:
        await app.stop()


@pytest.fixture
async def served(database_url: str) -> AsyncIterator[App]:
    async for app in running(http_only_settings(database_url, mcp_token=TOKEN)):
        yield app


async def test_http_mcp_answers_with_the_token(served: App) -> None:
    url = f"http://127.0.0.1:{served.web.port}/mcp"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with (
        httpx2.AsyncClient(headers=headers) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        assert [t.name for t in (await client.list_tools()).tools] == TOOLS
        result = await client.call_tool("cheapest", {"currency": "CNY", "as_of": WAR, "top": 1})
        assert ranked(result) == [("alibaba/qwen-long", "0.875", "CNY")]


async def test_http_mcp_refuses_a_missing_or_wrong_token(served: App) -> None:
    url = f"http://127.0.0.1:{served.web.port}/mcp"
    request = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    async with httpx2.AsyncClient() as http:
        missing = await http.post(url, json=request)
        wrong = await http.post(url, json=request, headers={"Authorization": "Bearer nope"})
        health = await http.get(f"http://127.0.0.1:{served.web.port}/healthz")
    assert missing.status_code == 401 and "PRICEBOT_MCP_TOKEN" in missing.text
    assert wrong.status_code == 401
    assert health.status_code == 200


async def test_without_a_token_there_is_no_http_mcp(tmp_path: Path) -> None:
    url = seeded_sqlite(tmp_path)
    async for app in running(http_only_settings(url)):
        async with httpx2.AsyncClient() as http:
            response = await http.post(
                f"http://127.0.0.1:{app.web.port}/mcp",
                json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
        assert response.status_code == 404


# ---- the store's query behind recent_changes, on SQLite and PostgreSQL ---------------


def test_events_since_filters_by_date_vendor_type_and_id(store: PriceStore) -> None:
    seed_if_empty(store, now=datetime(2024, 6, 1, tzinfo=UTC))
    everything = store.events_since(limit=1000)
    effective = [e.effective_at for e in everything]
    assert effective == sorted(effective, reverse=True)  # newest first

    since = datetime(2024, 5, 21, tzinfo=UTC)
    recent = store.events_since(since=since, limit=1000)
    assert recent and all(e.effective_at >= since for e in recent)
    assert len(recent) < len(everything)

    baidu = store.events_since(vendors=["baidu"], types=["free"], limit=1000)
    assert {e.model_id for e in baidu} == {"baidu/ernie-speed", "baidu/ernie-lite"}
    assert all(e.type is EventType.FREE for e in baidu)

    qwen = store.events_since(models=["alibaba/qwen-long"], limit=1000)
    assert {e.model_id for e in qwen} == {"alibaba/qwen-long"} and len(qwen) == 3

    last = max(e.id or 0 for e in everything)
    assert store.events_since(after_id=last) == []
    assert len(store.events_since(limit=3)) == 3


async def test_ask_speaks_the_language_asked_for_and_its_data_does_not_change(
    tmp_path: Path,
) -> None:
    url = seeded_sqlite(tmp_path)
    question = "100万tokens最便宜的是哪个？"
    async with Client(stdio_server(url)) as client:
        own = await client.call_tool("ask", {"question": question, "as_of": WAR})
        english = await client.call_tool(
            "ask", {"question": question, "as_of": WAR, "language": "en"}
        )
        chinese = await client.call_tool(
            "ask", {"question": "cheapest for 1M tokens", "as_of": WAR, "language": "zh"}
        )
        wrong = await client.call_tool("ask", {"question": question, "language": "fr"})
    assert own.content[0].text.startswith("最便宜的模型：100万tokens（混合价 3:1）")
    assert english.content[0].text.startswith("Cheapest for 1M tokens (blended 3:1)")
    assert chinese.content[0].text.startswith("最便宜的模型：100万tokens（混合价 3:1）")
    # The structured content is language-neutral: only the worded title and notes differ.
    worded = ("title", "notes")
    same = {k: v for k, v in own.structured_content.items() if k not in worded}
    assert same == {k: v for k, v in english.structured_content.items() if k not in worded}
    assert own.structured_content["title"] == "最便宜的模型：100万tokens（混合价 3:1）"
    assert english.structured_content["title"] == "Cheapest for 1M tokens (blended 3:1)"
    assert wrong.is_error
