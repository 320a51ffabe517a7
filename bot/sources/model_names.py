"""A model's name as pricebot writes it: the rules `identify` applies to the name part.

Each rule takes a name and says what it becomes and why (a step for `pricebot
models resolve`); `normalise` applies them until none changes the name, so a
model id is a fixed point of its own rules. Regexes are compiled once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from bot.sources.makers import KNOWN_MAKERS, MAKER_ALIASES, family
from bot.sources.sellers import is_reseller

_DIGIT_DOT = re.compile(r"(?<=\d)\.(?=\d)")
_DIGIT_P = re.compile(r"(?<=\d)p(?=\d)")
_YEAR, _MONTH, _DAY = r"(20\d\d)", r"(0[1-9]|1[0-2])", r"(0[1-9]|[12]\d|3[01])"
_DATED = (
    re.compile(rf"-{_YEAR}-{_MONTH}-{_DAY}$"),
    re.compile(rf"-{_YEAR}{_MONTH}{_DAY}$"),
)
_SHORT_DATED = (
    # ByteDance and Zhipu: -YYMMDD (doubao-seed-1-6-250615).
    re.compile(rf"-2[3-9]{_MONTH}{_DAY}$"),
    # OpenAI, DeepSeek, xAI: -MMDD (gpt-4-0613, deepseek-v3-0324). -2507 is not a month.
    re.compile(rf"-{_MONTH}{_DAY}$"),
)
_PREVIEW_DATED = re.compile(rf"-(preview|exp)-{_MONTH}-{_DAY}$")
_VARIANT = re.compile(r":(free|beta|thinking|extended|nitro|online|floor|exacto)$")
_HASH = re.compile(r":[0-9a-f]{16,}$")
_BEDROCK_VERSION = re.compile(r"(-v(\d+))?:(\d+)$")
_BEDROCK_PLAIN_VERSION = re.compile(r"-v\d+$")
_VERTEX_VERSION = re.compile(r"@([a-z0-9-]+)$")
_LLAMA = re.compile(r"^llama-?v?(\d)")
_QWEN = re.compile(r"^qwen-(\d)")
_CLAUDE_ORDER = re.compile(r"^claude-(\d+)(-\d+)?-(opus|sonnet|haiku)(?=$|-)")
_CLAUDE_ZERO = re.compile(r"^claude-(opus|sonnet|haiku)-(\d+)-0(?=$|-)")
_MAKER_WORD = re.compile(r"^([a-z0-9]+)-(.+)$")


def bedrock_api_version(name: str, steps: list[str]) -> str:
    """The name without Bedrock's API version (claude-opus-4-6-v1 → claude-opus-4-6).

    Only when the rest carries a version of its own: titan-text-express-v1 keeps its -v1.
    """
    version = _BEDROCK_PLAIN_VERSION.search(name)
    if version is None or not re.search(r"\d", name[: version.start()]):
        return name
    steps.append(f"version suffix '{version[0]}' dropped")
    return name[: version.start()]


def snapshot_date(name: str) -> date | None:
    """The date a dated snapshot's name carries (`o3-2025-04-16`, `…-20240620`), or None."""
    clean = name.strip().lower()
    for pattern in _DATED:
        match = pattern.search(clean)
        if match:
            try:
                return date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:  # 2025-02-30: no such day
                return None
    return None


Rule = Callable[[str, str], tuple[str, str] | None]


def _variant(name: str, vendor: str) -> tuple[str, str] | None:
    if ":" not in name:
        return None
    match = _VARIANT.search(name) or _HASH.search(name)
    if match is None:
        return None
    return name[: match.start()], f"variant '{match[0]}' dropped: an option of the same model"


def _bedrock_version(name: str, vendor: str) -> tuple[str, str] | None:
    if ":" not in name:
        return None
    match = _BEDROCK_VERSION.search(name)
    if match is None:
        return None
    rest, version, minor = name[: match.start()], match[2], match[3]
    if version is None or int(version) == 1 or re.search(r"\d", rest):
        return rest, f"version suffix '{match[0]}' dropped"
    # titan-embed-text-v2:0: the -v2 is the model's own version (v1 is another model).
    kept = f"{rest}-v{version}" + ("" if minor == "0" else f"-{minor}")
    return kept, f"version suffix ':{minor}' dropped"


