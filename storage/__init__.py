"""pricebot's price store: exact, dated prices per 1M tokens, and the events they imply.

`storage` never imports `bot`.

The names below load their module on first use (PEP 562), so `from storage import
Money` does not import SQLAlchemy, Alembic and every table: a CLI command pays only
for what it uses (`pricebot --help` imports none of it).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage.alert_matching import AlertMatcher
    from storage.alert_values import (
        AlertItem,
        Basis,
        ChatKey,
        ChatSettings,
        ClaimedDelivery,
        DeliveryRecord,
        DeliveryStatus,
        FanoutResult,
        Mode,
        QuestionOutcome,
        QuietMode,
        ScopeKind,
        Subscription,
        SubscriptionKind,
        SubscriptionSpec,
        TargetOutcome,
    )
    from storage.db import (
        StoreUnavailable,
        check_connection,
        make_engine,
        pending_migrations,
        upgrade,
    )
    from storage.deliveries import DeliveryStore, Outcome
    from storage.fx import Conversion, FxRate, NoRateError, convert
    from storage.money import CURRENCIES, Money, MoneyError, Unit, format_money, parse_amount
    from storage.price_store import PriceStore, RecordPreview
    from storage.slack import SlackStore
    from storage.source_listings import Listing
    from storage.source_state import SourceState
    from storage.source_values import (
        HeldSnapshot,
        LeftOut,
        PendingConfirmation,
        SourceOutcome,
        SourceStatus,
    )
    from storage.subscriptions import SubscriptionStore
    from storage.values import (
        DateBasis,
        EventType,
        FirstSeen,
        FreeOffer,
        ModelInfo,
        ModelPrices,
        Price,
        PriceEvent,
        PriceKind,
        PricePoint,
        Quote,
        launch_prices,
        tier_label,
    )
    from storage.workspaces import WorkspaceStore

_WHERE = {
    "AlertMatcher": "storage.alert_matching",
    "AlertItem": "storage.alert_values",
    "Basis": "storage.alert_values",
    "ChatKey": "storage.alert_values",
    "ChatSettings": "storage.alert_values",
    "ClaimedDelivery": "storage.alert_values",
    "DeliveryRecord": "storage.alert_values",
    "DeliveryStatus": "storage.alert_values",
    "FanoutResult": "storage.alert_values",
    "Mode": "storage.alert_values",
    "QuestionOutcome": "storage.alert_values",
    "QuietMode": "storage.alert_values",
    "ScopeKind": "storage.alert_values",
    "Subscription": "storage.alert_values",
    "SubscriptionKind": "storage.alert_values",
    "SubscriptionSpec": "storage.alert_values",
    "TargetOutcome": "storage.alert_values",
    "StoreUnavailable": "storage.db",
    "check_connection": "storage.db",
    "make_engine": "storage.db",
    "pending_migrations": "storage.db",
    "upgrade": "storage.db",
    "DeliveryStore": "storage.deliveries",
    "Outcome": "storage.deliveries",
    "Conversion": "storage.fx",
    "FxRate": "storage.fx",
    "NoRateError": "storage.fx",
    "convert": "storage.fx",
    "CURRENCIES": "storage.money",
    "Money": "storage.money",
    "MoneyError": "storage.money",
    "Unit": "storage.money",
    "format_money": "storage.money",
    "parse_amount": "storage.money",
    "FirstSeen": "storage.values",
    "ModelInfo": "storage.values",
    "PriceStore": "storage.price_store",
    "RecordPreview": "storage.price_store",
    "SlackStore": "storage.slack",
    "Listing": "storage.source_listings",
    "HeldSnapshot": "storage.source_values",
    "LeftOut": "storage.source_values",
    "PendingConfirmation": "storage.source_values",
    "SourceOutcome": "storage.source_values",
    "SourceState": "storage.source_state",
    "SourceStatus": "storage.source_values",
    "SubscriptionStore": "storage.subscriptions",
    "DateBasis": "storage.values",
    "EventType": "storage.values",
    "FreeOffer": "storage.values",
    "ModelPrices": "storage.values",
    "Price": "storage.values",
    "PriceEvent": "storage.values",
    "PriceKind": "storage.values",
    "PricePoint": "storage.values",
    "Quote": "storage.values",
    "launch_prices": "storage.values",
    "tier_label": "storage.values",
    "WorkspaceStore": "storage.workspaces",
}

__all__ = [
    "CURRENCIES",
    "AlertItem",
    "AlertMatcher",
    "Basis",
    "ChatKey",
    "ChatSettings",
    "ClaimedDelivery",
    "Conversion",
    "DateBasis",
    "DeliveryRecord",
    "DeliveryStatus",
    "DeliveryStore",
    "EventType",
    "FanoutResult",
    "FirstSeen",
    "FreeOffer",
    "FxRate",
    "HeldSnapshot",
    "LeftOut",
    "Listing",
    "Mode",
    "ModelInfo",
    "ModelPrices",
    "Money",
    "MoneyError",
    "NoRateError",
    "Outcome",
    "PendingConfirmation",
    "Price",
    "PriceEvent",
    "PriceKind",
    "PricePoint",
    "PriceStore",
    "QuestionOutcome",
    "QuietMode",
    "Quote",
    "RecordPreview",
    "ScopeKind",
    "SlackStore",
    "SourceOutcome",
    "SourceState",
    "SourceStatus",
    "StoreUnavailable",
    "Subscription",
    "SubscriptionKind",
    "SubscriptionSpec",
    "SubscriptionStore",
    "TargetOutcome",
    "Unit",
    "WorkspaceStore",
    "check_connection",
    "convert",
    "format_money",
    "launch_prices",
    "make_engine",
    "parse_amount",
    "pending_migrations",
    "tier_label",
    "upgrade",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'storage' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next look-up is a plain attribute
    return value


def __dir__() -> list[str]:
    return [*globals(), *_WHERE]
