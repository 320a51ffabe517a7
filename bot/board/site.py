"""The read-only price board on pricebot's HTTP server: pages, charts, the Atom feed.

Routes (no login, GET only):
- `/`: the price table (sort, vendor, min_context, currency, as_of, page, lang) and a
  question box (`?q=`) answered by the same engine, in the same words, as the chat;
- `/models/{maker}/{model}`: a model's offers, its price-history chart and its events;
- `/charts/{maker}/{model}.png`: that chart (the same code as Telegram's /history);
- `/feed.atom`: price events, newest first (vendor, model, type filters);
- `/static/board.css`.

Pages are rendered from the answers' in-memory snapshot (the chat's own cache), never
by scanning the store per request; events and charts are cached per data version.
Every response carries security headers; pages and the feed carry an ETag and answer
a matching If-None-Match with 304.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape

from bot.answers import (
    FREE_CONFIRM_DAYS,
    Defaults,
    PriceSnapshot,
    Query,
    SnapshotCache,
    answer,
    end_of_day,
    parse_question,
)
from bot.board.feed import atom_feed, event_day, event_title
from bot.board.labels import labels
from bot.board.views import CURRENCIES, BoardRequest, board_query, model_page, read_request, table
from bot.chat.charts import history_chart, history_series
from bot.chat.render import render_text
from bot.messages import Image
from storage import PriceStore
from storage.money import Money
from storage.values import EventType, PriceEvent, PriceKind, utc_now

STATIC = Path(__file__).parent / "static"
FEED_LIMIT = 50
CACHE_SIZE = 256
SECURITY_HEADERS = {
    # No scripts at all: the board works without JavaScript.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
MAX_AGE = 60

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Board:
    """The board's routes over one store and the answers' snapshot cache."""

    def __init__(
        self,
        store: PriceStore,
        cache: SnapshotCache | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
        free_confirm_days: int = FREE_CONFIRM_DAYS,
    ) -> None:
        self.store = store
        self.cache = cache or SnapshotCache(store)
        self.clock = clock
        self.free_confirm_days = free_confirm_days
        self.templates = Environment(
            loader=PackageLoader("bot.board", "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        # (data version, key) -> value; both bounded, both dropped when prices move.
        self._events: OrderedDict[tuple[Any, ...], list[PriceEvent]] = OrderedDict()
        self._launch: OrderedDict[tuple[Any, ...], dict[int, dict[PriceKind, Money]]] = (
            OrderedDict()
        )
        self._charts: OrderedDict[tuple[Any, ...], Image | None] = OrderedDict()
        # Rendered pages: the same URL on the same snapshot renders the same page.
        self._pages: OrderedDict[tuple[Any, ...], web.Response] = OrderedDict()

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/", self._guarded(self.board)),
            web.get("/models/{model_id:.+}", self._guarded(self.model)),
            web.get("/charts/{model_id:.+}.png", self._guarded(self.chart)),
            web.get("/feed.atom", self._guarded(self.feed)),
            web.get("/static/board.css", self._guarded(self.stylesheet)),
        ]

    # --- handlers -----------------------------------------------------------------

    async def board(self, request: web.Request) -> web.StreamResponse:
        now = self.clock()
        lang = _language(request)
        read = read_request({**request.query, "lang": lang}, now=now)
        if isinstance(read, str):
            return self._page(request, "error.html", _bare(lang), status=400, error=read)
        snapshot = await self._snapshot(read, now)
        etag = _etag(snapshot.version, snapshot.as_of.isoformat(), request.path_qs, lang)
        if _not_modified(request, etag):
            return _304(etag)
        key = (id(snapshot), etag)
        if key in self._pages:
            self._pages.move_to_end(key)
            return _copy(self._pages[key])
        answered, error = "", ""
        examples: tuple[str, ...] = ()
        if read.question:
            currency = read.currency if "currency" in request.query else None
            answered, error, examples = await asyncio.to_thread(
                self._answer, read.question, currency, lang, now
            )
        query = board_query(read, snapshot)
        if isinstance(query, str):
            return self._page(request, "error.html", read, status=400, error=query)
        shown = await asyncio.to_thread(table, query, snapshot, read.page)
        context: dict[str, Any] = {
            "table": shown,
            "answer": answered,
            "error": error,
            "examples": [
                (e, _url("/", {"q": e, "lang": read.lang if read.lang == "zh" else ""}))
                for e in examples
            ],
            "as_of_text": read.as_of.isoformat()
            if read.as_of
            else snapshot.as_of.strftime("%Y-%m-%d %H:%M UTC"),
            "min_context_text": request.query.get("min_context", ""),
            "currencies": CURRENCIES,
            "sort_url": lambda col: _url("/", request.query, sort=col, page=None),
            "page_url": lambda n: _url("/", request.query, page=str(n)),
        }
        page = self._page(request, "board.html", read, etag=etag, **context)
        _remember(self._pages, key, page)
        return _copy(page)

    async def model(self, request: web.Request) -> web.StreamResponse:
        now = self.clock()
        lang = _language(request)
        wanted = request.match_info["model_id"]
        snapshot = await asyncio.to_thread(self.cache.now, now)
        model_id = _model_id(snapshot, wanted)
        if model_id is None:
            near = snapshot.vocabulary.suggest_models(wanted)
            hint = f" Did you mean {', '.join(near)}?" if near else ""
            error = f"No model called “{wanted}”.{hint}"
            return self._page(request, "error.html", _bare(lang), status=404, error=error)
        if model_id != wanted:
            raise web.HTTPMovedPermanently(_url(model_path(model_id), request.query))
        etag = _etag(snapshot.version, request.path_qs, lang)
        if _not_modified(request, etag):
            return _304(etag)
        key = (id(snapshot), etag)
        if key in self._pages:
            self._pages.move_to_end(key)
            return _copy(self._pages[key])
        page = model_page(snapshot, model_id)
        if page is None:
            return self._page(
                request, "error.html", _bare(lang), status=404, error=f"No prices for {model_id}."
            )
        events = await self._events_of(snapshot, model_id)
        launches = await self._launches(snapshot, events)
        chart = await self._chart(snapshot, model_id, now, lang)
        context: dict[str, Any] = {
            "page": page,
            "events": [
                f"{event_day(e, lang)} · {event_title(e, page.name, launches.get(e.id or 0), lang)}"
                for e in reversed(events)
            ],
            "chart_caption": chart.caption if chart else "",
            "chart_url": "/charts/"
            + quote(model_id)
            + ".png"
            + ("?lang=zh" if lang == "zh" else ""),
        }
        rendered = self._page(request, "model.html", _bare(lang), etag=etag, **context)
        _remember(self._pages, key, rendered)
        return _copy(rendered)

    async def chart(self, request: web.Request) -> web.StreamResponse:
        now = self.clock()
        snapshot = await asyncio.to_thread(self.cache.now, now)
        model_id = _model_id(snapshot, request.match_info["model_id"])
        if model_id is None:
            raise web.HTTPNotFound(text="no such model\n")
        lang = "zh" if request.query.get("lang", "").lower().startswith("zh") else "en"
        etag = _etag(snapshot.version, request.path, lang)
        if _not_modified(request, etag):
            return _304(etag)
        image = await self._chart(snapshot, model_id, now, lang)
        if image is None:
            raise web.HTTPNotFound(text="no prices recorded for this model\n")
        return web.Response(body=image.png, content_type="image/png", headers=_cache_headers(etag))

    async def feed(self, request: web.Request) -> web.StreamResponse:
        now = self.clock()
        vendors = [v for v in request.query.getall("vendor", []) if v][:10]
        models = [m for m in request.query.getall("model", []) if m][:10]
        types = [t for t in request.query.getall("type", []) if t][:6]
        known = {t.value for t in EventType}
        bad = [t for t in types if t not in known]
        if bad:
            raise web.HTTPBadRequest(
                text=f"unknown type {bad[0][:40]!r}; types are {', '.join(sorted(known))}; "
                "e.g. /feed.atom?type=cut&type=free\n"
            )
        snapshot = await asyncio.to_thread(self.cache.now, now)
        model_ids = [_model_id(snapshot, m) or m for m in models]
        # Feed readers send no Accept-Language worth trusting: only ?lang=zh asks.
        language = "zh" if request.query.get("lang", "").lower().startswith("zh") else "en"
        etag = _etag(snapshot.version, request.path_qs)
        if _not_modified(request, etag):
            return _304(etag)
        events = await self._recent(snapshot, vendors, model_ids, types)
        launches = await self._launches(snapshot, events)
        origin = f"{request.scheme}://{request.host}"
        body = atom_feed(
            events,
            names={e.model_id: snapshot.model_name(e.model_id) for e in events},
            feed_url=origin + request.path_qs,
            site_url=origin + "/",
            model_url=lambda model_id: origin + model_path(model_id),
            now=now,
            launches=launches,
            language=language,
        )
        headers = _cache_headers(etag)
        return web.Response(
            body=body, content_type="application/atom+xml", charset="utf-8", headers=headers
        )

    async def stylesheet(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(
            STATIC / "board.css", headers={"Cache-Control": "public, max-age=3600"}
        )

    # --- parts --------------------------------------------------------------------

    def _guarded(self, handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            try:
                response = await handler(request)
            except web.HTTPException as exc:
                exc.headers.update(SECURITY_HEADERS)
                raise
            response.headers.update(SECURITY_HEADERS)
            return response

        return guarded

    async def _snapshot(self, read: BoardRequest, now: datetime) -> PriceSnapshot:
        if read.as_of is None:
            return await asyncio.to_thread(self.cache.now, now)
        as_of = end_of_day(read.as_of)
        return await asyncio.to_thread(lambda: self.cache.at(as_of, now=now))

    def _answer(
        self, question: str, currency: str | None, lang: str, now: datetime
    ) -> tuple[str, str, tuple[str, ...]]:
        """The chat's answer to a question, in the page's language; or its refusal's
        reason and examples that work."""
        defaults = Defaults(
            currency=currency, free_confirm_days=self.free_confirm_days, language=lang
        )
        current = self.cache.now(now)
        parsed = parse_question(question, current.vocabulary, defaults)
        if not isinstance(parsed, Query):
            hint = f" Did you mean {', '.join(parsed.suggestions)}?" if parsed.suggestions else ""
            return "", parsed.reason + hint, parsed.examples
        snapshot = self.cache.for_query(parsed, now=now)
        reply = answer(parsed, snapshot, latest=current if parsed.as_of is not None else None)
        self.cache.used(parsed)
        return render_text(reply), "", ()

    async def _launches(
        self, snapshot: PriceSnapshot, events: list[PriceEvent]
    ) -> dict[int, dict[PriceKind, Money]]:
        """The prices each new model came with, by event id (read once per data version)."""
        key = (snapshot.version, "launches", tuple(e.id for e in events))
        if key not in self._launch:

            def read() -> dict[int, dict[PriceKind, Money]]:
                return {
                    e.id: self.store.prices_at(e.model_id, e.effective_at)
                    for e in events
                    if e.type is EventType.NEW_MODEL and e.id is not None
                }

            _remember(self._launch, key, await asyncio.to_thread(read))
        return self._launch[key]

    async def _events_of(self, snapshot: PriceSnapshot, model_id: str) -> list[PriceEvent]:
        key = (snapshot.version, "model", model_id)
        if key not in self._events:
            found = await asyncio.to_thread(self.store.events_for, model_id)
            _remember(self._events, key, found)
        return self._events[key]

    async def _recent(
        self, snapshot: PriceSnapshot, vendors: list[str], models: list[str], types: list[str]
    ) -> list[PriceEvent]:
        key = (snapshot.version, "feed", tuple(vendors), tuple(models), tuple(types))
        if key not in self._events:
            found = await asyncio.to_thread(
                lambda: self.store.events_since(
                    vendors=vendors, models=models, types=types, limit=FEED_LIMIT
                )
            )
            _remember(self._events, key, found)
        return self._events[key]

    async def _chart(
        self, snapshot: PriceSnapshot, model_id: str, now: datetime, lang: str = "en"
    ) -> Image | None:
        key = (snapshot.version, model_id, lang)
        if key not in self._charts:

            def draw() -> Image | None:
                series = history_series(
                    model_id,
                    snapshot.model_name(model_id),
                    self.store.history(model_id),
                    self.store.events_for(model_id),
                    now=now,
                    language=lang,
                )
                return None if series.empty else history_chart(series)

            _remember(self._charts, key, await asyncio.to_thread(draw))
        return self._charts[key]

    def _page(
        self,
        request: web.Request,
        template: str,
        read: BoardRequest,
        *,
        status: int = 200,
        etag: str | None = None,
        **context: Any,
    ) -> web.Response:
        lang = read.lang
        other = "en" if lang == "zh" else "zh"
        values = {
            "lang": lang,
            "t": labels(lang),
            "req": read,
            "question": read.question,
            "lang_query": "?lang=zh" if lang == "zh" else "",
            "other_lang_url": _url(request.path, request.query, lang=other),
            "feed_url": "/feed.atom",
            "model_url": lambda model_id: (
                model_path(model_id) + ("?lang=zh" if lang == "zh" else "")
            ),
            "answer": "",
            "error": "",
            **context,
        }
        html = self.templates.get_template(template).render(**values)
        headers = _cache_headers(etag) if etag and status == 200 else {"Cache-Control": "no-store"}
        headers["Vary"] = "Accept-Language"
        return web.Response(text=html, status=status, content_type="text/html", headers=headers)


def _copy(page: web.Response) -> web.Response:
    """A fresh response with a cached page's body and headers (a response is sent once)."""
    assert page.body is not None
    return web.Response(body=page.body, status=page.status, headers=page.headers, content_type=None)


