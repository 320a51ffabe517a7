"""The poller end to end: the real `pricebot run` (console front-end) polling live feeds.

A local HTTP server on loopback serves OpenRouter-, LiteLLM- and genai-prices-shaped
feeds whose content each test changes; intervals are settings (a few seconds here),
so each test runs in well under a minute. What is checked is what a user sees: the
console's alerts, `pricebot sources status`, `pricebot prices list`, /metrics, and the
requests the feed server received.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy.pool import NullPool
from werkzeug import Request, Response

from storage import PriceStore, SourceState, make_engine
from tests import feeds
from tests.cli_process import run_pricebot
from tests.replicas import Replica, free_port, wait_for
from tests.test_run import Running

# Seconds between polls of each source (the settings take minutes).
EVERY = 2.0
# A suspect change is confirmed by a fetch saying the same this many seconds later.
CONFIRM = 4.0
LAST_MODIFIED = "Sun, 01 Nov 2026 08:00:00 GMT"


@dataclass
class LiveFeed:
    """One feed on the loopback server: its body can change; it answers 304 when unchanged.

    `etag` feeds answer If-None-Match; the others only If-Modified-Since.
    """

    name: str
    prices: feeds.Prices
    etag: bool = True
    failing: bool = False
    seen: list[tuple[float, int, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def body(self) -> bytes:
        return feeds.FEEDS[self.name].render(self.prices)

    def handle(self, request: Request) -> Response:
        with self.lock:
            response = self._answer(request)
            self.seen.append((time.monotonic(), response.status_code, dict(request.headers)))
            return response

    def _answer(self, request: Request) -> Response:
        if self.failing:
            return Response("upstream is down", status=503)
        body = self.body()
        tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.etag and request.headers.get("If-None-Match") == tag:
            return Response(status=304)
        # The body changes only when a test changes it: one date is as good as any.
        modified = LAST_MODIFIED + ("" if self.etag else f" {len(body)}")
        if not self.etag and request.headers.get("If-Modified-Since") == modified:
            return Response(status=304)
        headers = {"ETag": tag} if self.etag else {"Last-Modified": modified}
        return Response(body, content_type="application/json", headers=headers)

    def set(self, prices: feeds.Prices) -> None:
        with self.lock:
            self.prices = prices

    def requests(self) -> int:
        with self.lock:
            return len(self.seen)

    def answers(self) -> list[int]:
        with self.lock:
            return [status for _, status, _ in self.seen]


@dataclass
class Feeds:
    server: HTTPServer
    openrouter: LiveFeed
    litellm: LiveFeed
    genai: LiveFeed

    def env(self, **extra: str) -> dict[str, str]:
        """`pricebot run` polling these three feeds every few seconds."""
        minutes = str(EVERY / 60)
        return {
            "PRICEBOT_SOURCES": "openrouter,litellm,genai-prices",
            "PRICEBOT_OPENROUTER_URL": self.server.url_for("/openrouter"),
            "PRICEBOT_LITELLM_URL": self.server.url_for("/litellm"),
            "PRICEBOT_GENAI_PRICES_URL": self.server.url_for("/genai"),
            "PRICEBOT_OPENROUTER_INTERVAL_MINUTES": minutes,
            "PRICEBOT_LITELLM_INTERVAL_MINUTES": minutes,
            "PRICEBOT_GENAI_PRICES_INTERVAL_MINUTES": minutes,
            "PRICEBOT_SOURCES_JITTER_SECONDS": "0",
            "PRICEBOT_SOURCES_TICK_SECONDS": "0.25",
            "PRICEBOT_SOURCES_CONFIRM_AFTER_MINUTES": str(CONFIRM / 60),
            "PRICEBOT_SOURCES_RETRIES": "0",
            "PRICEBOT_SOURCES_TIMEOUT_SECONDS": "5",
            "PRICEBOT_SOURCES_FAILURES_TO_REPORT": "2",
            "PRICEBOT_SOURCES_DELIST_AFTER_SNAPSHOTS": "2",
            "PRICEBOT_SOURCES_DELIST_AFTER_DAYS": "0",
            "PRICEBOT_FANOUT_INTERVAL": "0.5",
            "PRICEBOT_DISPATCH_INTERVAL": "0.5",
            **extra,
        }

    def cli(self, url: str, *args: str) -> subprocess.CompletedProcess[str]:
        """`pricebot …` with the running bot's settings (which sources, where, how often)."""
        env = {**os.environ, **self.env(), "PRICEBOT_DATABASE_URL": url}
        return run_pricebot(args, env=env, timeout=60)

    def status(self, url: str) -> dict[str, dict[str, Any]]:
        """`pricebot sources status --json`, by source."""
        shown = self.cli(url, "sources", "status", "--json")
        assert shown.returncode == 0, shown.stderr
        return {row["source"]: row for row in json.loads(shown.stdout)}

    def text(self, url: str) -> str:
        """`pricebot sources status` as people read it."""
        return self.cli(url, "sources", "status").stdout

    def wait_imported(self, url: str, bot: Running, *names: str, timeout: float = 30) -> None:
        """Wait until every named source has recorded its first import.

        The CLI is not run before the bot has fetched something: two processes
        migrating one fresh SQLite file at once can collide ("table already exists").
        """
        try:
            wait_for(lambda: self.openrouter.requests() > 0, timeout, "the bot's first fetch")
            wait_for(self.imported(url, *names), timeout, "first imports")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.text(url)}\n{bot.stderr()[-4000:]}") from None

    def imported(self, url: str, *names: str) -> Callable[[], bool]:
        """A condition: every named source has recorded its first import."""

        def check() -> bool:
            rows = state(url).statuses()
            return all(n in rows and rows[n].model_count > 0 for n in names)

        return check


