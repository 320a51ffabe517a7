"""`pricebot run` as a user runs it: a real process, the console driven through a pipe,
Ctrl-C, end of input, and kill -9 in the middle of sending."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from storage import ChatKey, PriceStore, SubscriptionSpec, SubscriptionStore, make_engine, upgrade
from tests.cli_process import run_pricebot
from tests.helpers import utc
from tests.replicas import free_port


class Running:
    """`pricebot run` in a subprocess, its stdout read line by line in a thread."""

    def __init__(self, database_url: str, tmp: Path, **env: str) -> None:
        self.stderr_path = tmp / f"stderr-{time.monotonic_ns()}.txt"
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr_path.open("w"),
            text=True,
            env={
                **os.environ,
                "PRICEBOT_DATABASE_URL": database_url,
                "PRICEBOT_LOG_LEVEL": "INFO",
                "PRICEBOT_HTTP_PORT": "0",  # any free port: tests run side by side
                **env,
            },
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def say(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def wait_for(self, predicate, timeout: float = 30.0) -> str:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(
                    f"pricebot exited; output so far: {self.seen[-20:]}\n{self.stderr()}"
                )
            self.seen.append(line)
            if predicate(line):
                return line
        raise AssertionError(f"timed out; output so far: {self.seen[-20:]}\n{self.stderr()}")

    def drain(self) -> list[str]:
        """Everything printed since the last wait_for, until the process closed its output."""
        rest = []
        while (line := self.lines.get(timeout=30)) is not None:
            rest.append(line)
        self.seen += rest
        return rest

    def stderr(self) -> str:
        return self.stderr_path.read_text()


def pricebot(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRICEBOT_DATABASE_URL": database_url}
    return run_pricebot(args, env=env, timeout=60)


def test_console_through_a_pipe_subscribe_cut_alert(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pricebot.db'}"
    bot = Running(url, tmp_path)
    bot.say("/subscribe all")
    bot.wait_for(lambda line: line == "Subscribed")
    bot.say("/subscribe nosuchvendor")
    bot.wait_for(lambda line: line.startswith("error: I don't know a vendor or model called"))
    changed = pricebot(
        url, "prices", "set", "qwen-long", "--input", "0.0004", "--per", "1K", "--currency", "CNY"
    )
    assert changed.returncode == 0, changed.stderr
    alert = bot.wait_for(lambda line: line.startswith("🔔 ALERT"))
    assert alert == "🔔 ALERT: Price cut: Qwen-Long (Alibaba Cloud)"
    body = bot.wait_for(lambda line: "per 1M" in line)
    assert body.strip() == "input: ¥0.50 → ¥0.40 per 1M (−20%)"
    assert bot.proc.stdin is not None
    bot.proc.stdin.close()  # end of input stops pricebot cleanly
    assert bot.proc.wait(timeout=20) == 0
    assert "fresh store: loaded May 2024 LLM price war" in bot.stderr()
    assert "pricebot stopped" in bot.stderr()
    shown = json.loads(pricebot(url, "deliveries", "--json").stdout)
    assert shown["counts"] == [{"platform": "console", "status": "sent", "count": 1}]


def test_the_catalog_loaded_on_first_start_never_alerts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pricebot.db'}"
    bot = Running(url, tmp_path)
    bot.say("/subscribe all increases new ending")
    bot.wait_for(lambda line: line == "Subscribed")
    time.sleep(2.5)  # two fan-out rounds over a log full of history
    bot.say("/subscriptions")
    bot.wait_for(lambda line: line.startswith("This chat's subscriptions"))
    os.kill(bot.proc.pid, signal.SIGINT)  # Ctrl-C
    assert bot.proc.wait(timeout=20) == 0
    bot.drain()
    assert not [line for line in bot.seen if line.startswith("🔔")]
    assert "pricebot stopped" in bot.stderr()


def test_kill_9_mid_dispatch_loses_nothing(tmp_path: Path) -> None:
    """kill -9 while alerts go out; on restart every owed alert is sent. Messages in flight
    at the kill (sent, not yet recorded) may go out twice: the test counts them."""
    url = f"sqlite:///{tmp_path / 'pricebot.db'}"
    engine = make_engine(url)
    upgrade(engine)
    from bot.app import seed_if_empty

    store = PriceStore(engine)
    seed_if_empty(store, now=utc(2024, 5, 1))
    subs = SubscriptionStore(engine)
    chats = [f"c{n}" for n in range(1200)]
    for chat in chats:
        subs.add(ChatKey("console", chat), SubscriptionSpec(), now=utc(2024, 5, 1))
    engine.dispose()

    first = Running(url, tmp_path, PRICEBOT_DELIVERY_BATCH="100")
    first.say("/subscriptions")  # the console is up once it answers
    first.wait_for(lambda line: line.startswith("This chat has no subscriptions"))
    cut = pricebot(
        url, "prices", "set", "qwen-long", "--input", "0.0004", "--per", "1K", "--currency", "CNY"
    )
    assert cut.returncode == 0, cut.stderr
    for _ in range(300):
        first.wait_for(lambda line: line.startswith("🔔 ALERT → console:c"))
    first.proc.kill()  # SIGKILL: no cleanup at all
    first.proc.wait(timeout=10)
    first.drain()
    before = Counter(
        line.split("console:")[1].split(" ")[0].rstrip(":")
        for line in first.seen
        if line.startswith("🔔")
    )
    assert 300 <= sum(before.values()) < len(chats), "the kill should land mid-dispatch"

    second = Running(url, tmp_path, PRICEBOT_DELIVERY_BATCH="100")
    after: Counter[str] = Counter()
    while set(before) | set(after) != set(chats):
        line = second.wait_for(lambda line: line.startswith("🔔 ALERT → console:c"), timeout=60)
        after[line.split("console:")[1].split(" ")[0].rstrip(":")] += 1
    assert second.proc.stdin is not None
    second.proc.stdin.close()
    assert second.proc.wait(timeout=30) == 0
    for line in second.drain():
        if line.startswith("🔔 ALERT → console:c"):
            after[line.split("console:")[1].split(" ")[0].rstrip(":")] += 1
    total = before + after
    duplicates = sum(n - 1 for n in total.values() if n > 1)
    print(
        f"\nkill -9 mid-dispatch: {sum(before.values())} sent before the kill, "
        f"{sum(after.values())} after the restart, {duplicates} sent twice"
    )
    assert set(total) == set(chats)  # nothing lost
    assert all(n <= 2 for n in total.values())
    # Only the in-flight window can repeat: at most one claimed batch.
    assert duplicates <= 100, duplicates
    shown = json.loads(pricebot(url, "deliveries", "--json").stdout)
    assert shown["counts"] == [{"platform": "console", "status": "sent", "count": len(chats)}]


def test_demo_replays_the_price_war(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mine.db'}"
    shown = pricebot(url, "demo")
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    before, _, after = out.partition("After the price war")
    assert "Before the price war" in before and "1. ERNIE Lite" in before
    assert "1. Qwen-Long         ¥0.875" in after
    assert "🔔 2024-05-13 12:00 UTC → team-alpha\nPrice cut: GLM-3 Turbo (Zhipu AI)" in out
    assert "🔔 2024-05-13 12:00 UTC → long-context\nTarget price met" in out
    assert "🔔 2024-05-07 09:00 UTC → morning-digest\nDaily digest: 1 model changed" in out
    assert "input: ¥20.00 → ¥0.50 per 1M (−97.5%)" in out
    assert "❓ The answer to “cheapest for 1M tokens” changed: 1. Qwen-Long ¥0.875" in out
    alerts = out.count("\n🔔 ")
    assert f"{alerts} alerts went out to 5 example chats." in out
    assert not (tmp_path / "mine.db").exists()  # the demo never touches your store


def test_deliveries_shows_owed_sent_and_dead(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pricebot.db'}"
    engine = make_engine(url)
    upgrade(engine)
    from bot.alerts.fanout import Fanout
    from bot.app import seed_if_empty
    from storage import AlertMatcher, DeliveryStore, Outcome

    store = PriceStore(engine)
    seed_if_empty(store, now=utc(2024, 5, 1))
    matcher = AlertMatcher(engine)
    matcher.start_cursor(now=utc(2024, 5, 1))
    subs = SubscriptionStore(engine)
    for chat in ("1", "2", "3"):
        subs.add(ChatKey("telegram", chat), SubscriptionSpec(), now=utc(2024, 5, 1))
    cut = pricebot(
        url, "prices", "set", "qwen-long", "--input", "0.0004", "--per", "1K", "--currency", "CNY"
    )
    assert cut.returncode == 0, cut.stderr
    Fanout(matcher).catch_up(utc(2030, 1, 1))
    outbox = DeliveryStore(engine)
    first, second, _ = outbox.claim(worker="w", now=utc(2030, 1, 1), platforms=["telegram"])
    outbox.finish(
        [Outcome(first.id, "sent"), Outcome(second.id, "dead", error="HTTP 500 after 8 tries")],
        worker="w",
        now=utc(2030, 1, 1),
    )
    engine.dispose()
    shown = pricebot(url, "deliveries")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[0] == "owed 1 · sent 1 · dead 1"
    assert "HTTP 500 after 8 tries" in shown.stdout
    dead = pricebot(url, "deliveries", "--status", "dead", "--json")
    (record,) = json.loads(dead.stdout)["deliveries"]
    assert (record["chat"], record["status"]) == ("2", "dead")
    bad = pricebot(url, "deliveries", "--status", "lost")
    assert bad.returncode == 2 and "example: pricebot deliveries --status dead" in bad.stderr
    # Issue 17, item 12: an id that is not there said "0 … queued" and exit 0.
    missing = pricebot(url, "deliveries", "retry", "99999")
    assert (missing.returncode, missing.stdout) == (2, "")
    assert missing.stderr.splitlines() == [
        "error: no delivery 99999; `pricebot deliveries --status dead` lists the dead letters "
        "and their ids",
        "example: pricebot deliveries retry 12",
    ]
    sent = pricebot(url, "deliveries", "retry", str(first.id))
    assert sent.returncode == 2
    assert sent.stderr.splitlines()[0] == (
        f"error: only dead letters are retried: delivery {first.id} is sent"
    )
    retried = pricebot(url, "deliveries", "retry", str(second.id), str(first.id))
    assert retried.returncode == 0, retried.stderr
    assert retried.stdout.splitlines() == [
        f"delivery {first.id} is sent, not dead: left as it is",
        "1 dead delivery queued again",
    ]
    assert pricebot(url, "deliveries").stdout.splitlines()[0] == "owed 2 · sent 1 · dead 0"


@pytest.mark.parametrize(
    ("platform", "env", "code", "said"),
    [
        (
            "telegram unreachable",
            {
                "PRICEBOT_TELEGRAM_TOKEN": "123456789:AAbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
                "PRICEBOT_TELEGRAM_API_URL": "http://127.0.0.1:{closed}",
            },
            69,
            "error: pricebot cannot start: cannot reach the Telegram Bot API at "
            "http://127.0.0.1:{closed}: httpx.ConnectError: All connection attempts failed; "
            "check the network or PRICEBOT_TELEGRAM_API_URL",
        ),
        (
            "port taken",
            {
                "PRICEBOT_SLACK_BOT_TOKEN": "xoxb-1",
                "PRICEBOT_SLACK_SIGNING_SECRET": "s",
                "PRICEBOT_HTTP_HOST": "127.0.0.1",
                "PRICEBOT_HTTP_PORT": "{busy}",
            },
            69,
            "error: pricebot cannot start: cannot listen on 127.0.0.1:{busy} (error while "
            "attempting to bind on address ('127.0.0.1', {busy}): address already in use); "
            "set PRICEBOT_HTTP_PORT to a free port",
        ),
        (
            "slack misconfigured",
            {"PRICEBOT_SLACK_BOT_TOKEN": "xoxb-1"},
            2,
            "error: pricebot cannot start: Slack in HTTP mode needs "
            "PRICEBOT_SLACK_SIGNING_SECRET (Basic Information → App Credentials), or set "
            "PRICEBOT_SLACK_APP_TOKEN (xapp-…) for Socket Mode",
        ),
    ],
)
def test_a_front_end_that_cannot_start_says_so_in_one_line_with_an_exit_code(
    tmp_path: Path, platform: str, env: dict[str, str], code: int, said: str
) -> None:
    """Issue 17, item 10: an unreachable Telegram ended in a 50-line traceback."""
    closed = str(free_port())
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    busy = str(taken.getsockname()[1])
    started = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "PRICEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'pricebot.db'}",
            "PRICEBOT_HTTP_PORT": str(free_port()),
            "PRICEBOT_CONSOLE": "off",
            "PRICEBOT_POLL_SOURCES": "false",
            **{key: value.format(closed=closed, busy=busy) for key, value in env.items()},
        },
    )
    taken.close()
    assert started.returncode == code, started.stderr
    lines = started.stderr.splitlines()
    assert lines[-1] == said.format(closed=closed, busy=busy)
    assert [line for line in lines if line.startswith("error:")] == lines[-1:]
    assert "Traceback" not in started.stderr and "raised an exception" not in started.stderr
