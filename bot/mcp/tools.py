"""What agents can ask, as plain methods: the MCP server's tools without the protocol.

Each method answers from the same snapshot and the same wording as the chat does, and
returns an `AgentAnswer`: the reply's text for models that read text, and its
machine-readable content (amounts as exact decimal strings with their currency, the
as-of moment, FX rates with their dates, sellers and sources). Bad arguments raise
`Refused` with a hint and examples; nothing here writes to the store.

The methods are synchronous (they read the store); the server runs them in a thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.answers import (
    BLENDED_RATIO,
    FREE_CONFIRM_DAYS,
    Defaults,
    Mix,
    MixSource,
    PriceSnapshot,
    Query,
    QueryKind,
    SellerChoice,
    SnapshotCache,
    answer,
    end_of_day,
    parse_question,
)
from bot.chat.render import render_json, render_text
from bot.event_data import event_data, point_data
from bot.i18n import LANGUAGES
from bot.messages import Reply
from storage import PriceStore
from storage.values import EventType, PriceKind, utc_now

MAX_TOKENS = 10**12
MAX_TOP = 50
MAX_COMPARE = 5
MAX_EVENTS = 200
MAX_QUESTION = 500
# Answers are about recorded prices; a scheduled change can be known a year ahead at most.
FUTURE_LIMIT = timedelta(days=366)
EARLIEST = date(2020, 1, 1)
CURRENCIES = ("USD", "CNY", "EUR")
EVENT_TYPES = tuple(t.value for t in EventType)


class Refused(Exception):
    """Arguments pricebot cannot answer: one reason, and calls that work."""

    def __init__(self, reason: str, examples: Sequence[str] = ()) -> None:
        self.reason = reason
        self.examples = tuple(examples)
        text = reason
        if self.examples:
            text += " Try: " + "; ".join(self.examples)
        super().__init__(text)


@dataclass(frozen=True, slots=True)
class AgentAnswer:
    """A tool's result: text for reading, data for programs."""

    text: str
    data: dict[str, Any]


