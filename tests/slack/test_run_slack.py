"""`pricebot run` on Slack, as an operator runs it: a real process, the fake Slack, both modes.

Socket Mode: the process dials the fake's WebSocket; HTTP mode: Slack's signed
requests reach `/slack/events` on PRICEBOT_HTTP_PORT. Either way a channel
subscribes, a price is cut in the database, and the process posts the alert.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from storage import PriceStore, make_engine
from tests.fakes.slack_api import FakeSlack, Workspace
from tests.fakes.slack_messages import all_text
from tests.fakes.slack_requests import Signer
from tests.helpers import quote
from tests.slack.conftest import SIGNING_SECRET


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_pricebot(tmp_path: Path, database_url: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        stdin=subprocess.DEVNULL,
        stdout=(tmp_path / "stdout.txt").open("w"),
        stderr=(tmp_path / "stderr.txt").open("w"),
        env={
            **os.environ,
            "PRICEBOT_DATABASE_URL": database_url,
            "PRICEBOT_CONSOLE": "off",
            "PRICEBOT_LOG_LEVEL": "INFO",
            "PRICEBOT_FANOUT_INTERVAL": "0.2",
            **env,
        },
    )


async def wait_until_serving(port: int, proc: subprocess.Popen, tmp_path: Path) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise AssertionError((tmp_path / "stderr.txt").read_text())
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise AssertionError("pricebot did not start serving")


def cut_deepseek(database_url: str) -> None:
    engine = make_engine(database_url)
    now = datetime.now(UTC)
    PriceStore(engine).record(
        [
            quote(
                "deepseek/deepseek-v2",
                when=now - timedelta(minutes=1),
                input="0.5",
                output="1",
                currency="CNY",
                name="DeepSeek-V2",
            )
        ],
        source="admin",
        observed_at=now,
        across_sources=True,
    )
    engine.dispose()


def stop(proc: subprocess.Popen, tmp_path: Path) -> None:
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=20) == 0, (tmp_path / "stderr.txt").read_text()


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_pricebot_run_serves_slack_and_posts_alerts(
    fake_slack: FakeSlack, workspace: Workspace, signer: Signer, tmp_path: Path, mode: str
) -> None:
    database_url = f"sqlite:///{tmp_path / 'pricebot.db'}"
    port = free_port()
    env = {
        "PRICEBOT_SLACK_BOT_TOKEN": workspace.bot_token,
        "PRICEBOT_SLACK_API_URL": fake_slack.base_url,
        "PRICEBOT_HTTP_PORT": str(port),
        "PRICEBOT_HTTP_HOST": "127.0.0.1",
    }
    if mode == "socket":
        env["PRICEBOT_SLACK_APP_TOKEN"] = fake_slack.app_token
    else:
        env["PRICEBOT_SLACK_SIGNING_SECRET"] = SIGNING_SECRET
    proc = start_pricebot(tmp_path, database_url, env)
    try:
        url = fake_slack.new_response_url()
        if mode == "socket":
            await fake_slack.wait_for_socket(timeout=60)
            payload = {
                "team_id": "T0ACME",
                "channel_id": "CGENERAL",
                "user_id": "UADMIN",
                "command": "/pricebot",
                "text": "subscribe deepseek",
                "response_url": url,
            }
            await fake_slack.push_envelope("slash_commands", payload)
        else:
            await wait_until_serving(port, proc, tmp_path)
            request = signer.slash_command(
                "subscribe deepseek", user_id="UADMIN", channel_id="CGENERAL", response_url=url
            )
            async with (
                aiohttp.ClientSession() as session,
                session.post(
                    f"http://127.0.0.1:{port}/slack/events",
                    data=request.body,
                    headers=request.headers,
                ) as answer,
            ):
                assert answer.status == 200
        await fake_slack.wait_for(lambda: fake_slack.responses_to(url), timeout=20)
        assert fake_slack.responses_to(url)[0]["response_type"] == "in_channel"

        await asyncio.to_thread(cut_deepseek, database_url)
        await fake_slack.wait_for(lambda: fake_slack.posted("CGENERAL"), timeout=20)
        [alert] = fake_slack.posted("CGENERAL")
        assert "Price cut: DeepSeek-V2 (DeepSeek)" in all_text(alert)
    finally:
        # In a thread: the fake Slack runs on this event loop, and a Socket Mode client
        # closing its WebSocket waits for the fake's answer (~10 s if the loop is blocked).
        await asyncio.to_thread(stop, proc, tmp_path)


def test_pricebot_run_says_what_slack_setting_is_missing(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "PRICEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'pricebot.db'}",
            "PRICEBOT_SLACK_BOT_TOKEN": "xoxb-1",
        },
    )
    assert done.returncode == 2
    assert "PRICEBOT_SLACK_SIGNING_SECRET" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr
