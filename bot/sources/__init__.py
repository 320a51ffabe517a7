"""Price sources: each turns one feed into Quotes and knows nothing about the database.

`base` holds the Source contract, `ingest` the guards every source passes,
`poller` the scheduled refresh; one module per feed: `catalog`,
`genai_prices`, `litellm`, `openrouter`, `ecb`.
"""

from bot.sources.base import FeedError, FeedSource, NotModified, Rejected, Snapshot, Source
from bot.sources.catalog import BUNDLED_CATALOG, Catalog, CatalogError, load_catalog, parse_catalog
from bot.sources.ingest import Guards, IngestReport, ingest

__all__ = [
    "BUNDLED_CATALOG",
    "Catalog",
    "CatalogError",
    "FeedError",
    "FeedSource",
    "Guards",
    "IngestReport",
    "NotModified",
    "Rejected",
    "Snapshot",
    "Source",
    "ingest",
    "load_catalog",
    "parse_catalog",
]
