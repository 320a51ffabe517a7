"""The names a question may use: models, offers, sellers and makers; "did you mean".

Public:
- `Vocabulary(offers, aliases, vendors)`: built once per price snapshot from the store's
  `models()` (every offer, with the model it sells), `aliases()` and `vendors()` (plain
  values; no I/O here);
- `.model(phrase)`: what a phrase names — a model (`anthropic/claude-opus-4-6`) or, for a
  full offer id (`vertex/claude-opus-4-6`), that offer — or None; `.ambiguous(phrase)`;
- `.is_offer(name)`: whether a resolved name is one offer rather than a model;
- `.suggest_models(phrase)` / `.suggest_vendors(phrase)`: "did you mean" candidates
  (difflib over a trigram-filtered shortlist, so it stays fast with thousands of names);
- `.vendor(phrase)`, `.vendor_pattern`, `.cjk_model_pattern`: for the parser;
- `.label(name)`: 'Qwen-Long (alibaba/qwen-long)'; `.candidate(name)`: with its maker;
  `.short(name)`: 'qwen-long'; `.name(name)`: 'Qwen-Long';
- `CHINESE_VENDORS`: vendor ids counted as Chinese for "chinese vendors".

A model is named by its id (`maker/model`), its bare name (`claude-opus-4-6`), the
display names of its offers, the bare names of its offers (`vertex/claude-opus-4-6` →
`claude-opus-4-6`) and aliases; a full offer id names that one offer. Names are compared
"squashed": NFKC, lower-case, without spaces, hyphens, underscores and dots between
digits, so `claude-opus-4.6`, `Claude Opus 4.6` and `claude-opus-4-6` are one name.
A name that fits several models is ambiguous: the parser answers with the candidates.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from bot.answers.modes import ANSWERING_MODES

# Vendor ids treated as Chinese ("chinese vendors", "国产"). The store keeps no country, so
# the list lives here; a vendor missing from it is simply not counted as Chinese.
CHINESE_VENDORS: frozenset[str] = frozenset(
    {
        "alibaba",
        "baichuan",
        "baidu",
        "bytedance",
        "dashscope",
        "deepseek",
        "iflytek",
        "minimax",
        "moonshot",
        "moonshotai",
        "qwen",
        "sensetime",
        "stepfun",
        "tencent",
        "volcengine",
        "01-ai",
        "zhipu",
        "zhipuai",
        "z-ai",
    }
)

# Other ways people name vendors (Chinese names, product families) → vendor id.
# Used only for vendors the store knows.
VENDOR_ALIASES: Mapping[str, str] = {
    "阿里": "alibaba",
    "阿里云": "alibaba",
    "阿里巴巴": "alibaba",
    "aliyun": "alibaba",
    "通义": "alibaba",
    "百度": "baidu",
    "文心": "baidu",
    "腾讯": "tencent",
    "腾讯云": "tencent",
    "字节": "bytedance",
    "字节跳动": "bytedance",
    "火山引擎": "bytedance",
    "智谱": "zhipu",
    "智谱ai": "zhipu",
    "深度求索": "deepseek",
    "月之暗面": "moonshot",
    "谷歌": "google",
    "微软": "microsoft",
    "亚马逊": "amazon",
}

# Spaces, hyphens, underscores, and a dot between two digits ("4.6" → "46").
_SQUASH = re.compile(r"[\s\-_]+|(?<=\d)\.(?=\d)")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


# The same for ASCII text, without the regular expression (a vocabulary squashes
# thousands of names, nearly all ASCII): a dot between digits, then what `\s`, `-` and
# `_` match. Removing the dots first, judged on the text as it was, removes what the one
# pass of `_SQUASH` removes.
_DIGIT_DOT = re.compile(r"(?<=\d)\.(?=\d)")
_ASCII_GAPS = str.maketrans("", "", "".join(c for c in map(chr, range(128)) if c.isspace()) + "-_")


@lru_cache(maxsize=1 << 16)
def squash(text: str) -> str:
    """The form names are compared in: 'Claude Opus 4.6' → 'claudeopus46'.

    Remembered: each snapshot's vocabulary squashes the same thousands of names again."""
    if text.isascii():  # NFKC leaves ASCII as it is
        lowered = text.lower()
        if "." in lowered:
            lowered = _DIGIT_DOT.sub("", lowered)
        squashed = lowered.replace(" ", "").replace("-", "").replace("_", "")
        # Other whitespace (tabs, line ends) is not printable.
        return squashed if squashed.isprintable() else squashed.translate(_ASCII_GAPS)
    return _SQUASH.sub("", unicodedata.normalize("NFKC", text).lower())


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def _trigrams(key: str) -> set[str]:
    padded = f"^{key}$"
    return {padded[i : i + 3] for i in range(max(1, len(padded) - 2))}


