"""The one HTTP server pricebot serves: front-end webhooks, health and metrics.

It runs inside the process's event loop (aiohttp's AppRunner and TCPSite; never
`web.run_app`, which would own the loop). Front-ends hand over their routes
(Telegram's webhook, Slack's events) before `start()`.

- `/healthz`: the process is alive and its loop answers. Never touches the database,
  so a database outage does not get the process restarted.
- `/readyz`: the database is reachable and fully migrated, so this replica may get
  traffic. 503 with the reason otherwise; it recovers by itself when the database does.
- `/metrics`: Prometheus text format.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import Engine

from bot.metrics import Metrics
from storage import StoreUnavailable, pending_migrations

log = logging.getLogger(__name__)

# A readiness check answers None when ready, or one line saying why not.
ReadinessCheck = Callable[[], Awaitable[str | None]]


def database_ready(engine: Engine, *, timeout: float = 3.0) -> ReadinessCheck:
    """A check that the database answers within `timeout` seconds and lacks no migration."""

    def probe() -> str | None:
        try:
            pending = pending_migrations(engine)
        except StoreUnavailable as exc:
            return str(exc)
        except Exception as exc:  # any driver error means "not ready", never a crash
            return f"database error: {str(exc).strip().splitlines()[0] if str(exc) else exc!r}"
        if pending:
            return "migrations pending: " + ", ".join(pending) + " (run `pricebot db upgrade`)"
        return None

    async def check() -> str | None:
        try:
            # Off the loop: connecting can block, and webhooks must keep being answered.
            return await asyncio.wait_for(asyncio.to_thread(probe), timeout)
        except TimeoutError:
            return f"database did not answer within {timeout:g}s"

    return check


class WebServer:
    """pricebot's HTTP server on PRICEBOT_HTTP_HOST:PRICEBOT_HTTP_PORT."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        metrics: Metrics,
        ready: Iterable[ReadinessCheck] = (),
        routes: Iterable[web.RouteDef] = (),
    ) -> None:
        self.host = host
        self.port = port
        self.metrics = metrics
        self._ready = list(ready)
        self._routes: list[web.RouteDef] = list(routes)
        self._runner: web.AppRunner | None = None

    def add_routes(self, routes: Iterable[web.RouteDef]) -> None:
        """Serve a front-end's routes too; call before start()."""
        if self._runner is not None:
            raise RuntimeError("add routes before the server starts")
        self._routes.extend(routes)

    def add_readiness(self, check: ReadinessCheck) -> None:
        """Another condition for /readyz."""
        self._ready.append(check)

    def app(self) -> web.Application:
        """The aiohttp application (health, metrics and every front-end route)."""
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/readyz", self.readyz)
        app.router.add_get("/metrics", self.metrics_page)
        app.router.add_routes(self._routes)
        return app

    async def start(self) -> None:
        """Listen; returns once the socket is bound (port 0 picks a free one)."""
        runner = web.AppRunner(self.app(), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise OSError(
                exc.errno,
                f"cannot listen on {self.host}:{self.port} ({exc.strerror}); "
                "set PRICEBOT_HTTP_PORT to a free port",
            ) from None
        self._runner = runner
        for address in runner.addresses:
            if isinstance(address, tuple):
                self.port = address[1]
                break
        log.info("HTTP server listening on %s:%s", self.host, self.port)

    async def stop(self) -> None:
        """Stop listening; requests in progress get a moment to finish."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def healthz(self, request: web.Request) -> web.Response:
        """The process is alive and its event loop answers."""
        return _json({"status": "ok"})

    async def readyz(self, request: web.Request) -> web.Response:
        """Ready for traffic: every readiness check passes."""
        reasons = [r for r in await asyncio.gather(*(c() for c in self._ready)) if r]
        if reasons:
            return _json({"ready": False, "reasons": reasons}, status=503)
        return _json({"ready": True})

    async def metrics_page(self, request: web.Request) -> web.Response:
        """Every metric in Prometheus text format."""
        body = await asyncio.to_thread(self.metrics.exposition)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


# Deeper JSON than this is refused unread: no update or event nests more than a few dozen
# levels, and Python's parser would otherwise recurse until it fails (an HTTP 500).
MAX_JSON_DEPTH = 200
_BRACKETS = frozenset(b"[{")


def json_body(body: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> dict[str, Any]:
    """A request body that must be one JSON object; ValueError says why it is not."""
    if _nesting(body) > max_depth:
        raise ValueError(f"JSON nested deeper than {max_depth} levels")
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _nesting(body: bytes) -> int:
    """How deeply brackets nest outside strings, counted without parsing."""
    # Only bodies with many brackets need the count; a quick test keeps the usual case cheap.
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return 0
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # closing quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in _BRACKETS:
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def _json(value: object, *, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(value) + "\n", status=status, content_type="application/json"
    )
