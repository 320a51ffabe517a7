"""The one HTTP server pricebot serves: front-end webhooks, health and metrics.

It runs inside the process's event loop (aiohttp's AppRunner and TCPSite; never
`web.run_app`, which would own the loop). Front-ends hand over their routes
(Telegram's webhook, Slack's events) before `start()`.

- `/healthz`: the process is alive and its loop answers. Never touches the database,
  so a database outage does not get the process restarted.
- `/readyz`: the database is reachable and fully migrated, so this replica may get
  traffic. 503 with the reason otherwise; it recovers by itself when the database does.
- `/metrics`: Prometheus text format.
- `/mcp`: MCP for agents (bot.mcp.http), when PRICEBOT_MCP_TOKEN is set.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable

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
        # Sub-applications that register themselves (MCP's ASGI app); see `mount`.
        self._mounts: list[Callable[[web.Application], None]] = []

    def add_routes(self, routes: Iterable[web.RouteDef]) -> None:
        """Serve a front-end's routes too; call before start()."""
        if self._runner is not None:
            raise RuntimeError("add routes before the server starts")
        self._routes.extend(routes)

    def mount(self, install: Callable[[web.Application], None]) -> None:
        """Let `install(app)` add resources of its own (an ASGI app); call before start()."""
        if self._runner is not None:
            raise RuntimeError("mount before the server starts")
        self._mounts.append(install)

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
        for install in self._mounts:
            install(app)
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


def _json(value: object, *, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(value) + "\n", status=status, content_type="application/json"
    )