@dataclass(frozen=True, slots=True)
class KnownModel:
    """What the vocabulary keeps of an offer: its id, name, seller, mode and model."""

    model_id: str
    display_name: str
    vendor: str
    mode: str = "chat"
    # The model it sells (`maker/model`); "" when the offer is its own model.
    canonical_id: str = ""

    @property
    def model_key(self) -> str:
        return self.canonical_id or self.model_id

    @property
    def maker(self) -> str:
        return self.model_key.split("/", 1)[0]


@dataclass(frozen=True, slots=True)
class ModelName:
    """A model the vocabulary knows: its id, its name, its maker and its offers."""

    key: str
    display_name: str
    maker: str
    mode: str
    offers: tuple[str, ...]


def _plain(name: str) -> bool:
    """A name written for people ('Claude Opus 4.6'), not an id ('claude-opus-4-6',
    'anthropic/claude-opus-4.6') nor a reseller's 'Anthropic: Claude Opus 4.6'."""
    return "/" not in name and ": " not in name and (" " in name or name != name.lower())


def _model_name(key: str, offers: list[KnownModel]) -> ModelName:
    """The model's name: the maker's own offer's when it is written for people, else the
    shortest such name among its offers ('LFM 7B' rather than 'Liquid: LFM 7B' or
    'liquid/lfm-7b'), else the maker's own, else the plainest."""
    maker = key.split("/", 1)[0]
    own = [o for o in offers if o.vendor == maker]
    names = [o.display_name for o in own] + sorted(
        (o.display_name for o in offers if o.vendor != maker), key=lambda n: (len(n), n)
    )
    name = next((n for n in names if _plain(n)), None)
    if name is None:
        name = names[0] if own else min(names, key=lambda n: ("/" in n, ": " in n, len(n), n))
    modes = [o.mode for o in own + offers]
    mode = next((m for m in modes if m in ANSWERING_MODES), modes[0])
    return ModelName(key, name, maker, mode, tuple(sorted(o.model_id for o in offers)))