def _vertex_version(name: str, vendor: str) -> tuple[str, str] | None:
    if "@" not in name:
        return None
    match = _VERTEX_VERSION.search(name)
    if match is None:
        return None
    rest, version = name[: match.start()], match[1]
    if re.fullmatch(rf"{_YEAR}{_MONTH}{_DAY}", version):
        return rest, f"dated snapshot '@{version}' is a snapshot of {rest}"
    yymm = re.fullmatch(r"(\d{4})(?:-\d+)?", version)
    if yymm and not re.fullmatch(rf"{_MONTH}{_DAY}", yymm[1]):
        # Vertex spells Mistral's versions as @2407: mistral-large@2407 is mistral-large-2407.
        return f"{rest}-{yymm[1]}", f"Vertex version '@{version}' is Mistral's '-{yymm[1]}'"
    return rest, f"Vertex version '@{version}' dropped"


def _latest(name: str, vendor: str) -> tuple[str, str] | None:
    if not name.endswith("-latest"):
        return None
    rest = name[: -len("-latest")]
    return rest, f"'-latest' points at {rest}: an offer of it"


def _dated(name: str, vendor: str) -> tuple[str, str] | None:
    if not name[-1:].isdigit():
        return None
    for pattern in (*_DATED, *_SHORT_DATED):
        match = pattern.search(name)
        if match and match.start() > 0:
            rest = name[: match.start()]
            return rest, f"dated snapshot '{match[0]}' is a snapshot of {rest}"
    match = _PREVIEW_DATED.search(name)
    if match:
        rest = name[: match.start()] + f"-{match[1]}"
        return rest, f"dated snapshot '{match[0][len(match[1]) + 1 :]}' dropped"
    return None


def _digits(name: str, vendor: str) -> tuple[str, str] | None:
    changed = _DIGIT_DOT.sub("-", name) if "." in name else name
    if vendor == "fireworks":
        changed = _DIGIT_P.sub("-", changed)  # Fireworks writes 3.1 as 3p1
    if changed == name:
        return None
    return changed, "dots between digits → hyphens"


def _spelling(name: str, vendor: str) -> tuple[str, str] | None:
    if not name.startswith(("llama", "qwen-", "claude-")):
        return None
    changed = _LLAMA.sub(r"llama-\1", name, count=1)
    changed = _QWEN.sub(r"qwen\1", changed, count=1)
    order = _CLAUDE_ORDER.match(changed)
    if order and int(order[1]) >= 4:
        changed = f"claude-{order[3]}-{order[1]}{order[2] or ''}" + changed[order.end() :]
    changed = _CLAUDE_ZERO.sub(r"claude-\1-\2", changed, count=1)
    if changed == name:
        return None
    return changed, f"maker's spelling: {changed}"


def _maker_word(name: str, vendor: str) -> tuple[str, str] | None:
    """`meta-llama-3-…` → `llama-3-…`: a maker's name before its own family's name."""
    match = _MAKER_WORD.match(name)
    if match is None:
        return None
    word, rest = match.groups()
    if word == vendor.replace("_", "-") and is_reseller(vendor):
        return rest, f"seller's name '{word}-' dropped"
    maker = MAKER_ALIASES.get(word) or (word if word in KNOWN_MAKERS else None)
    if maker is None or family(rest) != maker:
        return None
    return rest, f"maker's name '{word}-' dropped"


_RULES: tuple[Rule, ...] = (
    _variant,
    _bedrock_version,
    _vertex_version,
    _latest,
    _dated,
    _digits,
    _spelling,
    _maker_word,
)


def normalise(name: str, vendor: str, steps: list[str]) -> str:
    """The model's name: every rule applied until none changes it (so ids are fixed points)."""
    for _ in range(12):
        changed = False
        for rule in _RULES:
            result = rule(name, vendor)
            if result is not None and result[0] and result[0] != name:
                name = result[0]
                steps.append(result[1])
                changed = True
        if not changed:
            break
    return name
