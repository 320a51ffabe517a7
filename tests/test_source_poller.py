"""The poller against real HTTP on loopback: conditional requests, retries, failing sources,
due-ness, the advisory lock, and the jobs it gives a real APScheduler."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from pytest_httpserver import HTTPServer

from bot.settings import Settings
from bot.sources import Guards, catalog, litellm, openrouter
from bot.sources.poller import (
    Poller,
    refresh_due,
    refresh_source,
    refresh_sources,
    schedule_sources,
)
from storage import PriceStore, SourceOutcome, SourceState
from tests import feeds
from tests.helpers import utc

T0 = utc(2026, 11, 1, 9)
JSON = "application/json"


def poller_for(store: PriceStore, urls: dict[str, str], *, retries: int = 0) -> Poller:
    makers = {"openrouter": openrouter.source, "litellm": litellm.source}
    return Poller(
        store=store,
        state=SourceState(store.engine),
        sources={name: makers[name](url) for name, url in urls.items()},
        enabled=list(urls),
        intervals=dict.fromkeys(urls, timedelta(hours=1)),
        guards=Guards(),
        timeout=2.0,
        retries=retries,
        backoff=0.01,
        confirm_after=timedelta(minutes=15),
    )


def sent(server: HTTPServer) -> list[dict[str, str]]:
    """The headers of every request the feed server received, in order."""
    return [dict(request.headers) for request, _ in server.log]


async def test_etag_makes_the_next_request_conditional(
    store: PriceStore, httpserver: HTTPServer
) -> None:
    body = feeds.openrouter(feeds.ten_models())
    httpserver.expect_ordered_request("/models").respond_with_data(
        body,
        content_type=JSON,
        headers={"ETag": '"v1"', "Last-Modified": "Sun, 01 Nov 2026 08:00:00 GMT"},
    )
    httpserver.expect_ordered_request(
        "/models", headers={"If-None-Match": '"v1"'}
    ).respond_with_data("", status=304)
    poller = poller_for(store, {"openrouter": httpserver.url_for("/models")})
    assert (await refresh_source(poller, "openrouter", now=T0)).outcome is SourceOutcome.RECORDED
    last = store.last_event_id()
    second = await refresh_source(poller, "openrouter", now=T0 + timedelta(hours=1))
    assert second.outcome is SourceOutcome.NOT_MODIFIED
    assert second.message == "not modified since the last accepted fetch"
    headers = sent(httpserver)
    assert "If-None-Match" not in headers[0]
    assert headers[1]["If-Modified-Since"] == "Sun, 01 Nov 2026 08:00:00 GMT"
    assert store.last_event_id() == last
    status = poller.state.status("openrouter")
    assert status is not None and status.last_success_at == T0 + timedelta(hours=1)
    httpserver.check_assertions()


async def test_a_change_awaiting_confirmation_is_fetched_unconditionally(
    store: PriceStore, httpserver: HTTPServer
) -> None:
    free = feeds.openrouter(feeds.ten_models() | {"m0": ("0", "0")})
    httpserver.expect_ordered_request("/models").respond_with_data(
        feeds.openrouter(feeds.ten_models()), content_type=JSON, headers={"ETag": '"v1"'}
    )
    for tag in ('"v2"', '"v2"'):
        httpserver.expect_ordered_request("/models").respond_with_data(
            free, content_type=JSON, headers={"ETag": tag}
        )
    poller = poller_for(store, {"openrouter": httpserver.url_for("/models")})
    await refresh_source(poller, "openrouter", now=T0)
    waiting = await refresh_source(poller, "openrouter", now=T0 + timedelta(hours=1))
    assert waiting.pending == ("openrouter/acme/m0",)
    confirmed = await refresh_source(poller, "openrouter", now=T0 + timedelta(hours=2))
    assert confirmed.confirmed == ("openrouter/acme/m0",)
    assert {e.type.value for e in confirmed.news} == {"free"}
    headers = sent(httpserver)
    assert headers[1].get("If-None-Match") == '"v1"'
    assert "If-None-Match" not in headers[2]  # the second poll needs the body itself


async def test_a_server_error_is_retried_with_backoff(
    store: PriceStore, httpserver: HTTPServer
) -> None:
    httpserver.expect_ordered_request("/models").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/models").respond_with_data(
        feeds.openrouter(feeds.ten_models()), content_type=JSON
    )
    poller = poller_for(store, {"openrouter": httpserver.url_for("/models")}, retries=1)
    report = await refresh_source(poller, "openrouter", now=T0)
    assert report.outcome is SourceOutcome.RECORDED
    assert len(httpserver.log) == 2


async def test_a_not_found_is_not_retried(store: PriceStore, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/models").respond_with_data("no", status=404)
    poller = poller_for(store, {"openrouter": httpserver.url_for("/models")}, retries=3)
    report = await refresh_source(poller, "openrouter", now=T0)
    assert report.outcome is SourceOutcome.FAILED
    assert "HTTP 404 NOT FOUND" in report.message
    assert len(httpserver.log) == 1


async def test_a_failing_source_is_reported_and_the_others_go_on(
    store: PriceStore, httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request("/or").respond_with_data("down", status=500)
    httpserver.expect_request("/ll").respond_with_data(
        feeds.litellm(feeds.ten_models()), content_type=JSON
    )
    poller = poller_for(
        store, {"openrouter": httpserver.url_for("/or"), "litellm": httpserver.url_for("/ll")}
    )
    for hour in range(3):
        reports = await refresh_sources(poller, now=T0 + timedelta(hours=hour))
        assert [r.outcome for r in reports][1] in (SourceOutcome.RECORDED, SourceOutcome.UNCHANGED)
    failing = reports[0]
    assert failing.outcome is SourceOutcome.FAILED
    assert failing.message.endswith("(failed 3 times in a row)")
    status = poller.state.status("openrouter")
    assert status is not None
    assert (status.consecutive_failures, status.last_success_at) == (3, None)
    assert "HTTP 500" in (status.last_error or "")
    assert any(
        r.levelno == logging.ERROR and "keeps failing" in r.getMessage() for r in caplog.records
    )
    assert {m.vendor for m in store.current(T0 + timedelta(hours=3))} == {"acme"}


async def test_refresh_due_follows_each_source_interval(
    store: PriceStore, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/models").respond_with_data(
        feeds.openrouter(feeds.ten_models()), content_type=JSON
    )
    poller = poller_for(store, {"openrouter": httpserver.url_for("/models")})
    assert [r.source for r in await refresh_due(poller, now=T0)] == ["openrouter"]
    assert await refresh_due(poller, now=T0 + timedelta(minutes=30)) == []
    assert len(await refresh_due(poller, now=T0 + timedelta(minutes=61))) == 1
    assert len(httpserver.log) == 2


async def test_one_process_refreshes_a_source_at_a_time(
    store: PriceStore, httpserver: HTTPServer
) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; SQLite serves one process")
    httpserver.expect_request("/models").respond_with_data(
        feeds.openrouter(feeds.ten_models()), content_type=JSON
    )
    poller = poller_for(store, {"openrouter": httpserver.url_for("/models")})
    other = SourceState(store.engine)
    with other.exclusive("openrouter") as mine:
        assert mine
        report = await refresh_source(poller, "openrouter", now=T0)
    assert report.outcome is SourceOutcome.BUSY
    assert len(httpserver.log) == 0
    assert (await refresh_source(poller, "openrouter", now=T0)).outcome is SourceOutcome.RECORDED


async def test_schedule_sources_gives_the_scheduler_one_job_per_source(
    sqlite_store: PriceStore,
) -> None:
    settings = Settings(
        database_url=str(sqlite_store.engine.url),
        sources="catalog,genai-prices",
        sources_jitter_seconds=0,
        catalog_interval_minutes=1440,
        genai_prices_interval_minutes=720,
    )
    scheduler = AsyncIOScheduler(timezone="UTC")
    poller = schedule_sources(scheduler, sqlite_store, settings, stagger=timedelta(0))
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {
        "pricebot:source:catalog",
        "pricebot:source:genai-prices",
        "pricebot:source-confirmations",
    }
    trigger = jobs["pricebot:source:genai-prices"].trigger
    assert isinstance(trigger, IntervalTrigger) and trigger.interval == timedelta(hours=12)
    scheduler.start()
    try:
        for _ in range(200):  # the first run is right after start
            statuses = poller.state.statuses()
            if (
                all(s.last_outcome is SourceOutcome.RECORDED for s in statuses.values())
                and len(statuses) == 2
            ):
                break
            await asyncio.sleep(0.1)
    finally:
        scheduler.shutdown(wait=False)
    assert {n: s.last_outcome for n, s in poller.state.statuses().items()} == {
        "catalog": SourceOutcome.RECORDED,
        "genai-prices": SourceOutcome.RECORDED,
    }
    assert sqlite_store.resolve_model("openai/o3") == "openai/o3"


NEGOTIATED = """
[catalog]
name = "Negotiated 2026"

