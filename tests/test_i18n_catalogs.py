"""The translation catalogs: every message the code marks has a Chinese translation
with the same placeholders, the template matches the code, and the catalogs ship."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import DOMAIN, LOCALE_DIR, translator

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
CHINESE_PO = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / f"{DOMAIN}.po"
# str.format fields ('{currency}', '{0}', '{time:%H:%M}') and named %-style ones
# ('%(name)s'); a bare '10%' in prose is not a placeholder.
_BRACE = re.compile(r"(?<!\{)\{([^{}:!]*)[^{}]*\}(?!\})")
_NAMED_PERCENT = re.compile(r"%\(([^)]+)\)[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]")


def placeholders(text: str) -> list[str]:
    return sorted(
        [f"{{{name}}}" for name in _BRACE.findall(text)]
        + [f"%({name})" for name in _NAMED_PERCENT.findall(text)]
    )


def _forms(value: str | Iterable[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def problems(catalog: Catalog) -> list[str]:
    """Messages with no translation, a fuzzy one, or placeholders other than the source's."""
    found = []
    for message in catalog:
        if not message.id:
            continue  # the header
        ids, strings = _forms(message.id), _forms(message.string or "")
        if message.fuzzy or not all(strings):
            found.append(f"not translated: {ids[0]!r}")
            continue
        wanted = placeholders(ids[-1])
        for string in strings:
            if placeholders(string) != wanted:
                found.append(f"placeholders differ: {ids[0]!r} → {string!r}")
    return found


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


def test_every_message_has_a_chinese_translation_with_the_same_placeholders() -> None:
    template, chinese = _read(TEMPLATE), _read(CHINESE_PO, "zh_Hans")
    missing = [m.id for m in template if m.id and m.id not in chinese]
    assert missing == [], "run pybabel update (docs/i18n.md), then translate"
    assert problems(chinese) == []
    # Babel's own checks, as `pybabel compile` runs them (e.g. a bare '%' read as a
    # %-placeholder the translation lacks).
    assert [(m.id, [str(e) for e in errors]) for m, errors in chinese.check()] == []


def test_the_check_catches_a_missing_translation_and_a_changed_placeholder() -> None:
    catalog = Catalog(locale="zh_Hans", domain=DOMAIN)
    catalog.add("Settings changed", "")
    catalog.add("Prices are shown in {currency}.", "价格将以 {货币} 显示。")
    catalog.add("Hello %(name)s", "你好 %(user)s")
    catalog.add("muted until {moment}", "暂停提醒至 {moment}")
    catalog[("{count} subscription", "{count} subscriptions")] = Message(
        ("{count} subscription", "{count} subscriptions"), ("{n} 个订阅",)
    )
    assert problems(catalog) == [
        "not translated: 'Settings changed'",
        "placeholders differ: 'Prices are shown in {currency}.' → '价格将以 {货币} 显示。'",
        "placeholders differ: 'Hello %(name)s' → '你好 %(user)s'",
        "placeholders differ: '{count} subscription' → '{n} 个订阅'",
    ]


def test_the_template_holds_every_message_the_code_marks() -> None:
    """A message marked in the code but not extracted would stay English in Chinese chats."""
    marked = {
        message
        for _, _, message, *_ in extract_from_dir(
            str(ROOT / "bot"),
            method_map=[("**.py", "python")],
            keywords={"_": None, "ngettext": (1, 2)},
        )
    }
    in_template = {m.id for m in _read(TEMPLATE) if m.id}
    stale = sorted(str(m) for m in marked ^ in_template)
    assert stale == [], "run pybabel extract and update (docs/i18n.md)"


def test_the_catalogs_ship_in_the_wheel() -> None:
    """pyproject's package data covers the .po files translator() reads."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        patterns = tomllib.load(handle)["tool"]["setuptools"]["package-data"]["bot"]
    catalogs = [p.relative_to(ROOT / "bot").as_posix() for p in LOCALE_DIR.rglob("*.po")]
    assert catalogs
    for path in catalogs:
        assert any(fnmatch.fnmatch(path, pattern) for pattern in patterns), path


@pytest.mark.parametrize(
    ("language", "expected"), [("zh", "设置已更改"), ("en", "Settings changed")]
)
def test_the_compiled_catalog_answers_in_the_language(language: str, expected: str) -> None:
    assert translator(language).gettext("Settings changed") == expected
