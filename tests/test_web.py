"""The HTTP server: health, readiness that follows the database, metrics, front-end routes."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import Metrics
from bot.sources import load_catalog
from bot.web import WebServer, database_ready
from storage import PriceStore, make_engine, upgrade
from tests.fakes.db_proxy import DatabaseProxy


async def hello(request: web.Request) -> web.Response:
    """A front-end's webhook, as Telegram's or Slack's would be."""
    return web.Response(text="hello from the front-end")


@pytest.fixture
async def server(store: PriceStore) -> AsyncIterator[WebServer]:
    metrics = Metrics()
    metrics.watch_store(store.engine)
    web_server = WebServer(
        host="127.0.0.1",
        port=0,
        metrics=metrics,
        ready=[database_ready(store.engine)],
        routes=[web.post("/telegram/webhook", hello)],
    )
    await web_server.start()
    yield web_server
    await web_server.stop()


async def get(server: WebServer, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{server.port}{path}") as resp,
    ):
        return resp.status, await resp.text()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus page by (name, sorted labels)."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_health_ready_and_front_end_routes(server: WebServer) -> None:
    assert await get(server, "/healthz") == (200, '{"status": "ok"}\n')
    assert await get(server, "/readyz") == (200, '{"ready": true}\n')
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"http://127.0.0.1:{server.port}/telegram/webhook") as resp,
    ):
        assert (resp.status, await resp.text()) == (200, "hello from the front-end")


async def test_metrics_count_what_the_store_and_the_process_saw(
    server: WebServer, store: PriceStore
) -> None:
    catalog = load_catalog()
    store.record(catalog.quotes, source="catalog", observed_at=datetime.now(UTC), history=True)
    expected_history = len(store.events_after(0, limit=10_000))
    server.metrics.delivery_sent("telegram", latency_seconds=0.4)
    server.metrics.delivery_sent("telegram", latency_seconds=3)
    server.metrics.delivery_retried("slack", "retry_after")
    server.metrics.delivery_dead("telegram", "chat_gone")
    server.metrics.job_failed("fan_out")

    status, text = await get(server, "/metrics")
    assert status == 200
    seen = samples(text)
    recorded = sum(
        v
        for (name, labels), v in seen.items()
        if name == "pricebot_events_recorded_total" and ("history", "true") in labels
    )
    assert recorded == expected_history > 0
    assert seen[("pricebot_store_up", ())] == 1
    assert seen[("pricebot_deliveries_sent_total", (("platform", "telegram"),))] == 2
    assert seen[("pricebot_dispatch_latency_seconds_count", (("platform", "telegram"),))] == 2
    le_1 = (("le", "1.0"), ("platform", "telegram"))
    assert seen[("pricebot_dispatch_latency_seconds_bucket", le_1)] == 1
    retried = (("platform", "slack"), ("reason", "retry_after"))
    assert seen[("pricebot_deliveries_retried_total", retried)] == 1
    dead = (("platform", "telegram"), ("reason", "chat_gone"))
    assert seen[("pricebot_deliveries_dead_total", dead)] == 1
    failed = (("job", "fan_out"), ("outcome", "error"))
    assert seen[("pricebot_scheduler_job_failures_total", failed)] == 1


async def test_not_ready_while_migrations_are_pending(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    web_server = WebServer(
        host="127.0.0.1", port=0, metrics=Metrics(), ready=[database_ready(engine)]
    )
    await web_server.start()
    try:
        status, body = await get(web_server, "/readyz")
        assert status == 503
        assert "migrations pending" in body and "0001_price_store" in body
        upgrade(engine)
        assert await get(web_server, "/readyz") == (200, '{"ready": true}\n')
    finally:
        await web_server.stop()
        engine.dispose()


async def test_readyz_follows_a_database_restart(postgres_admin_url: str, pg_url: str) -> None:
    """Down: /readyz 503, /healthz and /metrics still answer. Back: ready again, same process."""
    with DatabaseProxy.for_url(postgres_admin_url).running() as proxy:
        engine = make_engine(proxy.url_through(pg_url))
        await asyncio.to_thread(upgrade, engine)
        metrics = Metrics()
        metrics.watch_store(engine)
        web_server = WebServer(
            host="127.0.0.1", port=0, metrics=metrics, ready=[database_ready(engine, timeout=5)]
        )
        await web_server.start()
        try:
            assert (await get(web_server, "/readyz"))[0] == 200

            proxy.down()
            status, body = await get(web_server, "/readyz")
            assert status == 503 and "cannot reach the database" in body
            assert (await get(web_server, "/healthz"))[0] == 200
            status, text = await get(web_server, "/metrics")
            assert status == 200 and samples(text)[("pricebot_store_up", ())] == 0

            proxy.up()
            assert await get(web_server, "/readyz") == (200, '{"ready": true}\n')
            status, text = await get(web_server, "/metrics")
            assert samples(text)[("pricebot_store_up", ())] == 1
        finally:
            await web_server.stop()
            await asyncio.to_thread(engine.dispose)


async def test_port_in_use_says_which_setting_to_change() -> None:
    first = WebServer(host="127.0.0.1", port=0, metrics=Metrics())
    await first.start()
    try:
        second = WebServer(host="127.0.0.1", port=first.port, metrics=Metrics())
        with pytest.raises(OSError, match="PRICEBOT_HTTP_PORT"):
            await second.start()
    finally:
        await first.stop()


async def pricebot_health(*args: str) -> tuple[int, str, str]:
    """`pricebot health …` as the container's HEALTHCHECK runs it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "health",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_health_command_answers_for_probes(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    web_server = WebServer(
        host="127.0.0.1", port=0, metrics=Metrics(), ready=[database_ready(engine)]
    )
    await web_server.start()
    base = f"http://127.0.0.1:{web_server.port}"
    try:
        assert await pricebot_health("--url", base) == (0, '{"status": "ok"}\n', "")
        code, out, _ = await pricebot_health("--url", base, "--ready")
        assert code == 1 and "migrations pending" in out
    finally:
        await web_server.stop()
        engine.dispose()
    code, _, err = await pricebot_health("--url", base)
    assert code == 1 and err.startswith(f"unhealthy: {base}/healthz")
