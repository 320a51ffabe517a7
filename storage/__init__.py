"""pricebot's price store: exact, dated prices per 1M tokens, and the events they imply.

`storage` never imports `bot`.
"""

from storage.db import StoreUnavailable, check_connection, make_engine, pending_migrations, upgrade
from storage.fx import Conversion, FxRate, NoRateError, convert
from storage.money import CURRENCIES, Money, MoneyError, Unit, format_money, parse_amount
from storage.price_store import ModelInfo, PriceStore, RecordPreview
from storage.source_state import (
    HeldSnapshot,
    PendingConfirmation,
    SourceOutcome,
    SourceState,
    SourceStatus,
)
from storage.values import (
    EventType,
    FreeOffer,
    ModelPrices,
    Price,
    PriceEvent,
    PriceKind,
    PricePoint,
    Quote,
    tier_label,
)

__all__ = [
    "CURRENCIES",
    "Conversion",
    "EventType",
    "FreeOffer",
    "FxRate",
    "HeldSnapshot",
    "ModelInfo",
    "ModelPrices",
    "Money",
    "MoneyError",
    "NoRateError",
    "PendingConfirmation",
    "Price",
    "PriceEvent",
    "PriceKind",
    "PricePoint",
    "PriceStore",
    "Quote",
    "RecordPreview",
    "SourceOutcome",
    "SourceState",
    "SourceStatus",
    "StoreUnavailable",
    "Unit",
    "check_connection",
    "convert",
    "format_money",
    "make_engine",
    "parse_amount",
    "pending_migrations",
    "tier_label",
    "upgrade",
]
