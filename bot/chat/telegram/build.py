"""Building python-telegram-bot's Application from pricebot's settings."""

from __future__ import annotations

from telegram.ext import Application, ApplicationBuilder

from bot.settings import Settings

# Telegram's own Bot API server; PRICEBOT_TELEGRAM_API_URL replaces it (self-hosted, or a fake).
TELEGRAM_API_URL = "https://api.telegram.org"


def api_base_urls(api_url: str | None) -> tuple[str, str]:
    """PTB's base_url and base_file_url for a Bot API server's address.

    Accepts the server's root (`http://localhost:8081`) or the form PTB uses
    (`http://localhost:8081/bot`).
    """
    root = (api_url or TELEGRAM_API_URL).rstrip("/").removesuffix("/bot")
    return f"{root}/bot", f"{root}/file/bot"


def build_application(
    settings: Settings,
    *,
    polling: bool,
    read_timeout: float | None = None,
    concurrent_updates: int = 8,
) -> Application:  # type: ignore[type-arg]
    """An Application for the configured token and Bot API server; an Updater only for polling."""
    if settings.telegram_token is None:
        raise ValueError("PRICEBOT_TELEGRAM_TOKEN is not set")
    base_url, base_file_url = api_base_urls(settings.telegram_api_url)
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(base_url)
        .base_file_url(base_file_url)
        # Updates from different chats are handled side by side; one slow answer blocks no one.
        .concurrent_updates(concurrent_updates)
    )
    if read_timeout is not None:
        builder = builder.read_timeout(read_timeout).get_updates_read_timeout(read_timeout)
    if not polling:
        # Webhook updates arrive through the shared HTTP server, not PTB's own.
        builder = builder.updater(None)
    return builder.build()
