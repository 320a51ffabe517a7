"""/start and /help."""

from __future__ import annotations

from bot.chat.commands.parsing import Invalid
from bot.chat.commands.services import Services, chat_key, db
from bot.chat.context import Context
from bot.messages import Button, Reply


def parse_help(args: str) -> str | Invalid:
    """'/help' or '/help subscribe' (with or without the slash)."""
    return args.strip().lstrip("/").split(" ", 1)[0].lower()


async def handle_start(_: None, ctx: Context, services: Services) -> list[Reply]:
    """Say what pricebot does and how to begin."""
    await db(
        services.subscriptions.touch_chat, chat_key(ctx), now=ctx.now, chat_type=str(ctx.chat_type)
    )
    return [
        Reply(
            title="pricebot watches what LLM APIs cost",
            lines=(
                "I tell this chat when a vendor cuts a price or makes a model free, and I answer "
                "“cheapest for 1M tokens?”.",
                "Start with /subscribe all (cuts of 10% or more, and models made free), or "
                "/subscribe deepseek for one vendor.",
                "Ask: /cheapest · /price qwen-long · /free · or just type a question.",
                "Everything else: /help",
            ),
            buttons=(
                Button("Subscribe to everything", "/subscribe all"),
                Button("Cheapest now", "/cheapest"),
                Button("Help", "/help"),
            ),
        )
    ]


async def handle_help(topic: str, ctx: Context, services: Services) -> list[Reply]:
    """List the commands, or explain one with examples."""
    registry = services.registry
    if topic:
        entry = registry.get(topic)
        if entry is None:
            return [
                Reply(
                    title=f"There is no /{topic} command",
                    lines=("Example: /help subscribe",),
                )
            ]
        lines = [entry.summary, f"Usage: {entry.usage}", *entry.details]
        lines.append("Examples: " + " · ".join(entry.examples))
        if entry.changes_chat:
            lines.append("In groups and channels only the chat's admins can change things with it.")
        return [Reply(title=f"/{entry.name}", lines=tuple(lines))]
    return [
        Reply(
            title="pricebot commands",
            lines=tuple(f"/{e.name} — {e.summary}" for e in registry.entries()),
            footnotes=(
                "Type a question without a command too: “cheapest for 1M tokens with 128k "
                "context?”. /help subscribe explains one command.",
            ),
        )
    ]
