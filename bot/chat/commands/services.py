"""What command handlers use: the stores, the evaluators, the question engine.

Handlers are async; the stores are synchronous SQLAlchemy, so handlers reach
them through `db(...)`, which runs the call in a worker thread and keeps the
event loop (and every other chat) responsive.
"""

from __future__ import annotations

import asyncio
import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ParamSpec, Protocol, TypeVar

from bot.alerts.evaluate import AlertEvaluator, SavedQuestions
from bot.chat.charts import ChartPool
from bot.chat.context import Context
from bot.i18n import parse_language
from bot.messages import Reply
from storage import (
    ChatKey,
    ChatSettings,
    PriceStore,
    ScopeKind,
    SubscriptionStore,
    WorkspaceStore,
)

P = ParamSpec("P")
T = TypeVar("T")


async def db(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a store call off the event loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)


class Questions(Protocol):
    """The answers engine, as the command layer uses it."""

    def ask(
        self, text: str, *, chat: ChatSettings, now: datetime, language: str | None = None
    ) -> Reply:
        """Answer a question (or explain, with examples, why it cannot), in `language`
        ('en'/'zh'; None: the question's own language)."""
        ...

    def is_question(self, text: str, *, now: datetime) -> bool:
        """Does free text read as a price question?"""
        ...

    def watchable(self, question: str, *, now: datetime, language: str = "en") -> str | None:
        """Why a question cannot be a saved question, in `language`; None when it can."""
        ...


def chat_key(ctx: Context) -> ChatKey:
    """The store's name for the chat a request came from."""
    return ChatKey(str(ctx.chat.platform), ctx.chat.chat_id, ctx.chat.team_id or "")


def platform_language(ctx: Context) -> str | None:
    """The asker's language as their platform reports it ('en'/'zh'; None: unknown), for
    `touch_chat` to keep as the chat's platform language (what its alerts fall back to)."""
    return parse_language(ctx.language or "")


@dataclass(frozen=True, slots=True)
class Scope:
    """A resolved subscription scope and how to name it to people."""

    kind: ScopeKind
    value: str
    label: str


@dataclass
class Services:
    """Everything a handler may use. Built once by the composition root."""

    store: PriceStore
    subscriptions: SubscriptionStore
    evaluator: AlertEvaluator
    questions: Questions | None = None
    saved_questions: SavedQuestions | None = None
    # Filled in by the command layer, so /help can list every command.
    registry: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Workspace-wide settings (Slack): may everyone change a channel's alerts?
    workspaces: WorkspaceStore | None = None
    # Where /history draws its charts: threads apart from the database's, bounded.
    charts: ChartPool = field(default_factory=ChartPool)

    def names(self) -> tuple[dict[str, str], dict[str, str]]:
        """Vendor id → name and model id → display name, for describing subscriptions."""
        vendors = self.store.vendors()
        models = {m.model_id: m.display_name for m in self.store.models()}
        return vendors, models

    def resolve_scope(self, text: str) -> Scope | list[str]:
        """A vendor (by id or name) or a model (by id, alias or name); else suggestions."""
        wanted = " ".join(text.lower().split())
        if wanted in ("all", "everything", "*", "any", "anything", "all models", "全部"):
            return Scope(ScopeKind.ALL, "", "every model")
        vendors = self.store.vendors()
        for vendor_id, name in vendors.items():
            if wanted in (vendor_id, name.lower()):
                return Scope(ScopeKind.VENDOR, vendor_id, f"{name} (every model)")
        model_id = self.store.resolve_model(wanted)
        if model_id is not None:
            models = {m.model_id: m for m in self.store.models()}
            model = models.get(model_id)
            name = model.display_name if model else model_id
            vendor = vendors.get(model.vendor, model.vendor) if model else ""
            return Scope(ScopeKind.MODEL, model_id, f"{name} ({vendor})" if vendor else name)
        known = [*vendors, *(v.lower() for v in vendors.values())]
        known += [m.model_id for m in self.store.models()] + list(self.store.aliases())
        return difflib.get_close_matches(wanted, known, n=3, cutoff=0.6)