class Vocabulary:
    """Every name a question may use for a model, an offer, a seller or a maker."""

    def __init__(
        self,
        offers: Iterable[KnownModel],
        aliases: Mapping[str, str],
        vendors: Mapping[str, str],
    ) -> None:
        self.offers: dict[str, KnownModel] = {o.model_id: o for o in offers}
        grouped: defaultdict[str, list[KnownModel]] = defaultdict(list)
        for offer in self.offers.values():
            grouped[offer.model_key].append(offer)
        self._grouped: dict[str, list[KnownModel]] = dict(grouped)
        self.models: dict[str, ModelName] = {
            key: _model_name(key, found) for key, found in grouped.items()
        }
        self._aliases = dict(aliases)
        self._entries: dict[str, tuple[int, frozenset[str]]] = {}
        for name, target, priority in self._spellings(self.offers.values(), aliases):
            self._add(name, target, priority)
        self._names = {k: tuple(sorted(v)) for k, (_, v) in self._entries.items()}
        # The most words any name has: how far the parser looks ahead ("gemini 1.5 pro").
        spellings = [o.display_name for o in self.offers.values()] + list(aliases)
        self.max_words = max((len(s.split()) for s in spellings), default=1)
        self._cjk()
        self._sellers(vendors)

    def extended(
        self, added: Iterable[KnownModel], aliases: Mapping[str, str], vendors: Mapping[str, str]
    ) -> Vocabulary | None:
        """This vocabulary with new offers (and their aliases, sellers) added, built in a
        fraction of the time of a new one and equal to it; None when the change is more
        than an addition (an offer described anew, an alias moved, an offer id becoming
        a model's): then build a new one."""
        new_offers = {o.model_id: o for o in added}
        if any(offer_id in self.offers for offer_id in new_offers):
            return None
        if any(aliases.get(a) != target for a, target in self._aliases.items()):
            return None
        if any(vendors.get(v) != name for v, name in self._raw_vendors.items()):
            return None
        keys = {o.model_key for o in new_offers.values()}
        if any(k not in self.models and k in self.offers for k in keys):
            return None
        new = object.__new__(Vocabulary)
        # In offer id order, as a new vocabulary from the store's sorted offers has them.
        new.offers = dict(sorted({**self.offers, **new_offers}.items()))
        new._grouped = dict(self._grouped)
        for key in keys:
            group = self._grouped.get(key, []) + [
                o for o in new_offers.values() if o.model_key == key
            ]
            new._grouped[key] = sorted(group, key=lambda o: o.model_id)
        order = dict.fromkeys(o.model_key for o in new.offers.values())
        new.models = {
            key: _model_name(key, new._grouped[key]) if key in keys else self.models[key]
            for key in order
        }
        new._aliases = dict(aliases)
        new._entries = dict(self._entries)
        fresh = {a: t for a, t in aliases.items() if a not in self._aliases or t in new_offers}
        touched = new._add_all(new._spellings(new_offers.values(), fresh, only_new=keys))
        new._names = dict(self._names)
        for key in touched:
            new._names[key] = tuple(sorted(new._entries[key][1]))
        spellings = [o.display_name for o in new_offers.values()] + list(fresh)
        new.max_words = max([self.max_words, *(len(s.split()) for s in spellings)])
        if any(has_cjk(s) for s in spellings):
            new._cjk()
        else:
            new.cjk_model_pattern = self.cjk_model_pattern
        if dict(vendors) == self._raw_vendors and all(k in self.models for k in keys):
            new._raw_vendors = self._raw_vendors
            new.vendors = self.vendors
            new._vendor_keys = self._vendor_keys
            new.vendor_pattern = self.vendor_pattern
            new._grams = None
            new._examples = None
        else:
            new._sellers(vendors)
        return new

    def _spellings(
        self,
        offers: Iterable[KnownModel],
        aliases: Mapping[str, str],
        only_new: set[str] | None = None,
    ) -> Iterable[tuple[str, str, int]]:
        """(name, what it names, priority): a stronger kind of name hides a weaker one: an
        offer id beats a model id beats an alias beats a display name beats a bare name.
        `only_new`: the model ids to name (all of them when None)."""
        for key in self.models if only_new is None else only_new:
            if only_new is not None and key not in self.models:
                continue
            yield key, key, 4
            yield key.split("/", 1)[1], key, 1
        for offer in offers:
            # A full offer id names that offer, unless it is the model's own id.
            if offer.model_id not in self.models:
                yield offer.model_id, offer.model_id, 5
            yield offer.display_name, offer.model_key, 2
            yield offer.model_id.split("/", 1)[1], offer.model_key, 1
        for alias, offer_id in aliases.items():
            if offer_id in self.offers:
                yield alias, self.offers[offer_id].model_key, 3

    def _add(self, name: str, target: str, priority: int) -> str | None:
        """Index one spelling; returns its key when that changed what the key names."""
        key = squash(name)
        if not key:
            return None
        held = self._entries.get(key)
        if held is None or held[0] < priority:
            self._entries[key] = (priority, frozenset((target,)))
        elif held[0] == priority and target not in held[1]:
            self._entries[key] = (priority, held[1] | {target})
        else:
            return None
        return key

    def _add_all(self, spellings: Iterable[tuple[str, str, int]]) -> set[str]:
        return {k for s in spellings if (k := self._add(*s)) is not None}

    def _cjk(self) -> None:
        aliases = self._aliases
        cjk = sorted(
            {a.lower() for a in aliases if has_cjk(a) and aliases[a] in self.offers}
            | {o.display_name.lower() for o in self.offers.values() if has_cjk(o.display_name)},
            key=len,
            reverse=True,
        )
        self.cjk_model_pattern: re.Pattern[str] | None = (
            re.compile("|".join(re.escape(n) for n in cjk)) if cjk else None
        )

    def _sellers(self, vendors: Mapping[str, str]) -> None:
        """Sellers from the store, and makers that sell nothing themselves here."""
        self._raw_vendors = dict(vendors)
        self.vendors: dict[str, str] = dict(vendors)
        for model in self.models.values():
            self.vendors.setdefault(model.maker, model.maker)
        # Built on the first "did you mean" (a typo), not for every snapshot.
        self._grams: defaultdict[str, list[str]] | None = None
        self._vendor_keys: dict[str, str] = {}
        for vendor_id, name in self.vendors.items():
            for spelling in (vendor_id, vendor_id.replace("-", " "), name):
                self._vendor_keys.setdefault(spelling.lower(), vendor_id)
        for spelling, vendor_id in VENDOR_ALIASES.items():
            if vendor_id in self.vendors:
                self._vendor_keys.setdefault(spelling, vendor_id)
        parts = []
        for key in sorted(self._vendor_keys, key=len, reverse=True):
            escaped = re.escape(key).replace(r"\ ", r"\s+")
            parts.append(escaped if has_cjk(key) else rf"(?<![a-z0-9]){escaped}(?![a-z0-9])")
        self.vendor_pattern: re.Pattern[str] | None = re.compile("|".join(parts)) if parts else None
        self._examples: tuple[str, ...] | None = None

    # ---- models and offers ------------------------------------------------------

    def model(self, phrase: str) -> str | None:
        """The one model (or offer, for a full offer id) a phrase names, or None."""
        found = self._names.get(squash(phrase), ())
        return found[0] if len(found) == 1 else None

    def ambiguous(self, phrase: str) -> tuple[str, ...]:
        """The models a phrase could mean when it names more than one."""
        found = self._names.get(squash(phrase), ())
        return found if len(found) > 1 else ()

    def is_offer(self, name: str) -> bool:
        """Whether a resolved name is one seller's offer rather than a model."""
        return name not in self.models and name in self.offers

    def model_of(self, name: str) -> str:
        """The model a resolved name belongs to (an offer's model, or the model itself)."""
        offer = self.offers.get(name)
        return name if name in self.models or offer is None else offer.model_key

    def prepare(self) -> defaultdict[str, list[str]]:
        """The trigram index "did you mean" searches (built once, when first needed)."""
        if self._grams is None:
            grams: defaultdict[str, list[str]] = defaultdict(list)
            for name in self._names:
                for gram in _trigrams(name):
                    grams[gram].append(name)
            self._grams = grams
        return self._grams

    def suggest_models(self, phrase: str, limit: int = 3) -> tuple[str, ...]:
        """Models (or offers) whose names look like `phrase` (a typo), best first."""
        key = squash(phrase)
        if len(key) < 2:
            return ()
        grams = self.prepare()
        shared: Counter[str] = Counter()
        for gram in _trigrams(key):
            shared.update(grams.get(gram, ()))
        shortlist = [k for k, _ in shared.most_common(60)]
        best = difflib.get_close_matches(key, shortlist, n=limit * 3, cutoff=0.72)
        found: list[str] = []
        for name in best:
            for target in self._names[name]:
                if target not in found:
                    found.append(target)
        return tuple(found[:limit])

    def name(self, name: str) -> str:
        """'Claude Opus 4.6' for a model; an offer's own display name for an offer."""
        model = self.models.get(name)
        if model is not None:
            return model.display_name
        offer = self.offers.get(name)
        return offer.display_name if offer is not None else name

    def label(self, name: str) -> str:
        """'Qwen-Long (alibaba/qwen-long)'."""
        known = name in self.models or name in self.offers
        return f"{self.name(name)} ({name})" if known else name

    def candidate(self, name: str) -> str:
        """'Gemini 2.5 Pro by Google (google/gemini-2-5-pro)': a label with its maker."""
        maker = self.offers[name].maker if self.is_offer(name) else name.split("/", 1)[0]
        return f"{self.name(name)} by {self.vendor_name(maker)} ({name})"

    def short(self, name: str) -> str:
        """The shortest spelling that still names this model alone: 'qwen-long'."""
        bare = name.split("/", 1)[1] if "/" in name else name
        if not self.is_offer(name) and self.model(bare) == name:
            return bare
        return name

    # ---- sellers and makers -----------------------------------------------------

    def vendor(self, phrase: str) -> str | None:
        """The seller or maker a phrase names ('Alibaba Cloud', 'alibaba', '阿里云')."""
        return self._vendor_keys.get(" ".join(phrase.lower().split()))

    def vendor_name(self, vendor_id: str) -> str:
        return self.vendors.get(vendor_id, vendor_id)

    def suggest_vendors(self, phrase: str, limit: int = 3) -> tuple[str, ...]:
        """Vendor ids whose names look like `phrase`."""
        best = difflib.get_close_matches(
            phrase.lower(), list(self._vendor_keys), n=limit, cutoff=0.75
        )
        found: list[str] = []
        for key in best:
            if self._vendor_keys[key] not in found:
                found.append(self._vendor_keys[key])
        return tuple(found)

    def chinese_vendors(self) -> frozenset[str]:
        """The store's sellers and makers counted as Chinese."""
        return frozenset(v for v in self.vendors if v in CHINESE_VENDORS)

    # ---- examples ---------------------------------------------------------------

    def example_models(self) -> tuple[str, ...]:
        """Up to two models to use in examples, by their shortest unique spelling."""
        if self._examples is None:
            answering = sorted(k for k, m in self.models.items() if m.mode in ANSWERING_MODES)
            self._examples = tuple(self.short(k) for k in answering[:2])
        return self._examples
