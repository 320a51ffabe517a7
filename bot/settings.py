"""Configuration: environment variables PRICEBOT_* (and a .env file), read once."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The price and rate sources pricebot knows (bot.sources.registry builds them).
SOURCE_NAMES = ("catalog", "genai-prices", "litellm", "openrouter", "ecb")


def default_database_url() -> str:
    """A SQLite file in the user's data directory."""
    return f"sqlite:///{Path(user_data_dir('pricebot')) / 'pricebot.db'}"


class Settings(BaseSettings):
    """Every setting pricebot reads. The README lists each with its variable."""

    # An empty variable counts as unset: env files list every setting, filled in or not.
    model_config = SettingsConfigDict(
        env_prefix="PRICEBOT_", env_file=".env", extra="ignore", env_ignore_empty=True
    )

    # Storage
    database_url: str = Field(default_factory=default_database_url)

    # Logging
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"

    # One HTTP server for everything pricebot serves (Slack, Telegram webhook, health).
    # Loopback by default: a single-machine run is not reachable from the network until a
    # deploy says so (containers set 0.0.0.0 and publish the port; see deploy/).
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    # A client must send a request's headers within this many seconds (and its body
    # within http_body_timeout), or its connection is closed; at most this many
    # connections are open at once (fewer if the file limit, ulimit -n, is low).
    http_header_timeout: float = Field(default=10.0, gt=0, le=300)
    http_body_timeout: float = Field(default=10.0, gt=0, le=300)
    http_max_connections: int = Field(default=256, ge=1, le=100_000)

    # The read-only price board and Atom feed at / on the same port (docs/board.md).
    board: bool = True

    # MCP for agents over HTTP at /mcp on the same port (docs/mcp.md): served only when
    # a token is set, and only to requests that send it as a bearer token.
    mcp_token: SecretStr | None = None

    # Scale-out (docs/scaling.md): how often a replica checks or tries to take the leader
    # lock; a dead leader is replaced within about this many seconds.
    leader_interval: float = Field(default=2.0, gt=0)

    # Telegram
    telegram_token: SecretStr | None = None
    telegram_api_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    # The path the webhook route listens on, when a proxy rewrites the public URL's path.
    telegram_webhook_path: str | None = None
    # How long "is this user an admin of this group?" is remembered.
    telegram_admin_cache_seconds: float = 60.0
    # Telegram's bot-wide limit (messages/s), divided between the replicas that send.
    telegram_messages_per_second: float = Field(default=30.0, gt=0)

    # Slack
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_scopes: str = (
        "commands,chat:write,chat:write.public,app_mentions:read,im:history,users:read,"
        "channels:read,groups:read,im:read"
    )
    # OAuth redirect URL registered with Slack (needed when the app lists several).
    slack_redirect_uri: str | None = None
    # Follow-up alerts about a model go into its first alert's thread for this many days.
    slack_thread_days: int = 7

    # Price sources (docs/sources.md). The default set works offline.
    sources: str = "catalog,genai-prices"
    # `pricebot run` polls the enabled sources on their intervals; off: only by hand.
    poll_sources: bool = True
    catalog_file: str | None = None
    genai_prices_url: str | None = None
    litellm_url: str = "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"
    openrouter_url: str = "https://openrouter.ai/api/v1/models"
    ecb_url: str = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
    # Minutes between polls of each source (fractions allowed: tests poll every few seconds).
    catalog_interval_minutes: float = Field(default=1440, gt=0)
    genai_prices_interval_minutes: float = Field(default=720, gt=0)
    litellm_interval_minutes: float = Field(default=360, gt=0)
    openrouter_interval_minutes: float = Field(default=60, gt=0)
    ecb_interval_minutes: float = Field(default=720, gt=0)
    # The first polls after `pricebot run` starts are spread over up to this many seconds.
    sources_jitter_seconds: float = Field(default=30, ge=0)
    # How often the leader looks (in the database) for sources that are due.
    sources_tick_seconds: float = Field(default=5, gt=0)
    sources_timeout_seconds: float = Field(default=30.0, gt=0)
    sources_retries: int = Field(default=2, ge=0)
    sources_backoff_seconds: float = Field(default=5.0, ge=0)
    sources_max_vanished_share: float = Field(default=0.3, gt=0, le=1)
    sources_max_changed_share: float = Field(default=0.3, gt=0, le=1)
    sources_alarming_cut_percent: Decimal = Field(default=Decimal(90), ge=0, le=100)
    # A suspect change is confirmed by a fetch saying the same at least this much later.
    sources_confirm_after_minutes: float = Field(default=15, gt=0)
    # Cuts of one price within this many days add up against the alarming threshold.
    sources_cumulative_window_days: float = Field(default=7, ge=0)
    # A new offer at or under this (USD per 1M, input and output) waits for confirmation …
    sources_placeholder_usd: Decimal = Field(default=Decimal("0.001"), ge=0)
    # … as does one under 1/this of the median of its source's offers of the same mode.
    sources_far_below_ratio: Decimal = Field(default=Decimal(100), ge=1)
    # An offer absent from this many accepted snapshots in a row and for this many days
    # is delisted (its source's prices for it stop being current).
    sources_delist_after_snapshots: int = Field(default=3, ge=1)
    sources_delist_after_days: float = Field(default=2, ge=0)
    sources_news_horizon_days: int = Field(default=7, ge=0)
    sources_failures_to_report: int = Field(default=3, ge=1)

    @field_validator("sources")
    @classmethod
    def _known_sources(cls, value: str) -> str:
        names = [n.strip().lower() for n in value.split(",") if n.strip()]
        unknown = [n for n in names if n not in SOURCE_NAMES]
        if unknown:
            raise ValueError(
                f"unknown source {unknown[0]!r}; known: {', '.join(SOURCE_NAMES)} "
                "(example: PRICEBOT_SOURCES=catalog,genai-prices,openrouter)"
            )
        return ",".join(dict.fromkeys(names))

    def enabled_sources(self) -> list[str]:
        """The sources to poll, in the order given."""
        return [n for n in self.sources.split(",") if n]

    # Alerts: subscriptions, fan-out, the dispatcher (issue 5)
    default_currency: Literal["CNY", "USD", "EUR"] = "CNY"
    fanout_interval: float = Field(default=1.0, gt=0)
    dispatch_interval: float = Field(default=1.0, gt=0)
    digest_interval: float = Field(default=60.0, gt=0)
    delivery_max_attempts: int = Field(default=8, ge=1)
    delivery_backoff: float = Field(default=5.0, ge=0)
    delivery_batch: int = Field(default=200, ge=1)
    # How long a dispatcher's claim on deliveries lasts unless renewed: after a replica
    # dies, its claimed deliveries are sent by another one this much later.
    delivery_lease: float = Field(default=60.0, gt=0)
    send_timeout: float = Field(default=20.0, gt=0)
    target_cooldown_hours: float = Field(default=24.0, ge=0)
    free_ending_days: int = Field(default=7, ge=1)
    # A free offer without an end date is "free now" while a source confirmed it this
    # many days ago or less; after that answers say "was free, last confirmed DATE".
    free_confirm_days: int = Field(default=30, ge=1)
    # Commands one user (across chats) and one chat (across users) may send a minute;
    # past that the sender is told once to wait, and the rest are dropped (issue 14).
    commands_per_user_per_minute: float = Field(default=20, ge=1, le=10_000)
    commands_per_chat_per_minute: float = Field(default=60, ge=1, le=10_000)
    # Charts drawn at once (each a CPU-bound worker thread apart from the database's), and
    # how many may wait; past that /history says it is busy.
    chart_workers: int = Field(default=1, ge=1, le=16)
    chart_queue: int = Field(default=8, ge=0, le=1000)
    # The console front-end: "auto" runs it when no chat platform has credentials.
    console: Literal["auto", "on", "off"] = "auto"

    def redacted(self) -> dict[str, object]:
        """Settings with secrets hidden, for logs and `pricebot config`."""
        return self.model_dump(mode="json")


def derived_webhook_secret(token: str) -> str:
    """The Telegram webhook secret derived from the bot token, when none is set.

    Every replica of one bot derives the same; the logs redact it like the token.
    """
    return hashlib.sha256(b"pricebot telegram webhook\0" + token.encode()).hexdigest()


def load_settings() -> Settings:
    """Read the settings once; callers pass the result on."""
    return Settings()


def slack_enabled(settings: Settings) -> bool:
    """A bot token (one workspace) or OAuth client settings (many) turn Slack on."""
    oauth = settings.slack_client_id and settings.slack_client_secret
    return bool(settings.slack_bot_token or oauth)