# What the tests wait for is read from the store in this process: a `pricebot sources
# status` per check would start a process several times a second beside the bot. What
# they assert is what the CLI shows.
_states: dict[str, SourceState] = {}


def state(url: str) -> SourceState:
    if url not in _states:
        _states[url] = SourceState(make_engine(url, poolclass=NullPool))
    return _states[url]


def delisted(url: str, name: str) -> list[str]:
    """Offers `name`'s feed no longer lists, as `sources status` counts them."""
    found = state(url)
    return [
        listing.model_id
        for recorded in found.recorded_sources(name)
        for listing in found.listings_of(recorded).values()
        if listing.delisted
    ]


@pytest.fixture
def live() -> Iterator[Feeds]:
    server = HTTPServer(threaded=True)
    server.start()
    made = Feeds(
        server,
        LiveFeed("openrouter", feeds.ten_models()),
        LiveFeed("litellm", feeds.ten_models(), etag=False),
        LiveFeed("genai-prices", feeds.ten_models()),
    )
    for path, feed in (
        ("/openrouter", made.openrouter),
        ("/litellm", made.litellm),
        ("/genai", made.genai),
    ):
        server.expect_request(path).respond_with_handler(feed.handle)
    yield made
    server.clear()
    server.stop()


def stop(bot: Running) -> None:
    assert bot.proc.stdin is not None
    bot.proc.stdin.close()
    assert bot.proc.wait(timeout=30) == 0, bot.stderr()


def alerts(bot: Running) -> list[str]:
    return [line for line in bot.seen if line.startswith("🔔")]


def test_every_source_is_fetched_within_seconds_of_start(tmp_path: Path, live: Feeds) -> None:
    url = f"sqlite:///{tmp_path / 'pricebot.db'}"
    started = time.monotonic()
    bot = Running(url, tmp_path, **live.env())
    for feed in (live.openrouter, live.litellm, live.genai):
        wait_for(lambda f=feed: f.requests() > 0, 20, f"{feed.name} fetched")
    took = time.monotonic() - started  # including the interpreter's start
    assert took < 15, took
    live.wait_imported(url, bot, "openrouter", "litellm", "genai-prices")
    rows = live.status(url)
    for name in ("openrouter", "litellm", "genai-prices"):
        assert rows[name]["last_run"] is not None and rows[name]["next_run"] is not None
        assert rows[name]["models"] == 10 and rows[name]["last_success"] is not None
    text = live.text(url)
    assert "last run" in text and "next run" in text
    # Then on its interval, again and again.
    wait_for(lambda: live.openrouter.requests() >= 3, 3 * EVERY + 5, "polled on its interval")
    stop(bot)


def test_a_30_percent_cut_reaches_a_subscribed_chat_on_the_next_poll(
    tmp_path: Path, live: Feeds
) -> None:
    url = f"sqlite:///{tmp_path / 'pricebot.db'}"
    bot = Running(url, tmp_path, **live.env())
    bot.say("/subscribe all")
    bot.wait_for(lambda line: line == "Subscribed")
    live.wait_imported(url, bot, "openrouter", "litellm", "genai-prices")
    changed = time.monotonic()
    live.openrouter.set(feeds.ten_models() | {"m4": ("3.5", "10")})  # $5 → $3.50
    title = bot.wait_for(lambda line: line.startswith("🔔 ALERT"), timeout=EVERY + 15)
    assert "Price cut" in title and "M4" in title, title
    body = bot.wait_for(lambda line: "per 1M" in line)
    assert body.strip().startswith("input: $5.00 → $3.50 per 1M (−30%)")
    assert time.monotonic() - changed < EVERY + 10
    stop(bot)
    assert len(alerts(bot)) == 1


