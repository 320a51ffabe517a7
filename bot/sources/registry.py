"""The sources pricebot knows, configured from settings: the one place that names them all."""

from __future__ import annotations

from datetime import timedelta

from bot.settings import SOURCE_NAMES, Settings
from bot.sources import catalog, ecb, genai_prices, litellm, openrouter
from bot.sources.base import Source
from bot.sources.guards import Guards
from storage.source_listings import DelistRule


def build_sources(settings: Settings) -> dict[str, Source]:
    """Every known source, pointed where the settings say (enabled or not)."""
    built: dict[str, Source] = {
        "catalog": catalog.source(settings.catalog_file),
        "genai-prices": genai_prices.source(settings.genai_prices_url),
        "litellm": litellm.source(settings.litellm_url),
        "openrouter": openrouter.source(settings.openrouter_url),
        "ecb": ecb.source(settings.ecb_url),
    }
    assert tuple(built) == SOURCE_NAMES
    return built


def intervals(settings: Settings) -> dict[str, timedelta]:
    """How often each source is polled."""
    return {
        "catalog": timedelta(minutes=settings.catalog_interval_minutes),
        "genai-prices": timedelta(minutes=settings.genai_prices_interval_minutes),
        "litellm": timedelta(minutes=settings.litellm_interval_minutes),
        "openrouter": timedelta(minutes=settings.openrouter_interval_minutes),
        "ecb": timedelta(minutes=settings.ecb_interval_minutes),
    }


def guards(settings: Settings) -> Guards:
    """The ingest guards' thresholds."""
    return Guards(
        max_vanished_share=settings.sources_max_vanished_share,
        max_changed_share=settings.sources_max_changed_share,
        alarming_cut_percent=settings.sources_alarming_cut_percent,
        news_horizon=timedelta(days=settings.sources_news_horizon_days),
        confirm_after=timedelta(minutes=settings.sources_confirm_after_minutes),
        cumulative_window=timedelta(days=settings.sources_cumulative_window_days),
        placeholder_usd=settings.sources_placeholder_usd,
        far_below=settings.sources_far_below_ratio,
        delist=DelistRule(
            snapshots=settings.sources_delist_after_snapshots,
            after=timedelta(days=settings.sources_delist_after_days),
        ),
    )
