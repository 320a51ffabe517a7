"""MCP over streamable HTTP at `/mcp`, inside `pricebot run`'s one HTTP server.

The SDK serves streamable HTTP as an ASGI (Starlette) application; aiohttp-asgi mounts
it on our aiohttp server, so MCP shares PRICEBOT_HTTP_PORT with webhooks and health.
Every request must carry `Authorization: Bearer PRICEBOT_MCP_TOKEN`; without a token
configured, `/mcp` is not served at all.

Stateless JSON responses: each tool call is one POST answered with one JSON body, so
any number of replicas can serve it and no session outlives a request.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from aiohttp import web
from aiohttp_asgi import ASGIResource
from mcp.server.transport_security import TransportSecuritySettings

from bot.mcp.server import build_server
from bot.mcp.tools import PriceTools

MCP_PATH = "/mcp"

ASGIApp = Any  # (scope, receive, send) -> awaitable, as the ASGI spec defines it


def mount_mcp(app: web.Application, tools: PriceTools, *, token: str) -> None:
    """Serve MCP at /mcp on `app`, for requests bearing `token`."""
    if not token:
        raise ValueError("an MCP token is required to serve MCP over HTTP")
    server = build_server(tools)
    asgi = server.streamable_http_app(
        streamable_http_path="/",
        json_response=True,
        stateless_http=True,
        # The bearer token is the gate: a browser page on another site cannot send it,
        # and a Host check would refuse the names a reverse proxy forwards.
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    resource = ASGIResource(bearer_only(asgi, token), root_path=MCP_PATH)
    app.router.register_resource(resource)
    # Starts and stops the SDK's session manager with the aiohttp application.
    resource.lifespan_mount(app)


def bearer_only(asgi: ASGIApp, token: str) -> ASGIApp:
    """The ASGI app behind a bearer-token check; 401 without the right token."""
    expected = f"Bearer {token}".encode()

    async def guarded(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or ()).get(b"authorization", b"")
            if not hmac.compare_digest(given, expected):
                body = json.dumps(
                    {
                        "error": "unauthorized",
                        "hint": "send 'Authorization: Bearer <PRICEBOT_MCP_TOKEN>'",
                    }
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"www-authenticate", b'Bearer realm="pricebot"'),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await asgi(scope, receive, send)

    return guarded