def test_a_new_model_at_a_placeholder_price_is_announced_only_once_confirmed(
    tmp_path: Path, live: Feeds
) -> None:
    url = f"sqlite:///{tmp_path / 'pricebot.db'}"
    bot = Running(url, tmp_path, **live.env())
    bot.say("/subscribe all new")
    bot.wait_for(lambda line: line == "Subscribed")
    live.wait_imported(url, bot, "openrouter", "litellm", "genai-prices")
    changed = time.monotonic()
    live.litellm.set(feeds.ten_models() | {"tiny": ("0.001", "0.001")})

    wait_for(lambda: bool(state(url).pending("litellm")), EVERY + 10, "awaiting confirmation")
    [line] = [x for x in live.text(url).splitlines() if "awaiting confirmation" in x]
    assert ", decided at the poll due " in line
    assert "new offer acme/tiny at $0.001 input / $0.001 output per 1M (a placeholder price" in line
    assert not alerts(bot)
    new = bot.wait_for(lambda line: line.startswith("🔔 ALERT"), timeout=CONFIRM + EVERY + 15)
    assert "New model" in new, new
    # Not before the confirmation delay: the first sightings announced nothing.
    assert time.monotonic() - changed >= CONFIRM
    stop(bot)
    assert len(alerts(bot)) == 1
    assert live.status(url)["litellm"]["pending"] == []


def test_cuts_that_add_up_are_confirmed_like_one_big_cut(tmp_path: Path, live: Feeds) -> None:
    url = f"sqlite:///{tmp_path / 'pricebot.db'}"
    hundred = feeds.ten_models() | {"m9": ("100", "200")}
    live.openrouter.set(hundred)
    bot = Running(url, tmp_path, **live.env())
    bot.say("/subscribe all")
    bot.wait_for(lambda line: line == "Subscribed")
    live.wait_imported(url, bot, "openrouter")
    live.openrouter.set(hundred | {"m9": ("15", "200")})  # 85%: news at once
    first = bot.wait_for(lambda line: "per 1M" in line, timeout=EVERY + 15)
    assert first.strip().startswith("input: $100.00 → $15.00 per 1M (−85%)")
    changed = time.monotonic()
    live.openrouter.set(hundred | {"m9": ("2.25", "200")})  # 85% again: 97.75% in all
    wait_for(lambda: bool(state(url).pending("openrouter")), EVERY + 10, "held for confirmation")
    assert live.status(url)["openrouter"]["pending"]
    second = bot.wait_for(lambda line: "per 1M" in line, timeout=CONFIRM + EVERY + 15)
    assert second.strip().startswith("input: $15.00 → $2.25 per 1M (−85%)")
    assert time.monotonic() - changed >= CONFIRM
    stop(bot)


def test_a_delisted_model_is_named_and_no_longer_listed(tmp_path: Path, live: Feeds) -> None:
    url = f"sqlite:///{tmp_path / 'pricebot.db'}"
    bot = Running(url, tmp_path, **live.env())
    live.wait_imported(url, bot, "openrouter")
    live.openrouter.set({k: v for k, v in feeds.ten_models().items() if k != "m5"})

    wait_for(lambda: bool(delisted(url, "openrouter")), 3 * EVERY + 10, "delisted after two")
    [gone] = live.status(url)["openrouter"]["delisted"]
    assert gone["model"] == "openrouter/acme/m5"
    text = live.text(url)
    assert "no longer listed: 1 (openrouter/acme/m5 (since " in text
    assert [line for line in bot.seen if line.startswith("🔔")] == []
    live.openrouter.set(feeds.ten_models())
    wait_for(lambda: not delisted(url, "openrouter"), 2 * EVERY + 10, "listed again")
    assert live.status(url)["openrouter"]["delisted"] == []
    assert "1 listed again: openrouter/acme/m5 (delisted since " in bot.stderr()
    stop(bot)


def test_a_delisted_model_stops_being_current(tmp_path: Path, live: Feeds) -> None:
    url = f"sqlite:///{tmp_path / 'pricebot.db'}"
    bot = Running(url, tmp_path, **live.env())
    live.wait_imported(url, bot, "openrouter")
    live.openrouter.set({k: v for k, v in feeds.ten_models().items() if k != "m5"})
    wait_for(lambda: bool(delisted(url, "openrouter")), 3 * EVERY + 10, "delisted")
    stop(bot)
    listed = json.loads(live.cli(url, "prices", "list", "--vendor", "openrouter", "--json").stdout)
    assert "openrouter/acme/m5" not in {row["model"] for row in listed}
    assert len(listed) == 9


