"""Configuration: environment variables PRICEBOT_* (and a .env file), read once."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_database_url() -> str:
    """A SQLite file in the user's data directory."""
    return f"sqlite:///{Path(user_data_dir('pricebot')) / 'pricebot.db'}"


class Settings(BaseSettings):
    """Every setting pricebot reads. The README lists each with its variable."""

    model_config = SettingsConfigDict(env_prefix="PRICEBOT_", env_file=".env", extra="ignore")

    # Storage
    database_url: str = Field(default_factory=default_database_url)

    # Logging
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"

    # One HTTP server for everything pricebot serves (Slack, Telegram webhook, health).
    http_host: str = "0.0.0.0"
    http_port: int = 8080

    # Telegram
    telegram_token: SecretStr | None = None
    telegram_api_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    # The path the webhook route listens on, when a proxy rewrites the public URL's path.
    telegram_webhook_path: str | None = None
    # How long "is this user an admin of this group?" is remembered.
    telegram_admin_cache_seconds: float = 60.0

    # Slack
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_scopes: str = (
        "commands,chat:write,chat:write.public,app_mentions:read,im:history,users:read"
    )

    def redacted(self) -> dict[str, object]:
        """Settings with secrets hidden, for logs and `pricebot config`."""
        return self.model_dump(mode="json")


def load_settings() -> Settings:
    """Read the settings once; callers pass the result on."""
    return Settings()
