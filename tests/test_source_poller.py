"""The poller against real HTTP on loopback: conditional requests, retries, failing sources,
due-ness, the advisory lock, and the refreshes `pricebot run` starts (start, interval,
leadership, one task per source)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.sources import Guards, catalog, litellm, openrouter
from bot.sources.poller import (
    Poller,
    SourceJobs,
    refresh_due,
    refresh_source,
    refresh_sources,
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
    )


@pytest.fixture
def threaded() -> Iterator[HTTPServer]:
    """A feed server that answers requests side by side (one may be slow)."""
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


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
    assert second.message == "not modified since the last accepted fetch (HTTP 304; 1 in all)"
    headers = sent(httpserver)
    assert "If-None-Match" not in headers[0]
    assert headers[1]["If-Modified-Since"] == "Sun, 01 Nov 2026 08:00:00 GMT"
    assert store.last_event_id() == last
    status = poller.state.status("openrouter")
    assert status is not None and status.last_success_at == T0 + timedelta(hours=1)
    httpserver.check_assertions()


async def test_the_same_body_again_without_etags_is_not_modified_and_not_parsed(
    store: PriceStore, httpserver: HTTPServer
) -> None:
    body = feeds.openrouter(feeds.ten_models())
    cheaper = feeds.openrouter({**feeds.ten_models(), "m1": ("1.5", "4")})
    for answer in (body, body, cheaper):  # a server that sends no ETag or Last-Modified
        httpserver.expect_ordered_request("/models").respond_with_data(answer, content_type=JSON)
    poller = poller_for(store, {"openrouter": httpserver.url_for("/models")})
    await refresh_source(poller, "openrouter", now=T0)
    last = store.last_event_id()
    same = await refresh_source(poller, "openrouter", now=T0 + timedelta(hours=1))
    assert same.outcome is SourceOutcome.NOT_MODIFIED
    assert same.message == "not modified since the last accepted fetch (the same content; 1 in all)"
    assert store.last_event_id() == last
    [listing] = poller.state.listings("openrouter/acme/m4")
    assert listing.last_seen_at == T0 + timedelta(hours=1)  # still listed as of this poll
    changed = await refresh_source(poller, "openrouter", now=T0 + timedelta(hours=2))
    assert [(e.type.value, e.model_id) for e in changed.news] == [("cut", "openrouter/acme/m1")]
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
        # The healthy feed is read each time (the same body again counts as not modified).
        assert [r.outcome for r in reports][1] in (
            SourceOutcome.RECORDED,
            SourceOutcome.UNCHANGED,
            SourceOutcome.NOT_MODIFIED,
        )
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


async def _settle(jobs: SourceJobs) -> None:
    """Wait until the refreshes `tick` started have finished."""
    for _ in range(200):
        if not jobs.running:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"still running: {jobs.running}")


async def test_every_source_runs_right_after_start_then_on_its_interval(
    store: PriceStore, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/or").respond_with_data(
        feeds.openrouter(feeds.ten_models()), content_type=JSON
    )
    httpserver.expect_request("/ll").respond_with_data(
        feeds.litellm(feeds.ten_models()), content_type=JSON
    )
    poller = poller_for(
        store, {"openrouter": httpserver.url_for("/or"), "litellm": httpserver.url_for("/ll")}
    )
    # Both were fetched 10 minutes ago (another process, an earlier run): a start runs
    # them again all the same, spread by the stagger and the jitter.
    await refresh_sources(poller, now=T0 - timedelta(minutes=10))
    poller.jitter_seconds, poller.stagger = 10, timedelta(seconds=2)
    jobs = SourceJobs(poller, random=lambda: 0.5)
    assert jobs.plan_start(T0) == {
        "openrouter": T0 + timedelta(seconds=5),
        "litellm": T0 + timedelta(seconds=7),
    }
    await jobs.tick(T0)
    assert jobs.running == []
    await jobs.tick(T0 + timedelta(seconds=6))
    assert jobs.running == ["openrouter"]
    await _settle(jobs)
    await jobs.tick(T0 + timedelta(seconds=8))
    await _settle(jobs)
    assert len(httpserver.log) == 4
    # Then each on its interval (an hour here) after its last attempt.
    await jobs.tick(T0 + timedelta(minutes=30))
    assert jobs.running == []
    await jobs.tick(T0 + timedelta(minutes=61))
    assert jobs.running == ["litellm", "openrouter"]
    await _settle(jobs)
    assert len(httpserver.log) == 6
    statuses = poller.state.statuses()
    assert poller.next_run("openrouter", statuses["openrouter"]) == T0 + timedelta(minutes=121)


async def test_a_new_leader_runs_what_is_due_at_once(
    store: PriceStore, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/or").respond_with_data(
        feeds.openrouter(feeds.ten_models()), content_type=JSON
    )
    poller = poller_for(store, {"openrouter": httpserver.url_for("/or")})
    await refresh_source(poller, "openrouter", now=T0)
    # Another process led and fetched at T0; this one is elected 70 minutes later
    # (no start plan: it was a follower when it started). The source is overdue.
    jobs = SourceJobs(poller)
    assert jobs.due(poller.state.statuses(), T0 + timedelta(minutes=59)) == []
    await jobs.tick(T0 + timedelta(minutes=70))
    assert jobs.running == ["openrouter"]
    await _settle(jobs)
    assert len(httpserver.log) == 2


async def test_a_slow_source_does_not_hold_up_the_others(
    store: PriceStore, threaded: HTTPServer
) -> None:
    httpserver = threaded

    def slow(request: Request) -> Response:
        time.sleep(3)
        return Response(feeds.litellm(feeds.ten_models()), content_type=JSON)

    httpserver.expect_request("/ll").respond_with_handler(slow)
    httpserver.expect_request("/or").respond_with_data(
        feeds.openrouter(feeds.ten_models()), content_type=JSON
    )
    poller = poller_for(
        store, {"litellm": httpserver.url_for("/ll"), "openrouter": httpserver.url_for("/or")}
    )
    jobs = SourceJobs(poller)
    await jobs.tick(T0)
    for _ in range(40):  # up to 2 s: OpenRouter is done while LiteLLM still loads
        if jobs.running == ["litellm"]:
            break
        await asyncio.sleep(0.05)
    assert jobs.running == ["litellm"]
    status = poller.state.status("openrouter")
    assert status is not None and status.last_outcome is SourceOutcome.RECORDED
    assert poller.state.status("litellm") is None
    await jobs.tick(T0 + timedelta(seconds=1))
    assert jobs.running == ["litellm"]  # never twice at once
    await _settle(jobs)


async def test_stopping_ends_a_fetch_in_flight(store: PriceStore, threaded: HTTPServer) -> None:
    httpserver = threaded

    def slow(request: Request) -> Response:
        time.sleep(1.0)
        return Response(feeds.openrouter(feeds.ten_models()), content_type=JSON)

    httpserver.expect_request("/or").respond_with_handler(slow)
    poller = poller_for(store, {"openrouter": httpserver.url_for("/or")})
    jobs = SourceJobs(poller)
    await jobs.tick(T0)
    await asyncio.sleep(0.2)
    await asyncio.wait_for(jobs.stop(), timeout=0.5)
    assert jobs.running == [] and poller.state.status("openrouter") is None


async def test_a_change_awaiting_confirmation_brings_the_next_poll_forward(
    store: PriceStore, httpserver: HTTPServer
) -> None:
    httpserver.expect_ordered_request("/or").respond_with_data(
        feeds.openrouter(feeds.ten_models()), content_type=JSON
    )
    httpserver.expect_request("/or").respond_with_data(
        feeds.openrouter(feeds.ten_models() | {"m0": ("0", "0")}), content_type=JSON
    )
    poller = poller_for(store, {"openrouter": httpserver.url_for("/or")})
    await refresh_source(poller, "openrouter", now=T0)
    t1 = T0 + timedelta(hours=1)
    await refresh_source(poller, "openrouter", now=t1)
    status = poller.state.status("openrouter")
    assert status is not None and status.pending == 1 and status.pending_since == t1
    assert poller.next_run("openrouter", status) == t1 + timedelta(minutes=15)
    [report] = await refresh_due(poller, now=t1 + timedelta(minutes=15))
    assert report.confirmed == ("openrouter/acme/m0",)
    assert poller.next_run("openrouter", poller.state.status("openrouter")) == (
        t1 + timedelta(minutes=75)
    )


async def test_a_not_modified_answer_writes_nothing_and_is_counted(
    store: PriceStore, httpserver: HTTPServer
) -> None:
    httpserver.expect_ordered_request("/models").respond_with_data(
        feeds.openrouter(feeds.ten_models()),
        content_type=JSON,
        headers={"Last-Modified": "Sun, 01 Nov 2026 08:00:00 GMT"},
    )
    for _ in range(2):
        httpserver.expect_ordered_request(
            "/models", headers={"If-Modified-Since": "Sun, 01 Nov 2026 08:00:00 GMT"}
        ).respond_with_data("", status=304)
    poller = poller_for(store, {"openrouter": httpserver.url_for("/models")})
    await refresh_source(poller, "openrouter", now=T0)
    written = (
        store.data_version(),
        [store.history(m) for m in sorted(poller.state.members("openrouter"))],
    )
    for hour in (1, 2):
        report = await refresh_source(poller, "openrouter", now=T0 + timedelta(hours=hour))
        assert report.outcome is SourceOutcome.NOT_MODIFIED
    assert report.message == "not modified since the last accepted fetch (HTTP 304; 2 in all)"
    assert (
        store.data_version(),
        [store.history(m) for m in sorted(poller.state.members("openrouter"))],
    ) == written
    status = poller.state.status("openrouter")
    assert status is not None and status.not_modified_count == 2
    assert status.last_attempt_at == T0 + timedelta(hours=2)
    # The server vouched the listing is unchanged: its offers were seen now.
    [listing] = poller.state.listings("openrouter/acme/m1")
    assert listing.last_seen_at == T0 + timedelta(hours=2)
    httpserver.check_assertions()


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