class PriceTools:
    """The read-only questions an agent may ask, answered like the chat answers them."""

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

    # --- questions in words -------------------------------------------------------

    def ask(
        self,
        question: str,
        currency: str | None = None,
        as_of: date | None = None,
        language: str | None = None,
    ) -> AgentAnswer:
        """Any question the chat answers, English or Chinese, answered the same way: the
        text in `language` ('en' or 'zh'; default the question's own), the data the same
        in both."""
        if language is not None and language not in LANGUAGES:
            raise Refused(
                f"language is one of {', '.join(LANGUAGES)}, not {language!r}.",
                ('ask question="cheapest for 1M tokens?" language="zh"',),
            )
        question = question.strip()
        if not question:
            raise Refused("The question is empty.", ('ask "cheapest for 1M tokens?"',))
        if len(question) > MAX_QUESTION:
            raise Refused(f"The question is longer than {MAX_QUESTION} characters.")
        now = self.clock()
        when = self._as_of(as_of, now)
        current = self.cache.now(now)
        defaults = Defaults(
            currency=self._currency(currency),
            as_of=when,
            free_confirm_days=self.free_confirm_days,
            language=language,
        )
        parsed = parse_question(question, current.vocabulary, defaults)
        if not isinstance(parsed, Query):
            # The reason names its suggestions already (in its language); else name them.
            named = all(s in parsed.reason for s in parsed.suggestions)
            hint = f" Did you mean {', '.join(parsed.suggestions)}?" if not named else ""
            raise Refused(parsed.reason + hint, [f'ask "{e}"' for e in parsed.examples])
        return self._answer(parsed, now)

    # --- typed questions ----------------------------------------------------------

    def cheapest(
        self,
        *,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        top: int = 5,
        min_context: int | None = None,
        vendors: Sequence[str] = (),
        direct_only: bool = False,
        via: Sequence[str] = (),
        currency: str | None = None,
        as_of: date | None = None,
    ) -> AgentAnswer:
        """The cheapest models for a mix of input and output tokens."""
        if not 1 <= top <= MAX_TOP:
            raise Refused(f"top must be 1 to {MAX_TOP}.", ("cheapest top=10",))
        if min_context is not None and not 0 < min_context <= MAX_TOKENS:
            raise Refused("min_context is a number of tokens, e.g. 128000.")
        now = self.clock()
        snapshot = self.cache.now(now)
        query = Query(
            kind=QueryKind.CHEAPEST,
            text="cheapest",
            mix=self._mix(input_tokens, output_tokens),
            currency=self._currency(currency) or "USD",
            currency_source="asked" if currency else "default",
            as_of=self._as_of(as_of, now),
            top=top,
            min_context=min_context,
            vendors=self._vendors(vendors, snapshot),
            **self._sellers(direct_only, via, snapshot),
            free_confirm_days=self.free_confirm_days,
        )
        return self._answer(query, now)

    def price(
        self, model: str, *, currency: str | None = None, as_of: date | None = None
    ) -> AgentAnswer:
        """One model's prices per 1M tokens: input, output, cached, long-prompt tiers."""
        return self._about(QueryKind.PRICE, [model], None, None, currency, as_of)

    def cost(
        self,
        models: Sequence[str],
        *,
        input_tokens: int,
        output_tokens: int,
        currency: str | None = None,
        as_of: date | None = None,
    ) -> AgentAnswer:
        """What a number of input and output tokens costs on each model."""
        if not models or len(models) > MAX_COMPARE:
            raise Refused(f"Name 1 to {MAX_COMPARE} models.", ('cost models=["deepseek-chat"]',))
        return self._about(QueryKind.COST, models, input_tokens, output_tokens, currency, as_of)

    def compare(
        self,
        models: Sequence[str],
        *,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        currency: str | None = None,
        as_of: date | None = None,
    ) -> AgentAnswer:
        """Two to five models side by side for one mix, cheapest first."""
        if not 2 <= len(models) <= MAX_COMPARE:
            raise Refused(
                f"Compare takes 2 to {MAX_COMPARE} models.",
                ('compare models=["gpt-4o", "claude-sonnet-4-5"]',),
            )
        return self._about(QueryKind.COMPARE, models, input_tokens, output_tokens, currency, as_of)

    def free(self, *, as_of: date | None = None) -> AgentAnswer:
        """What is free now (or on a date); unknown prices are never counted as free."""
        now = self.clock()
        query = Query(
            kind=QueryKind.FREE,
            text="free",
            mix=self._mix(None, None),
            currency="USD",
            as_of=self._as_of(as_of, now),
            free_confirm_days=self.free_confirm_days,
        )
        return self._answer(query, now)

    # --- the record ---------------------------------------------------------------

    def history(self, model: str) -> AgentAnswer:
        """Every dated price recorded for a model, and the changes derived from them."""
        now = self.clock()
        snapshot = self.cache.now(now)
        model_id = self._model(model, snapshot)
        points = self.store.history(model_id)
        events = self.store.events_for(model_id)
        name = snapshot.model_name(model_id)
        lines = [f"{name} ({model_id}): {len(points)} prices recorded, {len(events)} changes."]
        lines += [_event_line(e) for e in event_data_list(events)]
        return AgentAnswer(
            "\n".join(lines),
            {
                "model": model_id,
                "name": name,
                "prices": [point_data(p) for p in points],
                "events": event_data_list(events),
            },
        )

    def recent_changes(
        self,
        *,
        since: date | None = None,
        after_id: int = 0,
        vendors: Sequence[str] = (),
        types: Sequence[str] = (),
        limit: int = 20,
    ) -> AgentAnswer:
        """Price events (cuts, increases, free, new models …), newest first."""
        if not 1 <= limit <= MAX_EVENTS:
            raise Refused(f"limit must be 1 to {MAX_EVENTS}.")
        if after_id < 0:
            raise Refused("after_id is an event id (0 or more).")
        unknown = [t for t in types if t not in EVENT_TYPES]
        if unknown:
            raise Refused(
                f"Unknown event type {unknown[0]!r}; types are {', '.join(EVENT_TYPES)}.",
                ('recent_changes types=["cut", "free"]',),
            )
        now = self.clock()
        start = None
        if since is not None:
            self._check_date(since, now, "since")
            start = datetime.combine(since, datetime.min.time(), tzinfo=UTC)
        snapshot = self.cache.now(now)
        wanted = sorted(self._vendors(vendors, snapshot))
        found = self.store.events_since(
            after_id=after_id, since=start, vendors=wanted, types=types, limit=limit
        )
        items = event_data_list(found)
        title = f"{len(items)} price changes" + (f" since {since}" if since else "")
        text = "\n".join([title, *(_event_line(e) for e in items)])
        return AgentAnswer(text, {"since": since.isoformat() if since else None, "events": items})

    # --- the parts ----------------------------------------------------------------

    def _about(
        self,
        kind: QueryKind,
        models: Sequence[str],
        input_tokens: int | None,
        output_tokens: int | None,
        currency: str | None,
        as_of: date | None,
    ) -> AgentAnswer:
        now = self.clock()
        snapshot = self.cache.now(now)
        ids = tuple(dict.fromkeys(self._model(m, snapshot) for m in models))
        if kind is QueryKind.COMPARE and len(ids) < 2:
            raise Refused("Those names are one model; compare needs two different ones.")
        query = Query(
            kind=kind,
            text=f"{kind.value} {' '.join(ids)}",
            mix=self._mix(input_tokens, output_tokens),
            currency=self._currency(currency) or "USD",
            currency_source="asked" if currency else "default",
            as_of=self._as_of(as_of, now),
            models=ids,
            free_confirm_days=self.free_confirm_days,
        )
        return self._answer(query, now)

    def _answer(self, query: Query, now: datetime) -> AgentAnswer:
        snapshot = self.cache.for_query(query, now=now)
        latest = self.cache.now(now) if query.as_of is not None else None
        reply = answer(query, snapshot, latest=latest)
        self.cache.used(query)
        return _agent_answer(reply, snapshot)

    def _model(self, name: str, snapshot: PriceSnapshot) -> str:
        found = snapshot.vocabulary.model(name.strip())
        if found is not None:
            return snapshot.vocabulary.model_of(found)
        near = snapshot.vocabulary.suggest_models(name)
        hint = f" Nearest names: {', '.join(near)}." if near else ""
        examples = [f'price model="{n}"' for n in near[:2]] or ['price model="qwen-long"']
        raise Refused(f"pricebot knows no model called {name!r}.{hint}", examples)

    def _vendors(self, names: Sequence[str], snapshot: PriceSnapshot) -> frozenset[str]:
        found = set()
        for name in names:
            vendor = snapshot.vocabulary.vendor(name.strip())
            if vendor is None:
                near = snapshot.vocabulary.suggest_vendors(name)
                hint = f" Nearest: {', '.join(near)}." if near else ""
                raise Refused(f"pricebot knows no vendor called {name!r}.{hint}")
            found.add(vendor)
        return frozenset(found)

    def _sellers(
        self, direct_only: bool, via: Sequence[str], snapshot: PriceSnapshot
    ) -> dict[str, Any]:
        if direct_only and via:
            raise Refused("Choose direct_only or via, not both.")
        if direct_only:
            return {"sellers": SellerChoice.DIRECT}
        if via:
            return {"sellers": SellerChoice.VIA, "via": self._vendors(via, snapshot)}
        return {"sellers": SellerChoice.DEFAULT}

    @staticmethod
    def _mix(input_tokens: int | None, output_tokens: int | None) -> Mix:
        if input_tokens is None and output_tokens is None:
            return Mix.split(1_000_000, BLENDED_RATIO, MixSource.DEFAULT)
        tokens_in, tokens_out = input_tokens or 0, output_tokens or 0
        if not (0 <= tokens_in <= MAX_TOKENS and 0 <= tokens_out <= MAX_TOKENS):
            raise Refused(
                f"Token counts are 0 to {MAX_TOKENS:,}.",
                ("input_tokens=1000000 output_tokens=200000",),
            )
        if tokens_in + tokens_out == 0:
            raise Refused("Ask about at least one token.", ("input_tokens=1000000",))
        return Mix(tokens_in, tokens_out, MixSource.ASKED)

    @staticmethod
    def _currency(currency: str | None) -> str | None:
        if currency is None:
            return None
        code = currency.strip().upper()
        if code not in CURRENCIES:
            raise Refused(f"Currency {currency!r} is not one of {', '.join(CURRENCIES)}.")
        return code

    def _as_of(self, day: date | None, now: datetime) -> datetime | None:
        if day is None:
            return None
        self._check_date(day, now, "as_of")
        return end_of_day(day)

    @staticmethod
    def _check_date(day: date, now: datetime, what: str) -> None:
        latest = (now + FUTURE_LIMIT).date()
        if not EARLIEST <= day <= latest:
            raise Refused(
                f"{what} must be between {EARLIEST} and {latest}.", (f'{what}="2024-05-22"',)
            )


