"""Every chat command pricebot has, in the order /help lists them."""

from __future__ import annotations

from bot.chat.commands.basics import handle_help, handle_start, parse_help
from bot.chat.commands.chat_settings import handle_settings, parse_settings
from bot.chat.commands.history import handle_history, parse_history
from bot.chat.commands.mute_digest import (
    handle_digest,
    handle_mute,
    handle_unmute,
    parse_digest,
    parse_mute,
)
from bot.chat.commands.parsing import later as _
from bot.chat.commands.questions import handle_question, question_parser
from bot.chat.commands.registry import CommandEntry, Registry
from bot.chat.commands.subscribe import (
    handle_subscribe,
    handle_subscriptions,
    handle_unsubscribe,
)
from bot.chat.commands.subscribe_parse import parse_nothing, parse_subscribe, parse_unsubscribe
from bot.chat.commands.workspace import handle_workspace, parse_workspace

# Summaries, usages and details are English message ids: /help and Telegram's menu read
# them through the catalog in the chat's language (`_` only marks them here).
# How many models /compare takes is MIN_COMPARED..MAX_COMPARED in bot.answers.parse; the
# catalog holds these words (tests/test_commands_zh.py checks they still agree).
COMPARE_SUMMARY = _("two to five models side by side")
COMPARE_USAGE = _("/compare MODEL MODEL [MODEL …] (at most 5)")


