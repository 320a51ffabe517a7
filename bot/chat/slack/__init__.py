"""pricebot on Slack: slash command, mentions, DMs, buttons, App Home and alerts."""

from bot.chat.slack.notifier import SlackNotifier, WorkspaceGone

__all__ = ["SlackNotifier", "WorkspaceGone"]