def event_data_list(events: Sequence[Any]) -> list[dict[str, Any]]:
    return [event_data(e) for e in events]


def _event_line(e: dict[str, Any]) -> str:
    change = ""
    if e["old"] and e["new"]:
        change = (
            f" {e['old']['amount']} {e['old']['currency']} → "
            f"{e['new']['amount']} {e['new']['currency']}"
        )
    elif e["new"]:
        change = f" {e['new']['amount']} {e['new']['currency']}"
    percent = f" ({e['percent']}%)" if e["percent"] else ""
    kind = f" {e['kind']}" if e["kind"] else ""
    return f"#{e['id']} {e['effective'][:10]} {e['type']} {e['model']}{kind}{change}{percent}"


def _agent_answer(reply: Reply, snapshot: PriceSnapshot) -> AgentAnswer:
    plain = render_json(reply)
    data = dict(reply.data)
    # Each row names the source of its offer's figures (a feed, a catalog, an admin),
    # which the chat's text leaves to `prices show`; an agent citing a price needs it.
    for key in ("ranked", "costs", "free_now"):
        rows = data.get(key)
        if isinstance(rows, list):
            data[key] = [_sourced(row, snapshot) for row in rows]
    data["title"] = plain["title"]
    data["notes"] = plain["footnotes"]
    return AgentAnswer(render_text(reply), data)


def _sourced(row: Any, snapshot: PriceSnapshot) -> Any:
    if not isinstance(row, dict) or not isinstance(row.get("offer"), str):
        return row
    offer = snapshot.model(row["offer"])
    if offer is None:
        return row
    points = [offer.prices.get((kind, 0)) for kind in (PriceKind.INPUT, PriceKind.OUTPUT)]
    sources = sorted({p.source for p in points if p is not None})
    refs = sorted({p.source_ref for p in points if p is not None and p.source_ref})
    return {**row, "sources": sources, "source_refs": refs}
