"""pricebot on Slack: slash command, mentions, DMs, buttons, App Home and alerts."""

from bot.chat.slack.front_end import SlackConfigError, SlackFrontEnd, slack_enabled
from bot.chat.slack.notifier import SlackNotifier, WorkspaceGone

__all__ = ["SlackConfigError", "SlackFrontEnd", "SlackNotifier", "WorkspaceGone", "slack_enabled"]
