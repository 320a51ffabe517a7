"""pricebot: LLM price alerts for Telegram chats and Slack channels."""

__version__ = "0.1.0"
