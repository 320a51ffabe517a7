"""Agents' door: an MCP server whose tools answer as the chat does (`pricebot mcp`).

- `tools.PriceTools`: the questions (ask, cheapest, price, cost, compare, free, history,
  recent_changes) as plain synchronous methods over the store and the answers' snapshot;
- `server.build_server`: the MCP SDK's `MCPServer` declaring them as tools, plus
  resources (the price table, a model's history) and a prompt.
"""
