"""Logging: text for people, one JSON object a line for machines, and never a secret.

`setup_logging(settings)` is called once at start. Every record, of every library
and at every level, is redacted when it is made (a log record factory: before any
handler sees it, ours or a test runner's or one a library adds), and again by our
formatters after formatting, tracebacks included. So a token that slips into a
message, an exception or a library's log line (httpx logs Telegram's request URLs,
which carry the bot token; python-telegram-bot logs setWebhook's `secret_token` at
DEBUG) is replaced by `[REDACTED]`:

- the values of every secret setting (tokens, signing and client secrets), and the
  webhook secret derived from the Telegram token when none is set,
- anything shaped like a Telegram bot token (`123456789:AA…`) or a Slack token
  (`xoxb-…`, `xoxp-…`, `xapp-…`, …),
- the password in a database URL (`postgresql://user:secret@host` → `user:[REDACTED]@`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import IO, Any

from pydantic import SecretStr

from bot.settings import Settings, derived_webhook_secret

REDACTED = "[REDACTED]"

_PATTERNS = (
    # Telegram: bot id, colon, 35 characters of [A-Za-z0-9_-]; also inside ".../bot<token>/".
    re.compile(r"(?<![0-9])[0-9]{5,12}:[A-Za-z0-9_-]{30,}"),
    # Slack tokens: bot, user, app, refresh, config, workspace …
    re.compile(r"\bx(?:ox[abprseo]|app|oxe\.xox[bp])-[A-Za-z0-9-]+"),
)
# scheme://user:password@host → keep the user, hide the password.
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s]+)(?=@)")
# "password=…" / "secret: …" in connection strings and dumped settings.
_KEY_VALUE = re.compile(
    r"(?P<head>\b(?:password|passwd|pwd|secret|token|signing_secret|client_secret)"
    r"[\"']?\s*[=:]\s*[\"']?)(?P<value>[^\s\"'&,;}]+)",
    re.IGNORECASE,
)

# Fields every LogRecord has; anything else was passed with `extra=` and is kept in JSON.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class Redactor:
    """Replaces secrets in text: known secret values first, then secret-shaped strings."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret that contains another is hidden whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        for pattern in _PATTERNS:
            text = pattern.sub(REDACTED, text)
        text = _URL_PASSWORD.sub(lambda m: m["head"] + REDACTED, text)
        return _KEY_VALUE.sub(
            lambda m: m["head"] + (m["value"] if m["value"] == REDACTED else REDACTED), text
        )


def secret_values(settings: Settings) -> list[str]:
    """Every secret setting's value, secrets derived from them, and database passwords."""
    values = [
        v.get_secret_value() for v in vars(settings).values() if isinstance(v, SecretStr) and v
    ]
    if settings.telegram_token is not None:
        values.append(derived_webhook_secret(settings.telegram_token.get_secret_value()))
    match = _URL_PASSWORD.search(settings.database_url)
    if match:
        values.append(match["pw"])
    if os.environ.get("PGPASSWORD"):
        values.append(os.environ["PGPASSWORD"])
    return values


class _RedactingFactory:
    """Makes log records with their message (and traceback) already redacted."""

    def __init__(self, base: Callable[..., logging.LogRecord], redact: Redactor) -> None:
        self.base = base
        self.redact = redact

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.base(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a library's bad format string: leave it to the handler
            return record
        clean = self.redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            # Formatters use exc_text as it is: the traceback is formatted here, redacted.
            record.exc_text = self.redact(_TRACEBACKS.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return record


_TRACEBACKS = logging.Formatter()


def redact_every_record(redact: Redactor) -> None:
    """Redact every log record as it is made, whoever logs it and whoever handles it."""
    factory = logging.getLogRecordFactory()
    if isinstance(factory, _RedactingFactory):
        factory.redact = redact  # setup_logging called again: the newest secrets count
    else:
        logging.setLogRecordFactory(_RedactingFactory(factory, redact))


class TextFormatter(logging.Formatter):
    """`2024-05-21T08:00:00Z INFO bot.alerts: message`, redacted."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.redact = redact

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _utc(record)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, extras, exception; redacted."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _utc(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # Redact each value before encoding: JSON escaping must not split a secret.
        clean = {k: self.redact(v) if isinstance(v, str) else v for k, v in entry.items()}
        return json.dumps(clean, ensure_ascii=False)


def setup_logging(settings: Settings, *, stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record to `stream` (stderr) in the configured format, redacted."""
    redact = Redactor(secret_values(settings))
    redact_every_record(redact)
    formatter: logging.Formatter = (
        JsonFormatter(redact) if settings.log_format == "json" else TextFormatter(redact)
    )
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        # Replace our own earlier handler (and basicConfig's), not a test runner's capture.
        if getattr(old, "_pricebot", False) or type(old) is logging.StreamHandler:
            root.removeHandler(old)
    handler._pricebot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(_level(settings.log_level))
    # httpx logs every request at INFO (Telegram's URLs hold the token): redacted anyway,
    # but one line per message sent is noise at INFO.
    # Alembic's "Context impl SQLiteImpl." on every command and APScheduler's line per job
    # run are noise too, unless debugging.
    quiet = logging.WARNING if root.level > logging.DEBUG else logging.NOTSET
    for name in ("httpx", "alembic", "apscheduler"):
        logging.getLogger(name).setLevel(quiet)
    logging.captureWarnings(True)
    return handler


def _level(name: str) -> int:
    level = logging.getLevelName(name.strip().upper())
    return level if isinstance(level, int) else logging.INFO


def _utc(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