def model_path(model_id: str) -> str:
    return "/models/" + quote(model_id)


def _model_id(snapshot: PriceSnapshot, wanted: str) -> str | None:
    if snapshot.offers_of(wanted):
        return wanted
    found = snapshot.vocabulary.model(wanted)
    return None if found is None else snapshot.vocabulary.model_of(found)


def _language(request: web.Request) -> str:
    """?lang= wins; else the first language the browser prefers."""
    asked = request.query.get("lang")
    if asked:
        return "zh" if asked.lower().startswith("zh") else "en"
    first = request.headers.get("Accept-Language", "").split(",")[0].strip().lower()
    return "zh" if first.startswith("zh") else "en"


def _bare(lang: str) -> BoardRequest:
    return BoardRequest(lang=lang)


def _url(path: str, query: Any, **changes: str | None) -> str:
    params = {k: v for k, v in query.items() if k not in changes}
    params.update({k: v for k, v in changes.items() if v is not None})
    params = {k: v for k, v in params.items() if v}
    return path + ("?" + urlencode(params) if params else "")


def _etag(version: tuple[int, ...], *parts: str) -> str:
    digest = hashlib.sha256(repr((version, parts)).encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def _not_modified(request: web.Request, etag: str) -> bool:
    given = request.headers.get("If-None-Match", "")
    return etag in [tag.strip() for tag in given.split(",")]


def _304(etag: str) -> web.Response:
    return web.Response(status=304, headers=_cache_headers(etag))


def _cache_headers(etag: str) -> dict[str, str]:
    return {"ETag": etag, "Cache-Control": f"public, max-age={MAX_AGE}"}


def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    cache[key] = value
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
