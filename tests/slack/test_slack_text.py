"""What people type after /pricebot (or to @pricebot) → the command layer's text. Pure."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.chat.slack.commands import for_slack, parse_request, strip_mentions, unescape
from bot.messages import Button, Reply, Row


@pytest.mark.parametrize(
    ("typed", "text", "share", "changes"),
    [
        ("subscribe deepseek", "/subscribe deepseek", False, True),
        ("SUBSCRIBE deepseek 20%", "/subscribe deepseek 20%", False, True),
        ("sub all daily", "/subscribe all daily", False, True),
        ("unsub 3", "/unsubscribe 3", False, True),
        ("list", "/subscriptions", False, False),
        ("settings", "/settings", False, False),  # only shows
        ("settings currency USD", "/settings currency USD", False, True),
        ("mute 2h", "/mute 2h", False, True),
        ("cheapest for 1M tokens share", "/cheapest for 1M tokens", True, False),
        ("share cheapest", "/cheapest", True, False),
        ("cheapest for 1M tokens, share!", "/cheapest for 1M tokens", True, False),
        ("cheapest , share", "/cheapest", True, False),
        ("100万tokens最便宜的是哪个？ 分享", "100万tokens最便宜的是哪个？", True, False),
        # Sharing a change means nothing: changes are announced anyway.
        ("subscribe deepseek share", "/subscribe deepseek", False, True),
        ("", "/help", False, False),
        ("share", "/help", True, False),
        ("what is cheapest?", "what is cheapest?", False, False),
        ("/price qwen-long", "/price qwen-long", False, False),
    ],
)
def test_subcommands_share_and_changes(typed: str, text: str, share: bool, changes: bool) -> None:
    request = parse_request(typed)
    assert (request.text, request.share, request.changes) == (text, share, changes)


def test_the_command_layers_own_names_are_subcommands_too() -> None:
    assert parse_request("history deepseek").text == "history deepseek"
    assert parse_request("history deepseek", known={"history"}).text == "/history deepseek"


def test_slack_markup_is_undone() -> None:
    assert unescape("price &lt;b&gt; &amp; co") == "price <b> & co"
    assert unescape("see <https://example.com|the docs> in <#C123|general>") == (
        "see the docs in general"
    )
    assert unescape("<https://example.com>") == "https://example.com"
    assert strip_mentions("<@UB0T> cheapest <@U123|ada> now") == "cheapest now"


@given(st.text(max_size=300))
def test_any_text_becomes_a_request(text: str) -> None:
    request = parse_request(text)
    assert request.text.strip() == request.text and request.text


def test_commands_in_replies_read_as_slack_users_type_them() -> None:
    reply = Reply(
        title="/help subscribe",
        lines=("Example: /mute 2h · /settings currency USD", "from https://x.com/free, 1M/free"),
        rows=(Row("/history", "see /price qwen-long"),),
        footnotes=("/subscribez is not a command",),
        buttons=(Button("Unsubscribe #3", "/unsubscribe 3"),),
    )
    slack = for_slack(reply, names={"history"})
    assert slack.title == "/pricebot help subscribe"
    assert slack.lines == (
        "Example: /pricebot mute 2h · /pricebot settings currency USD",
        "from https://x.com/free, 1M/free",
    )
    assert slack.rows == (Row("/pricebot history", "see /pricebot price qwen-long"),)
    assert slack.footnotes == ("/subscribez is not a command",)
    assert slack.buttons == (Button("Unsubscribe #3", "/unsubscribe 3"),)  # actions unchanged
