"""Bad data from each feed, served over real HTTP on loopback, on SQLite and PostgreSQL.

Every case starts from a good first import, then serves one kind of bad feed.
Each must end with no event that would alert, a status line that says what
happened, and the last good prices still current.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.sources import Guards, genai_prices, litellm, openrouter
from bot.sources.poller import Poller, refresh_source
from storage import PriceKind, PriceStore, SourceOutcome, SourceState
from tests import feeds
from tests.helpers import utc

T0 = utc(2026, 11, 1, 9)
T1 = T0 + timedelta(hours=1)

FEED_SOURCES = {
    "openrouter": openrouter.source,
    "litellm": litellm.source,
    "genai-prices": genai_prices.source,
}


def make_poller(store: PriceStore, feed: str, url: str, *, retries: int = 0) -> Poller:
    return Poller(
        store=store,
        state=SourceState(store.engine),
        sources={feed: FEED_SOURCES[feed](url)},
        enabled=[feed],
        intervals={feed: timedelta(hours=1)},
        guards=Guards(),
        timeout=0.3,
        retries=retries,
        backoff=0.01,
    )


def prices_now(store: PriceStore, feed: str) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    ids = feeds.model_ids(feed, feeds.ten_models())
    result = {}
    for model in store.current(T1):
        if model.model_id in ids:
            inp, out = model.price(PriceKind.INPUT), model.price(PriceKind.OUTPUT)
            result[model.model_id] = (
                inp.amount.amount if inp else None,
                out.amount.amount if out else None,
            )
    return result


# ---- the bad feeds ----------------------------------------------------------------------

Serve = Callable[[HTTPServer, str], None]


def _body(body: bytes) -> Serve:
    def serve(server: HTTPServer, feed: str) -> None:
        server.expect_request("/feed").respond_with_data(body, content_type="application/json")

    return serve


def _rendered(change: Callable[[str], bytes]) -> Serve:
    def serve(server: HTTPServer, feed: str) -> None:
        server.expect_request("/feed").respond_with_data(
            change(feed), content_type="application/json"
        )

    return serve


def _slow(server: HTTPServer, feed: str) -> None:
    def handler(request: Request) -> Response:
        time.sleep(0.6)  # the client gives up after 0.3 s
        return Response(feeds.FEEDS[feed].render(feeds.ten_models()), status=200)

    server.expect_request("/feed").respond_with_handler(handler)


def _error(server: HTTPServer, feed: str) -> None:
    server.expect_request("/feed").respond_with_data("upstream broke", status=500)


def _truncated(feed: str) -> bytes:
    body = feeds.FEEDS[feed].render(feeds.ten_models())
    return body[: len(body) // 2]


_RENAMES = {
    "openrouter": [('"pricing"', '"price"')],
    "litellm": [('_cost_per_token"', '_cost_per_tok"')],
    "genai-prices": [('"prices"', '"price"')],
}


def _renamed(feed: str) -> bytes:
    text = feeds.FEEDS[feed].render(feeds.ten_models()).decode()
    for old, new in _RENAMES[feed]:
        assert old in text
        text = text.replace(old, new)
    return text.encode()


def _all_zero(feed: str) -> bytes:
    return feeds.FEEDS[feed].render({name: ("0", "0") for name in feeds.ten_models()})


def _one_zero(feed: str) -> bytes:
    return feeds.FEEDS[feed].render(feeds.ten_models() | {"m0": ("0", "0")})


def _negative_and_nan(feed: str) -> bytes:
    return feeds.FEEDS[feed].render(feeds.ten_models() | {"m1": ("-1", "4"), "m2": ("3", "NaN")})


def _duplicated(feed: str) -> bytes:
    body = json.loads(feeds.FEEDS[feed].render(feeds.ten_models()))
    if feed == "openrouter":
        twin = next(m for m in body["data"] if m["id"] == "acme/m3")
        body["data"].append({**twin, "pricing": {"prompt": "0.0000001", "completion": "0.000008"}})
    elif feed == "litellm":
        body["m3"] = {"litellm_provider": "acme", "input_cost_per_token": 1e-07}
    else:
        body[0]["models"].append({"id": "m3", "prices": {"input_mtok": 0.1, "output_mtok": 8}})
    return json.dumps(body).encode()


def _most_missing(feed: str) -> bytes:
    return feeds.FEEDS[feed].render({"m0": feeds.ten_models()["m0"]})


FAILED, HELD, UNCHANGED = SourceOutcome.FAILED, SourceOutcome.HELD_BACK, SourceOutcome.UNCHANGED

# case → (how to serve it, {feed: (outcome, what the status line must say)})
CASES: dict[str, tuple[Serve, dict[str, tuple[SourceOutcome, str]]]] = {
    "timeout": (_slow, dict.fromkeys(FEED_SOURCES, (FAILED, "timed out after 1 attempt"))),
    "http_500": (_error, dict.fromkeys(FEED_SOURCES, (FAILED, "HTTP 500 INTERNAL SERVER ERROR"))),
    "empty_body": (_body(b""), dict.fromkeys(FEED_SOURCES, (FAILED, "empty body"))),
    "truncated_json": (
        _rendered(_truncated),
        dict.fromkeys(FEED_SOURCES, (FAILED, "not valid JSON")),
    ),
    "renamed_field": (
        _rendered(_renamed),
        dict.fromkeys(FEED_SOURCES, (HELD, "held back: no usable prices among 10 entries")),
    ),
    "every_price_zero": (
        _rendered(_all_zero),
        {
            "openrouter": (HELD, "held back: 10 of 10 models changed price at once"),
            "genai-prices": (HELD, "held back: 10 of 10 models changed price at once"),
            # Zero means unknown in LiteLLM: nothing usable is left.
            "litellm": (HELD, "held back: no usable prices among 10 entries"),
        },
    ),
    "one_price_zero": (
        _rendered(_one_zero),
        {
            "openrouter": (UNCHANGED, "1 alarming changes await a second poll"),
            "genai-prices": (UNCHANGED, "1 alarming changes await a second poll"),
            "litellm": (UNCHANGED, "2 prices unknown"),
        },
    ),
    "negative_and_nan": (
        _rendered(_negative_and_nan),
        dict.fromkeys(FEED_SOURCES, (UNCHANGED, "2 prices unknown")),
    ),
    "duplicated_model": (
        _rendered(_duplicated),
        dict.fromkeys(FEED_SOURCES, (UNCHANGED, "listed twice with different prices")),
    ),
    "most_models_missing": (
        _rendered(_most_missing),
        dict.fromkeys(FEED_SOURCES, (HELD, "held back: 9 of 10 models vanished at once")),
    ),
}


@pytest.mark.parametrize("feed", list(FEED_SOURCES))
@pytest.mark.parametrize("case", list(CASES))
async def test_bad_feed_changes_nothing_anyone_hears_about(
    store: PriceStore, httpserver: HTTPServer, feed: str, case: str
) -> None:
    poller = make_poller(store, feed, httpserver.url_for("/feed"))
    httpserver.expect_request("/feed").respond_with_data(
        feeds.FEEDS[feed].render(feeds.ten_models()), content_type="application/json"
    )
    first = await refresh_source(poller, feed, now=T0)
    assert first.outcome is SourceOutcome.RECORDED, first.message
    good = prices_now(store, feed)
    assert len(good) == 10
    cursor = store.last_event_id()

    httpserver.clear()
    serve, expected = CASES[case]
    serve(httpserver, feed)
    report = await refresh_source(poller, feed, now=T1)

    outcome, says = expected[feed]
    assert report.outcome is outcome, report.message
    assert says in report.message
    assert [e for e in store.events_after(cursor, 1000) if not e.history] == []
    assert prices_now(store, feed) == good
    status = poller.state.status(feed)
    assert status is not None and status.last_message is not None
    assert says in status.last_message
    assert status.last_success_at == (T1 if outcome is UNCHANGED else T0)
    assert status.model_count == (
        9 if case == "duplicated_model" or (feed == "litellm" and case == "one_price_zero") else 10
    )
