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

Slow and idle clients cannot hold it (docs/scaling.md, "Slow clients"): a connection
that has not sent a whole request's headers within `header_timeout` seconds is closed
(aiohttp's keep-alive timer, which also runs before the first request); a body must
arrive within `body_timeout` seconds and be no larger than its route allows (413); and
at most `max_connections` connections are open at once (more are told 503 and closed at
once), kept well below the process's file limit so the database and the chat platforms
always have file descriptors left. A mounted application (MCP) reads its own body: it
is held to MAX_BODY by its Content-Length.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiohttp import web
from aiohttp.web_urldispatcher import UrlMappingMatchInfo
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import Engine

from bot.metrics import Metrics
from storage import StoreUnavailable, pending_migrations

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

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


# A body larger than this is refused on any route (aiohttp's own cap, 413); routes that
# take bodies may allow less (`add_routes(max_body=…)`).
MAX_BODY = 1024 * 1024
# Routes that take no body (health, metrics, OAuth pages) read at most this much.
SMALL_BODY = 16 * 1024
# Leave this many file descriptors to everything else (database, platform clients, logs).
_SPARE_FILES = 128
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
    b"Content-Length: 5\r\nConnection: close\r\n\r\nbusy\n"
)


def connection_cap(wanted: int) -> int:
    """`wanted`, or less when the file limit (ulimit -n) would not leave room for it."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, ValueError, OSError):
        return wanted
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(8, min(wanted, soft // 2, soft - _SPARE_FILES))


class _Busy(asyncio.Protocol):
    """A connection past the limit: answered 503 and closed, so its descriptor is freed."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(_BUSY)
        transport.close()


class BoundedSite(web.BaseSite):
    """aiohttp's TCP site, with at most `max_connections` connections open at once."""

    __slots__ = ("_host", "_max", "_port", "_refused")

    def __init__(self, runner: web.BaseRunner, host: str, port: int, *, max_connections: int):
        super().__init__(runner, backlog=512)
        self._host = host
        self._port = port
        self._max = max_connections
        self._refused = 0

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    @property
    def refused(self) -> int:
        """Connections turned away because the limit was reached."""
        return self._refused

    async def start(self) -> None:
        await super().start()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._protocol, self._host, self._port, backlog=self._backlog
        )

    def _protocol(self) -> asyncio.BaseProtocol:
        server = self._runner.server
        assert server is not None
        if len(server.connections) >= self._max:
            self._refused += 1
            if self._refused in (1, 10, 100) or self._refused % 1000 == 0:
                log.warning(
                    "HTTP server: %s connections open, the limit; %s turned away so far",
                    self._max,
                    self._refused,
                )
            return _Busy()
        return server()


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
        header_timeout: float = 10.0,
        body_timeout: float = 10.0,
        max_connections: int = 256,
    ) -> None:
        self.host = host
        self.port = port
        self.metrics = metrics
        self.header_timeout = header_timeout
        self.body_timeout = body_timeout
        self.max_connections = connection_cap(max_connections)
        self._ready = list(ready)
        self._routes: list[web.RouteDef] = []
        self._max_body: dict[str, int] = {}
        self._runner: web.AppRunner | None = None
        self._site: BoundedSite | None = None
        # Sub-applications that register themselves (MCP's ASGI app); see `mount`.
        self._mounts: list[Callable[[web.Application], None]] = []
        self.add_routes(routes)

    def add_routes(self, routes: Iterable[web.RouteDef], *, max_body: int = MAX_BODY) -> None:
        """Serve a front-end's routes too, with bodies up to `max_body` bytes; before start()."""
        if self._runner is not None:
            raise RuntimeError("add routes before the server starts")
        for route in routes:
            self._routes.append(route)
            self._max_body[route.path] = min(max_body, MAX_BODY)

    @property
    def refused(self) -> int:
        """Connections turned away at the connection limit since start."""
        return self._site.refused if self._site is not None else 0

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
        app = web.Application(client_max_size=MAX_BODY, middlewares=[self._bounded_body])
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/readyz", self.readyz)
        app.router.add_get("/metrics", self.metrics_page)
        app.router.add_routes(self._routes)
        for install in self._mounts:
            install(app)
        return app

    async def start(self) -> None:
        """Listen; returns once the socket is bound (port 0 picks a free one)."""
        runner = web.AppRunner(
            self.app(),
            access_log=None,
            handle_signals=False,
            # Also runs before a connection's first request: half-sent headers are dropped.
            keepalive_timeout=self.header_timeout,
            shutdown_timeout=5.0,
        )
        await runner.setup()
        site = BoundedSite(runner, self.host, self.port, max_connections=self.max_connections)
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
        self._site = site
        for address in runner.addresses:
            if isinstance(address, tuple):
                self.port = address[1]
                break
        log.info(
            "HTTP server listening on %s:%s (at most %s connections)",
            self.host,
            self.port,
            self.max_connections,
        )

    async def stop(self) -> None:
        """Stop listening; requests in progress get a moment to finish."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._site = None

    @web.middleware
    async def _bounded_body(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Read the whole body first, within its route's size and the body timeout."""
        if not isinstance(request.match_info, UrlMappingMatchInfo):
            # A mounted application (MCP's ASGI app) matched: it reads the stream itself.
            if (request.content_length or 0) > MAX_BODY:
                return _json({"error": f"body over {MAX_BODY} bytes"}, status=413)
            return await handler(request)
        limit = self._max_body.get(request.path, SMALL_BODY)
        length = request.content_length
        if length is not None and length > limit:
            return _json({"error": f"body over {limit} bytes"}, status=413)
        if request.body_exists:
            try:
                # Cached by aiohttp: the handler's read()/json()/text() use it.
                body = await asyncio.wait_for(request.read(), self.body_timeout)
            except TimeoutError:
                return _json({"error": "body not received in time"}, status=408)
            if len(body) > limit:
                return _json({"error": f"body over {limit} bytes"}, status=413)
        return await handler(request)

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
