"""Benchmark: the Slack front-end against the local fake Slack (loopback, no limits).

    .venv/bin/python bench/bench_slack.py [--alerts 2000] [--commands 300]

1. Notifier: `--alerts` alerts through SlackNotifier.send() to 20 channels, half of
   them follow-ups that look up and reuse a model's thread in the database (SQLite).
   Prints sends per second and p50 / p99 per send. (Real Slack allows about one
   message a second per channel; the dispatcher keeps to that, this measures our side.)
2. HTTP mode: `--commands` signed `/pricebot` slash commands POSTed one after another
   to `/slack/events`; the time until pricebot's HTTP answer is the acknowledgement
   Slack needs within 3 seconds (signature check, authorization, ack). Prints p50 /
   p99 / max. The answers themselves follow through response_url after the ack.
3. Retried events: the same event_id sent twice; the second is refused by the
   database-backed de-duplication. Prints p50 per retry.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.alerts.notifier import Outgoing
from bot.chat.slack import SlackFrontEnd
from bot.chat.slack.installations import FixedToken
from bot.chat.slack.notifier import SlackNotifier, web_client
from bot.messages import Button, ChatRef, Platform, Reply, ReplyKind, Row
from bot.settings import Settings
from storage import SlackStore, make_engine, upgrade
from tests.fakes.commands import RecordingCommands
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import Signer
from tests.slack.conftest import SIGNING_SECRET, serve

TEAM = "T0BENCH"
ALERT = Reply(
    title="DeepSeek-V2: input price cut 50%",
    kind=ReplyKind.ALERT,
    lines=("deepseek/deepseek-chat input ¥2 → ¥1 per 1M tokens",),
    rows=(Row("input", "¥1.00", "was ¥2.00"), Row("output", "¥2.00", "unchanged")),
    footnotes=("source: DeepSeek pricing page, 2024-05-15",),
    buttons=(Button("Mute 1 day", "/mute 1d"), Button("Unsubscribe", "/unsubscribe 1")),
)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def bench_notifier(fake: FakeSlack, db_url: str, alerts: int) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    notifier = SlackNotifier(
        tokens=FixedToken(fake.workspaces[TEAM].bot_token),
        store=SlackStore(engine),
        client=web_client(fake.base_url),
    )
    channels = [f"CBENCH{i:02d}" for i in range(20)]
    for channel in channels:
        fake.add_channel(TEAM, channel, creator="UADMIN")
    times: list[float] = []
    start = time.perf_counter()
    for i in range(alerts):
        chat = ChatRef(Platform.SLACK, channels[i % len(channels)], TEAM)
        key = f"vendor/model-{i % 40}" if i % 2 else None
        began = time.perf_counter()
        await notifier.send(Outgoing(chat, ALERT, thread_key=key))
        times.append(time.perf_counter() - began)
    total = time.perf_counter() - start
    threaded = sum(1 for m in fake.posted() if m.get("thread_ts"))
    print(
        f"notifier: {alerts} alerts in {total:.2f} s = {alerts / total:.0f}/s; "
        f"per send p50 {ms(statistics.median(times))}, p99 {ms(pct(times, 0.99))}; "
        f"{threaded} posted into a model's thread"
    )
    engine.dispose()


async def bench_http(fake: FakeSlack, db_url: str, commands: int) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    settings = Settings(
        database_url=db_url,
        slack_bot_token=fake.workspaces[TEAM].bot_token,  # type: ignore[arg-type]
        slack_signing_secret=SIGNING_SECRET,  # type: ignore[arg-type]
        slack_api_url=fake.base_url,
    )
    front = SlackFrontEnd(settings, commands=RecordingCommands(), engine=engine)
    served = await serve(front)
    signer = Signer(SIGNING_SECRET, team_id=TEAM)
    acks: list[float] = []
    for i in range(commands):
        request = signer.slash_command(
            "cheapest for 1M tokens with 128k context",
            user_id="UADMIN",
            channel_id=f"CBENCH{i % 20:02d}",
            response_url=fake.new_response_url(),
        )
        began = time.perf_counter()
        status, _ = await served.post(request)
        acks.append(time.perf_counter() - began)
        assert status == 200
    await fake.wait_for(lambda: len(fake.responses) >= commands, timeout=30)
    print(
        f"slash command acknowledged: p50 {ms(statistics.median(acks))}, "
        f"p99 {ms(pct(acks, 0.99))}, max {ms(max(acks))} (Slack allows 3000 ms)"
    )
    retries: list[float] = []
    event = {"type": "app_home_opened", "user": "UADMIN", "tab": "messages"}
    for i in range(commands):
        first = signer.event(event, event_id=f"EvBENCH{i}")
        await served.post(first)
        retry = signer.event(event, event_id=f"EvBENCH{i}", retry_num=1)
        began = time.perf_counter()
        await served.post(retry)
        retries.append(time.perf_counter() - began)
    print(f"retried event refused: p50 {ms(statistics.median(retries))}")
    await front.stop()
    await served.runner.cleanup()
    engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=2000)
    parser.add_argument("--commands", type=int, default=300)
    args = parser.parse_args()
    fake = FakeSlack()
    await fake.start()
    fake.add_workspace(TEAM, "Bench")
    fake.add_user(TEAM, "UADMIN", is_admin=True)
    with tempfile.TemporaryDirectory() as tmp:
        await bench_notifier(fake, f"sqlite:///{tmp}/notifier.db", args.alerts)
        await bench_http(fake, f"sqlite:///{tmp}/http.db", args.commands)
    await fake.close()


if __name__ == "__main__":
    asyncio.run(main())