[[vendors]]
id = "deepseek"
name = "DeepSeek"

[[models]]
id = "deepseek/deepseek-chat"
name = "DeepSeek-V3"

[[prices]]
model = "deepseek/deepseek-chat"
effective = 2026-01-01
currency = "CNY"
per = "1K"
input = "0.0005"
output = "0.002"
source = "contract 2026-001"
"""


async def test_a_catalog_file_imported_by_hand_is_a_source_of_its_own(
    store: PriceStore, tmp_path: Path
) -> None:
    poller = Poller(
        store=store,
        state=SourceState(store.engine),
        sources={"catalog": catalog.source(None)},
        enabled=["catalog"],
        intervals={"catalog": timedelta(days=1)},
        guards=Guards(),
    )
    bundled = await refresh_source(poller, "catalog", now=T0)
    assert bundled.message.startswith("first import: 14 models")
    mine = tmp_path / "negotiated.toml"
    mine.write_text(NEGOTIATED, "utf-8")
    imported = await refresh_source(
        poller, "catalog", now=T0 + timedelta(hours=1), location=str(mine)
    )
    assert imported.message.startswith("first import: 1 models")
    assert imported.events and all(e.history for e in imported.events)
    assert {p.source for p in store.history("deepseek/deepseek-chat")} == {
        "catalog:Negotiated 2026"
    }
    # The bundled catalog's own model list is untouched: nothing "vanished".
    again = await refresh_source(poller, "catalog", now=T0 + timedelta(hours=2))
    assert again.outcome is SourceOutcome.UNCHANGED, again.message