def test_a_not_modified_feed_writes_nothing_and_is_counted(tmp_path: Path, live: Feeds) -> None:
    url = f"sqlite:///{tmp_path / 'pricebot.db'}"
    port = free_port()
    bot = Running(url, tmp_path, PRICEBOT_HTTP_PORT=str(port), **live.env())
    live.wait_imported(url, bot, "openrouter", "litellm", "genai-prices")
    store = PriceStore(make_engine(url))
    before = store.data_version()
    # ETag (OpenRouter, genai-prices) and If-Modified-Since (LiteLLM) both honoured.
    for feed in (live.openrouter, live.litellm, live.genai):
        wait_for(lambda f=feed: f.answers().count(304) >= 2, 3 * EVERY + 10, f"{feed.name} 304s")
    assert store.data_version() == before
    assert "If-None-Match" in live.openrouter.seen[-1][2]
    assert "If-Modified-Since" in live.litellm.seen[-1][2]
    rows = live.status(url)
    assert int(rows["litellm"]["not_modified"]) >= 2
    assert rows["openrouter"]["last_outcome"] == "not_modified"
    text = live.text(url)
    assert "not modified (HTTP 304, nothing written): " in text
    from urllib.request import urlopen

    with urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        metrics = answer.read().decode()
    counted = [
        line
        for line in metrics.splitlines()
        if line.startswith('pricebot_source_not_modified_total{source="litellm"}')
    ]
    assert counted and float(counted[0].split()[-1]) >= 2, counted
    stop(bot)
    store.engine.dispose()


def test_a_source_that_keeps_failing_is_reported_while_the_others_go_on(
    tmp_path: Path, live: Feeds
) -> None:
    url = f"sqlite:///{tmp_path / 'pricebot.db'}"
    live.litellm.failing = True
    bot = Running(url, tmp_path, **live.env())
    bot.say("/subscribe all")
    bot.wait_for(lambda line: line == "Subscribed")
    live.wait_imported(url, bot, "openrouter", "genai-prices")

    def failing_twice() -> bool:
        found = state(url).status("litellm")
        return found is not None and found.consecutive_failures >= 2

    wait_for(failing_twice, 3 * EVERY + 10, "litellm failing twice")
    live.openrouter.set(feeds.ten_models() | {"m4": ("3.5", "10")})
    title = bot.wait_for(lambda line: line.startswith("🔔 ALERT"), timeout=EVERY + 15)
    assert "Price cut" in title
    rows = live.status(url)
    assert rows["litellm"]["last_outcome"] == "failed"
    assert "HTTP 503" in str(rows["litellm"]["last_error"])
    text = live.text(url)
    assert "failing: " in text and "times in a row" in text
    assert "keeps failing" in bot.stderr()
    stop(bot)


def test_a_new_leader_polls_on_the_old_leaders_schedule(
    pg_url: str, tmp_path: Path, live: Feeds
) -> None:
    """Scale-out: the leader dies between two polls; the new one keeps the schedule.

    What is due comes from the database (the last attempt), so the new leader polls
    an interval after the old leader's last poll, not an interval after its election.
    """
    every = 12.0
    env = live.env(
        PRICEBOT_SOURCES="openrouter",
        PRICEBOT_OPENROUTER_INTERVAL_MINUTES=str(every / 60),
        PRICEBOT_POLL_SOURCES="true",
    )
    first = Replica(pg_url, tmp_path, **env)
    second: Replica | None = None
    try:
        first.wait_ready()
        wait_for(lambda: live.openrouter.requests() == 1, 20, "the leader's first poll")
        polled = live.openrouter.seen[0][0]
        second = Replica(pg_url, tmp_path, **env)
        second.wait_ready()
        assert first.is_leader() and not second.is_leader()
        # The leader dies halfway to its next poll (later, if the second was slow to start).
        time.sleep(max(0.0, polled + every / 2 - time.monotonic()))
        assert live.openrouter.requests() == 1  # a follower does not poll, even at start
        first.kill()
        wait_for(second.is_leader, 15, "the second replica leads")
        elected = time.monotonic() - polled
        wait_for(lambda: live.openrouter.requests() == 2, every + 15, "the new leader's poll")
        took = live.openrouter.seen[1][0] - polled
        # Due an interval after the last poll (at once if that passed before the election),
        # well before an interval after the election (what a schedule kept in memory gives).
        due = max(every, elected)
        assert every - 1 <= took < min(due + 6, elected + every - 1), (took, elected)
    finally:
        first.stop()
        if second is not None:
            second.stop()
