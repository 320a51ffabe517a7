"""pricebot on Slack: slash command, mentions, DMs, buttons, App Home and alerts."""

from bot.chat.slack.front_end import SlackConfigError, SlackFrontEnd
from bot.chat.slack.notifier import SlackNotifier, WorkspaceGone
from bot.settings import slack_enabled

__all__ = ["SlackConfigError", "SlackFrontEnd", "SlackNotifier", "WorkspaceGone", "slack_enabled"]
