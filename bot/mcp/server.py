"""The MCP server: pricebot's answers as tools, resources and a prompt for agents.

Built on the official MCP Python SDK (`MCPServer`); this module only declares what
agents see (names, descriptions, typed inputs) and translates to `PriceTools`, which
answers exactly as the chat does. Everything is read-only.

    server = build_server(PriceTools(store))
    server.run()                      # stdio, for desktop and IDE clients (`pricebot mcp`)
"""

from __future__ import annotations

import json
from datetime import date
from functools import partial
from typing import Annotated, Any, Literal

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from bot.mcp.tools import MAX_COMPARE, MAX_EVENTS, MAX_TOP, AgentAnswer, PriceTools, Refused

INSTRUCTIONS = (
    "pricebot knows the dated prices of LLM APIs (per 1M tokens, in USD, CNY or EUR) from "
    "the makers and the sellers that resell them. Ask it which model is cheapest for a job, "
    "what a model costs, what changed and when. Amounts are exact decimal strings with "
    "their currency; converted amounts name the FX rate and its date. A missing price is "
    "unknown, never free. Answers can be 'as of' a past date."
)

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)

Currency = Annotated[
    Literal["USD", "CNY", "EUR"] | None,
    Field(description="Answer in this currency; default USD (CNY for a Chinese question)."),
]
AsOf = Annotated[
    date | None,
    Field(description="Answer with the prices in force at the end of this day (UTC), YYYY-MM-DD."),
]
Language = Annotated[
    Literal["en", "zh"] | None,
    Field(
        description=(
            "Reply text in English ('en') or Simplified Chinese ('zh'); default: the "
            "question's own language. The structured content is the same in both."
        )
    ),
]
Tokens = Annotated[
    int | None, Field(ge=0, le=10**12, description="Number of tokens, e.g. 1000000.")
]
ModelName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        description=(
            "A model id, alias or name: 'qwen-long', 'anthropic/claude-opus-4-6', 'GPT-4o'."
        ),
    ),
]
Names = Annotated[list[str], Field(max_length=20, description="Vendor ids or names.")]


