"""The board's own words, through the message catalogs like everything else pricebot
says (answers keep their own)."""

from __future__ import annotations

from bot.i18n import CHINESE, ENGLISH, LANGUAGE_NAMES, translator


def labels(lang: str) -> dict[str, str]:
    """The board's words in `lang` ('zh' or English), by the key the templates use."""
    language = CHINESE if lang == CHINESE else ENGLISH
    _ = translator(language).gettext
    return {
        "title": _("LLM API prices"),
        "subtitle": _("Per 1M tokens, from the makers and the sellers that resell them."),
        "ask": _("Ask"),
        "ask_placeholder": _("cheapest for 1M tokens with 128k context"),
        "model": _("Model"),
        "seller": _("Seller"),
        "input": _("Input / 1M"),
        "output": _("Output / 1M"),
        "blended": _("1M tokens (3:1)"),
        "context": _("Context"),
        "since": _("Since"),
        "vendor": _("Vendor"),
        "min_context": _("Min. context"),
        "currency": _("Currency"),
        "as_of": _("As of"),
        "show": _("Show"),
        "free_now": _("Free now"),
        "as_of_line": _("As of {as_of} · prices in {currency} · {total} paid models"),
        "page": _("Page {page} of {pages}"),
        "previous": _("Previous"),
        "next": _("Next"),
        "offers": _("Offers"),
        "history": _("Price history"),
        "events": _("Changes"),
        "no_events": _("No changes recorded."),
        "cached_input": _("Cached input / 1M"),
        "free": _("Free"),
        "feed": _("Atom feed of price changes"),
        "other_seller": _("+1 other seller"),
        "other_sellers": _("+{n} other sellers"),
        "back": _("All prices"),
        "blended_note": _("1M tokens (3:1) = 750K input + 250K output tokens, the usual blend."),
        # The switch to the other language, named in its own words.
        "language": LANGUAGE_NAMES[ENGLISH if language == CHINESE else CHINESE],
    }
