"""Price sources: each turns one feed into Quotes and knows nothing about the database."""

from bot.sources.catalog import BUNDLED_CATALOG, Catalog, CatalogError, load_catalog, parse_catalog

__all__ = ["BUNDLED_CATALOG", "Catalog", "CatalogError", "load_catalog", "parse_catalog"]
