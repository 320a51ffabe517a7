"""Logs: JSON lines when asked, text otherwise, and no secret ever reaches the output."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import REDACTED, setup_logging
from bot.settings import Settings

TELEGRAM_TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
SLACK_BOT = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
SLACK_APP = "xapp-1-A0123456789-1234567890123-abcdef0123456789abcdef"
SIGNING = "8f742231b10e8888abcd99yyyzzz85a5"
WEBHOOK_SECRET = "hush-hush-webhook-secret"
DB_PASSWORD = "s3cr3t-Pa55"


@pytest.fixture
def settings() -> Settings:
    return Settings(
        database_url=f"postgresql+psycopg://pricebot:{DB_PASSWORD}@db.internal:5432/pricebot",
        telegram_token=TELEGRAM_TOKEN,
        telegram_webhook_secret=WEBHOOK_SECRET,
        slack_bot_token=SLACK_BOT,
        slack_app_token=SLACK_APP,
        slack_signing_secret=SIGNING,
        log_format="json",
        log_level="DEBUG",
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def captured(settings: Settings) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = setup_logging(settings, stream=stream)
    yield stream
    logging.getLogger().removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_format_is_one_object_a_line_with_extras(captured: io.StringIO) -> None:
    log = logging.getLogger("bot.alerts.dispatcher")
    log.info("sent %d messages", 3, extra={"platform": "telegram", "chat_id": 42})
    log.warning("two\nlines")

    first, second = lines(captured)
    assert first["message"] == "sent 3 messages"
    assert first["level"] == "INFO"
    assert first["logger"] == "bot.alerts.dispatcher"
    assert first["platform"] == "telegram" and first["chat_id"] == 42
    assert str(first["time"]).endswith("Z")
    assert second["message"] == "two\nlines"


def test_no_secret_reaches_the_log(captured: io.StringIO) -> None:
    log = logging.getLogger("httpx_like")
    # The shapes secrets really take in log lines: request URLs, settings dumps,
    # driver errors, exception messages and tracebacks.
    log.warning("HTTP Request: POST https://api.telegram.org/bot%s/sendMessage", TELEGRAM_TOKEN)
    log.warning("slack client with token %s and app token %s", SLACK_BOT, SLACK_APP)
    log.warning("signing secret is %s", SIGNING)
    log.warning("webhook header %s", WEBHOOK_SECRET)
    log.warning(
        "cannot reach postgresql+psycopg://pricebot:%s@db.internal:5432/pricebot", DB_PASSWORD
    )
    log.warning("conninfo host=db user=pricebot password=%s dbname=pricebot", DB_PASSWORD)
    try:
        raise RuntimeError(f"bad token {TELEGRAM_TOKEN}")
    except RuntimeError:
        log.exception("send failed")

    out = captured.getvalue()
    for secret in (TELEGRAM_TOKEN, SLACK_BOT, SLACK_APP, SIGNING, WEBHOOK_SECRET, DB_PASSWORD):
        assert secret not in out
    records = lines(captured)
    assert records[0]["message"] == (
        f"HTTP Request: POST https://api.telegram.org/bot{REDACTED}/sendMessage"
    )
    assert "pricebot:[REDACTED]@db.internal" in str(records[4]["message"])
    assert "exception" in records[-1] and "RuntimeError" in str(records[-1]["exception"])


def test_token_shapes_are_hidden_even_when_not_configured(captured: io.StringIO) -> None:
    """A token pricebot was never told about (another bot's, a pasted one) is still hidden."""
    other_tg = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
    other_slack = "xoxp-2222-3333-4444-aaaabbbbcccc"
    logging.getLogger("x").error("tokens %s %s", other_tg, other_slack)
    (record,) = lines(captured)
    assert record["message"] == f"tokens {REDACTED} {REDACTED}"


def test_ordinary_text_is_left_alone(captured: io.StringIO) -> None:
    text = (
        "deepseek/deepseek-chat cut 1.00 → 0.50 CNY per 1M tokens: -50% "
        "at 2024-05-21T08:00:00+00:00 (event 12:34)"
    )
    logging.getLogger("x").info(text)
    (record,) = lines(captured)
    assert record["message"] == text


def test_text_format_is_redacted_too(settings: Settings) -> None:
    stream = io.StringIO()
    handler = setup_logging(settings.model_copy(update={"log_format": "text"}), stream=stream)
    try:
        logging.getLogger("bot").info("token %s", TELEGRAM_TOKEN)
    finally:
        logging.getLogger().removeHandler(handler)
    line = stream.getvalue().strip()
    assert line.endswith(f"INFO bot: token {REDACTED}")
    assert not line.startswith("{")
