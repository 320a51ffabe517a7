"""`pricebot mcp`: serve pricebot's answers to agents over MCP on stdio.

Desktop and IDE clients start this command and talk to it on stdin/stdout, so nothing
but the protocol may reach stdout: logs go to stderr. The MCP SDK is imported only here,
when the command runs.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.cli.common import open_store
from bot.settings import load_settings


def mcp() -> None:
    """Serve pricebot to agents over MCP on stdio (tools: ask, cheapest, price, cost,
    compare, free, history, recent_changes). Read-only."""
    from bot.app import seed_if_empty
    from bot.mcp.server import build_server
    from bot.mcp.tools import PriceTools

    settings = load_settings()
    store = open_store(settings)
    # A fresh store answers from the bundled price-war catalog, as `pricebot run` does.
    seed_if_empty(store, now=datetime.now(UTC))
    tools = PriceTools(store, free_confirm_days=settings.free_confirm_days)
    build_server(tools).run("stdio")