def default_registry() -> Registry:
    """A fresh registry with pricebot's commands (front-ends may add their own)."""
    return Registry(
        [
            CommandEntry(
                name="start",
                summary=_("what pricebot does and how to begin"),
                usage="/start",
                examples=("/start",),
                parse=parse_nothing,
                handle=handle_start,
            ),
            CommandEntry(
                name="help",
                summary=_("the commands, or one command in detail"),
                usage=_("/help [command]"),
                examples=("/help", "/help subscribe"),
                parse=parse_help,
                handle=handle_help,
            ),
            CommandEntry(
                name="subscribe",
                summary=_("hear about price cuts, free models, a target price or a saved question"),
                usage=_(
                    "/subscribe [all|VENDOR|MODEL] [N%] [increases] [new] [ending] [no-free] "
                    "[daily] · /subscribe under PRICE [input|output|blended] [with SIZE context] "
                    "· /subscribe QUESTION"
                ),
                examples=(
                    "/subscribe deepseek",
                    "/subscribe qwen-long 20% increases",
                    "/subscribe all new ending daily",
                    "/subscribe under ¥1 with 128k context",
                    "/subscribe cheapest for 1M tokens with 128k context",
                ),
                details=(
                    _("By default: cuts of at least 10%, and models made free, sent at once."),
                    _(
                        "N% — only cuts at least this big. increases, new, ending — also price "
                        "increases, new models, free offers ending soon. no-free — not when a "
                        "model becomes free. daily — in the daily digest (see /digest)."
                    ),
                    _(
                        "under PRICE — a target: fires when the cheapest match is at or under it "
                        "(blended by this chat's input:output mix unless you say input or "
                        "output), and again only after the price went back above it and a "
                        "cooldown passed."
                    ),
                    _("A question — tells you when its answer changes."),
                ),
                parse=parse_subscribe,
                handle=handle_subscribe,
                changes_chat=True,
                aliases=("sub",),
            ),
            CommandEntry(
                name="unsubscribe",
                summary=_("remove subscriptions by number, vendor or model, or all"),
                usage=_("/unsubscribe N [N …] | VENDOR | MODEL | all"),
                examples=("/unsubscribe 3", "/unsubscribe deepseek", "/unsubscribe all"),
                parse=parse_unsubscribe,
                handle=handle_unsubscribe,
                changes_chat=True,
                aliases=("unsub",),
            ),
            CommandEntry(
                name="subscriptions",
                summary=_("this chat's subscriptions and settings"),
                usage="/subscriptions",
                examples=("/subscriptions",),
                parse=parse_nothing,
                handle=handle_subscriptions,
                aliases=("list",),
            ),
            CommandEntry(
                name="mute",
                summary=_("hold alerts for a while; they arrive together afterwards"),
                usage=_("/mute DURATION | until HH:MM | off"),
                examples=("/mute 2h", "/mute 1d", "/mute until 18:00"),
                parse=parse_mute,
                handle=handle_mute,
                changes_chat=True,
            ),
            CommandEntry(
                name="unmute",
                summary=_("end a mute now"),
                usage="/unmute",
                examples=("/unmute",),
                parse=parse_nothing,
                handle=handle_unmute,
                changes_chat=True,
            ),
            CommandEntry(
                name="digest",
                summary=_("one message a day at a chosen hour instead of instant alerts"),
                usage=_("/digest [daily [HH:MM] | off]"),
                examples=("/digest", "/digest daily 9:00", "/digest off"),
                details=(_("/digest alone shows the current setting."),),
                parse=parse_digest,
                handle=handle_digest,
                changes_chat=True,
            ),
            CommandEntry(
                name="settings",
                summary=_("currency, input:output mix, time zone, quiet hours, language"),
                usage=_(
                    "/settings [currency CNY|USD|EUR | mix IN:OUT | timezone ZONE | "
                    "quiet HH:MM-HH:MM [hold|silent] | quiet off | question TEXT | "
                    "language en|zh]"
                ),
                examples=(
                    "/settings currency CNY",
                    "/settings mix 3:1",
                    "/settings timezone Asia/Shanghai",
                    "/settings quiet 22:00-07:00 silent",
                    "/settings language zh",
                ),
                parse=parse_settings,
                handle=handle_settings,
                changes_chat=True,
            ),
            CommandEntry(
                name="workspace",
                summary=_("(Slack) who may change a channel's alerts: admins, or everyone"),
                usage=_("/workspace [everyone on|off]"),
                examples=("/workspace", "/workspace everyone on"),
                details=(
                    _(
                        "By default, in a channel only workspace admins and owners and the "
                        "channel's creator may change its alerts; a workspace admin may let "
                        "everyone."
                    ),
                ),
                parse=parse_workspace,
                handle=handle_workspace,
            ),
            CommandEntry(
                name="cheapest",
                summary=_("the cheapest models for 1M tokens (or any amount, mix, context)"),
                usage=_("/cheapest [for AMOUNT] [MIX] [with SIZE context] [from VENDOR] [in CUR]"),
                examples=(
                    "/cheapest",
                    "/cheapest for 1M tokens with 128k context",
                    "/cheapest input only",
                ),
                parse=question_parser("cheapest"),
                handle=handle_question,
            ),
            CommandEntry(
                name="price",
                summary=_("a model's prices now"),
                usage=_("/price MODEL"),
                examples=("/price qwen-long",),
                parse=question_parser("price", needs="model", example="/price qwen-long"),
                handle=handle_question,
            ),
            CommandEntry(
                name="cost",
                summary=_("what an amount of tokens costs on a model"),
                usage=_("/cost MODEL AMOUNT [in] AMOUNT [out]"),
                examples=("/cost deepseek-v2 2M in 500k out",),
                parse=question_parser(
                    "cost", needs="model", example="/cost deepseek-v2 2M in 500k out"
                ),
                handle=handle_question,
            ),
            CommandEntry(
                name="compare",
                summary=COMPARE_SUMMARY,
                usage=COMPARE_USAGE,
                examples=("/compare gpt-4o deepseek-v2",),
                parse=question_parser(
                    "compare", needs="models", example="/compare gpt-4o deepseek-v2"
                ),
                handle=handle_question,
            ),
            CommandEntry(
                name="history",
                summary=_("a chart of a model's input and output price over time, cuts marked"),
                usage=_("/history MODEL"),
                examples=("/history qwen-long",),
                parse=parse_history,
                handle=handle_history,
            ),
            CommandEntry(
                name="free",
                summary=_("models that are free now, with their caps and end dates"),
                usage="/free",
                examples=("/free",),
                parse=question_parser("free"),
                handle=handle_question,
            ),
        ]
    )
