"""pricebot on Telegram: the front-end (polling or webhook) and the Notifier for alerts."""

from bot.chat.telegram.buttons import CallbackSigner
from bot.chat.telegram.frontend import TelegramFrontEnd
from bot.chat.telegram.notifier import TelegramNotifier

__all__ = ["CallbackSigner", "TelegramFrontEnd", "TelegramNotifier"]