def build_server(tools: PriceTools) -> MCPServer:
    """An MCPServer whose tools answer from `tools`."""
    server: MCPServer = MCPServer(
        name="pricebot",
        title="pricebot: LLM API prices",
        instructions=INSTRUCTIONS,
        log_level="WARNING",
    )

    async def run(call: Any) -> CallToolResult:
        try:
            found: AgentAnswer = await anyio.to_thread.run_sync(call)
        except Refused as refused:
            # A tool error the agent can act on: the reason, then calls that work.
            raise ToolError(str(refused)) from None
        return CallToolResult(
            content=[TextContent(type="text", text=found.text)],
            structured_content=_plain(found.data),
        )

    @server.tool(annotations=READ_ONLY)
    async def ask(
        question: Annotated[
            str,
            Field(
                min_length=1,
                max_length=500,
                description=(
                    "A question as a person would type it in a chat, English or Chinese: "
                    "'cheapest for 1M tokens with 128k context', 'price qwen-long', "
                    "'compare gpt-4o claude-sonnet-4-5 for 1M in 200k out', "
                    "'100万tokens最便宜的是哪个？'."
                ),
            ),
        ],
        currency: Currency = None,
        as_of: AsOf = None,
        language: Language = None,
    ) -> CallToolResult:
        """Answer any price question exactly as pricebot's chat answers it."""
        return await run(partial(tools.ask, question, currency, as_of, language))

    @server.tool(annotations=READ_ONLY)
    async def cheapest(
        input_tokens: Tokens = None,
        output_tokens: Tokens = None,
        top: Annotated[int, Field(ge=1, le=MAX_TOP, description="How many models.")] = 5,
        min_context: Annotated[
            int | None, Field(ge=1, description="Only models with at least this context window.")
        ] = None,
        vendors: Names = [],  # noqa: B006 - pydantic copies defaults
        direct_only: Annotated[
            bool, Field(description="Only the makers' own prices, no resellers.")
        ] = False,
        via: Annotated[
            list[str], Field(max_length=20, description="Only offers from these sellers.")
        ] = [],  # noqa: B006
        currency: Currency = None,
        as_of: AsOf = None,
    ) -> CallToolResult:
        """The cheapest models for a workload. Without token counts: 1M tokens blended
        3:1 (750K input + 250K output), the industry's usual convention. Each model at its
        cheapest offer from any seller unless direct_only or via says otherwise."""
        return await run(
            partial(
                tools.cheapest,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                top=top,
                min_context=min_context,
                vendors=vendors,
                direct_only=direct_only,
                via=via,
                currency=currency,
                as_of=as_of,
            )
        )

    @server.tool(annotations=READ_ONLY)
    async def price(
        model: ModelName, currency: Currency = None, as_of: AsOf = None
    ) -> CallToolResult:
        """One model's prices per 1M tokens (input, output, cached input, long-prompt
        tiers) from its maker, with the date each took effect and the cheapest reseller."""
        return await run(partial(tools.price, model, currency=currency, as_of=as_of))

    @server.tool(annotations=READ_ONLY)
    async def cost(
        models: Annotated[list[str], Field(min_length=1, max_length=MAX_COMPARE)],
        input_tokens: Annotated[int, Field(ge=0, le=10**12)],
        output_tokens: Annotated[int, Field(ge=0, le=10**12)],
        currency: Currency = None,
        as_of: AsOf = None,
    ) -> CallToolResult:
        """What a number of input and output tokens costs on each of 1 to 5 models."""
        return await run(
            partial(
                tools.cost,
                models,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                currency=currency,
                as_of=as_of,
            )
        )

    @server.tool(annotations=READ_ONLY)
    async def compare(
        models: Annotated[list[str], Field(min_length=2, max_length=MAX_COMPARE)],
        input_tokens: Tokens = None,
        output_tokens: Tokens = None,
        currency: Currency = None,
        as_of: AsOf = None,
    ) -> CallToolResult:
        """Two to five models side by side for one workload, cheapest first, with how
        much less the cheapest costs."""
        return await run(
            partial(
                tools.compare,
                models,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                currency=currency,
                as_of=as_of,
            )
        )

    @server.tool(annotations=READ_ONLY)
    async def free(as_of: AsOf = None) -> CallToolResult:
        """Models free now (or on a date), with their caps and end dates. A price a source
        does not give is unknown and never counted as free."""
        return await run(partial(tools.free, as_of=as_of))

    @server.tool(annotations=READ_ONLY)
    async def history(model: ModelName) -> CallToolResult:
        """A model's dated price changes: every price recorded, and each cut, increase,
        free or new-model event with its effective date and source."""
        return await run(partial(tools.history, model))

    @server.tool(annotations=READ_ONLY)
    async def recent_changes(
        since: Annotated[
            date | None, Field(description="Only changes in force from this day (YYYY-MM-DD).")
        ] = None,
        after_id: Annotated[
            int, Field(ge=0, description="Only events after this id (poll with the last id).")
        ] = 0,
        vendors: Names = [],  # noqa: B006
        types: Annotated[
            list[Literal["cut", "increase", "free", "paid_again", "new_model", "free_ending"]],
            Field(max_length=6, description="Only these event types."),
        ] = [],  # noqa: B006
        limit: Annotated[int, Field(ge=1, le=MAX_EVENTS)] = 20,
    ) -> CallToolResult:
        """Price events newest first: cuts, increases, made free, paid again, new models,
        free offers ending. Filter by date, event id, vendor and type."""
        return await run(
            partial(
                tools.recent_changes,
                since=since,
                after_id=after_id,
                vendors=vendors,
                types=types,
                limit=limit,
            )
        )

    @server.resource(
        "pricebot://prices",
        name="price-table",
        description="The cheapest 50 models for 1M tokens (blended 3:1), in USD, now.",
        mime_type="application/json",
    )
    async def price_table() -> str:
        found = await anyio.to_thread.run_sync(partial(tools.cheapest, top=MAX_TOP))
        return json.dumps(_plain(found.data), ensure_ascii=False)

    @server.resource(
        "pricebot://history/{maker}/{model}",
        name="model-history",
        description="One model's dated prices and events, e.g. pricebot://history/alibaba/qwen-long.",
        mime_type="application/json",
    )
    async def model_history(maker: str, model: str) -> str:
        try:
            found = await anyio.to_thread.run_sync(partial(tools.history, f"{maker}/{model}"))
        except Refused as refused:
            raise ResourceNotFoundError(str(refused)) from None
        return json.dumps(_plain(found.data), ensure_ascii=False)

    @server.prompt(name="pick_cheapest", title="Pick the cheapest model for a job")
    def pick_cheapest(job: str, context_tokens: int | None = None) -> str:
        """Choose the cheapest model that can do a job, checking prices with pricebot."""
        context = (
            f" It needs a context window of at least {context_tokens} tokens."
            if context_tokens
            else ""
        )
        return (
            f"I need a model for this job: {job}.{context}\n"
            "Estimate the input and output tokens per run, then call pricebot's `cheapest` "
            "tool with those counts (and min_context if needed). Pick the cheapest model "
            "that is capable of the job, say what one run and 1,000 runs cost, and name "
            "the seller and the date of the prices."
        )

    return server


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """JSON-native values only: Decimals and datetimes become strings (exact, not floats)."""
    result: dict[str, Any] = json.loads(json.dumps(data, default=str, ensure_ascii=False))
    return result
