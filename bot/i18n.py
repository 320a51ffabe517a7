"""The languages pricebot speaks: gettext catalogs through Babel, and Babel's locales for
numbers, money and dates.

Messages are marked `_("…")` (or `ngettext`) in the code, extracted into
`bot/locale/pricebot.pot` and translated in `bot/locale/<locale>/LC_MESSAGES/pricebot.po`
(docs/i18n.md). A wheel's build compiles each `.po` into a `.mo` (setup.py); a checkout or
an editable install has only the `.po`, compiled in memory on first use, so there is no
compile step to forget while developing.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, get_currency_name

DOMAIN = "pricebot"
LOCALE_DIR = Path(__file__).parent / "locale"
ENGLISH = "en"
CHINESE = "zh"
LANGUAGES = (ENGLISH, CHINESE)
# Each language in its own words: what a chat sees on the button that switches to it.
LANGUAGE_NAMES = {ENGLISH: "English", CHINESE: "中文"}
# Our language code → the catalog's folder and Babel's locale for numbers and dates.
_CATALOGS = {CHINESE: "zh_Hans"}
_LOCALES = {ENGLISH: "en_US", CHINESE: "zh_Hans_CN"}
# What people type or platforms send for each language (`/settings language 中文`,
# Telegram's language_code 'zh-hans').
_NAMES = {
    ENGLISH: ("en", "english", "en-us", "en-gb", "英文", "英语", "英語"),
    CHINESE: (
        "zh",
        "zh-hans",
        "zh-cn",
        "zh-sg",
        "zh_hans",
        "zh_cn",
        "chinese",
        "中文",
        "汉语",
        "漢語",
        "简体中文",
        "简体",
        "普通话",
    ),
}
_BY_NAME = {name: code for code, names in _NAMES.items() for name in names}


def parse_language(text: str) -> str | None:
    """'zh', 'zh-Hans', 'Chinese', '中文' → 'zh'; 'en', 'English', '英文' → 'en'; else None."""
    return _BY_NAME.get(text.strip().lower())


def chat_language(chosen: str | None, asker: str | None = None) -> str:
    """The language to answer in: the chat's own choice (/settings language); else the
    asker's language as the platform reports it (Telegram's language_code, Slack's
    locale: 'zh-hans' → 'zh'); else English."""
    return known_language(chosen, asker) or ENGLISH


def known_language(chosen: str | None, asker: str | None = None) -> str | None:
    """`chat_language` without the English fallback: None when neither the chat nor the
    asker says, so a question's own language can decide (a Chinese question → Chinese)."""
    if chosen in LANGUAGES:
        return chosen
    return parse_language(asker or "")


@cache
def translator(language: str) -> gettext.NullTranslations:
    """The catalog for `language` ('en' or 'zh'); English is the source text itself."""
    folder = _CATALOGS.get(language)
    if folder is None:
        return gettext.NullTranslations()
    po = LOCALE_DIR / folder / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    # An installed wheel carries the .mo its build compiled (setup.py); a checkout has
    # only the .po, or a stale .mo from `pybabel compile` that an edit has overtaken.
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    return _compiled(po, folder)


def _compiled(po: Path, locale: str) -> gettext.GNUTranslations:
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=DOMAIN)
    mo = BytesIO()
    write_mo(mo, catalog)  # fuzzy entries stay out, as with msgfmt
    mo.seek(0)
    return gettext.GNUTranslations(mo)


def locale(language: str) -> Locale:
    """Babel's locale for numbers, money and dates ('zh' → zh_Hans_CN)."""
    return Locale.parse(_LOCALES.get(language, _LOCALES[ENGLISH]))


def money(amount: Decimal, currency: str, language: str) -> str:
    """'¥1.50' / '$0.14' / '€2.00' in the language's conventions."""
    return format_currency(amount, currency, locale=locale(language))


def currency_name(currency: str, language: str) -> str:
    """'CNY' → '人民币' in Chinese; the code itself in English (what people there type)."""
    if language == ENGLISH:
        return currency
    return f"{get_currency_name(currency, locale=locale(language))} ({currency})"


def moment(local: datetime, language: str) -> str:
    """A local time with its date, e.g. '2024年5月23日 18:00' in Chinese."""
    if language == ENGLISH:
        return f"{local:%Y-%m-%d %H:%M}"
    where = locale(language)
    return f"{format_date(local, 'long', locale=where)} {format_time(local, 'HH:mm', locale=where)}"


# Vendors' own Chinese names, as their consoles and price pages print them. Volcano
# Engine (火山引擎) is ByteDance's cloud, the one that sells Doubao.
VENDOR_NAMES_ZH = {
    "alibaba": "阿里云",
    "dashscope": "阿里云",
    "baidu": "百度智能云",
    "tencent": "腾讯云",
    "bytedance": "火山引擎",
    "zhipu": "智谱AI",
    "deepseek": "深度求索",
    "moonshot": "月之暗面",
    "minimax": "MiniMax",
    "baichuan": "百川智能",
    "iflytek": "科大讯飞",
}


def vendor_name(vendor_id: str, name: str, language: str) -> str:
    """A vendor as a reader of `language` knows it: 'alibaba', 'Alibaba Cloud' → '阿里云'
    in Chinese; `name` (the store's display name) otherwise."""
    if language == CHINESE:
        return VENDOR_NAMES_ZH.get(vendor_id, name)
    return name


def terminal_language(environ: Mapping[str, str]) -> str | None:
    """The console user's language from the POSIX locale, as gettext programs read it:
    the first of LANGUAGE, LC_ALL, LC_MESSAGES, LANG that is set ('zh_CN.UTF-8' → 'zh');
    None for C/POSIX or anything else we do not speak."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            # LANGUAGE may list several ('zh_CN:en'); the first is preferred.
            first = value.split(":", 1)[0].split(".", 1)[0].split("@", 1)[0]
            return parse_language(first.replace("_", "-")) or parse_language(first.split("_", 1)[0])
    return None
