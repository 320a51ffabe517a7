"""pricebot's price store: exact, dated prices per 1M tokens, and the events they imply.

`storage` never imports `bot`.
"""

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
from storage.db import StoreUnavailable, check_connection, make_engine, pending_migrations, upgrade
from storage.deliveries import DeliveryStore, Outcome
from storage.fx import Conversion, FxRate, NoRateError, convert
from storage.money import CURRENCIES, Money, MoneyError, Unit, format_money, parse_amount
from storage.price_store import FirstSeen, ModelInfo, PriceStore, RecordPreview
from storage.slack import SlackStore
from storage.source_listings import Listing
from storage.source_state import (
    HeldSnapshot,
    LeftOut,
    PendingConfirmation,
    SourceOutcome,
    SourceState,
    SourceStatus,
)
from storage.subscriptions import SubscriptionStore
from storage.values import (
    DateBasis,
    EventType,
    FreeOffer,
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
