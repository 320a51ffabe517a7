"""The names a question may use: model ids, display names, aliases, vendors; "did you mean".

Public:
- `Vocabulary(models, aliases, vendors)`: built once per price snapshot from the store's
  `models()`, `aliases()` and `vendors()` (plain values; no I/O here);
- `.model(phrase)`: the model id a phrase names, or None; `.ambiguous(phrase)`;
- `.suggest_models(phrase)` / `.suggest_vendors(phrase)`: "did you mean" candidates
  (difflib over a trigram-filtered shortlist, so it stays fast with thousands of models);
- `.vendor(phrase)`, `.vendor_pattern`, `.cjk_model_pattern`: for the parser;
- `.label(model_id)`: 'Qwen-Long (alibaba/qwen-long)'; `.short(model_id)`: 'qwen-long';
- `CHINESE_VENDORS`: vendor ids counted as Chinese for "chinese vendors".

Names are compared "squashed": NFKC, lower-case, without spaces, hyphens and underscores,
so 'Qwen Long', 'qwen-long' and 'QWEN_LONG' are one name.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

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

_SQUASH = re.compile(r"[\s\-_]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def squash(text: str) -> str:
    """The form names are compared in: 'Qwen Long' → 'qwenlong'."""
    return _SQUASH.sub("", unicodedata.normalize("NFKC", text).lower())


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def _trigrams(key: str) -> set[str]:
    padded = f"^{key}$"
    return {padded[i : i + 3] for i in range(max(1, len(padded) - 2))}


@dataclass(frozen=True, slots=True)
class KnownModel:
    """What the vocabulary keeps of a model: its id, its name, its vendor."""

    model_id: str
    display_name: str
    vendor: str
    mode: str = "chat"


class Vocabulary:
    """Every name a question may use for a model or a vendor."""

    def __init__(
        self,
        models: Iterable[KnownModel],
        aliases: Mapping[str, str],
        vendors: Mapping[str, str],
    ) -> None:
        self.models: dict[str, KnownModel] = {m.model_id: m for m in models}
        self.vendors: dict[str, str] = dict(vendors)
        # key → (priority, ids): an id beats an alias beats a display name beats a bare name.
        entries: dict[str, tuple[int, set[str]]] = {}

        def add(name: str, model_id: str, priority: int) -> None:
            key = squash(name)
            if not key:
                return
            held = entries.get(key)
            if held is None or held[0] < priority:
                entries[key] = (priority, {model_id})
            elif held[0] == priority:
                held[1].add(model_id)

        for m in self.models.values():
            add(m.model_id, m.model_id, 4)
            add(m.display_name, m.model_id, 2)
            add(m.model_id.split("/", 1)[1], m.model_id, 1)
        for alias, model_id in aliases.items():
            if model_id in self.models:
                add(alias, model_id, 3)
        self._names: dict[str, tuple[str, ...]] = {
            k: tuple(sorted(v)) for k, (_, v) in entries.items()
        }
        # The most words any name has: how far the parser looks ahead ("gemini 1.5 pro").
        spellings = [m.display_name for m in self.models.values()] + list(aliases)
        self.max_words = max((len(s.split()) for s in spellings), default=1)
        self._grams: defaultdict[str, list[str]] = defaultdict(list)
        for key in self._names:
            for gram in _trigrams(key):
                self._grams[gram].append(key)
        cjk = sorted(
            {a.lower() for a in aliases if has_cjk(a) and aliases[a] in self.models}
            | {m.display_name.lower() for m in self.models.values() if has_cjk(m.display_name)},
            key=len,
            reverse=True,
        )
        self.cjk_model_pattern: re.Pattern[str] | None = (
            re.compile("|".join(re.escape(n) for n in cjk)) if cjk else None
        )
        self._vendor_keys: dict[str, str] = {}
        for vendor_id, name in self.vendors.items():
            for spelling in (vendor_id, vendor_id.replace("-", " "), name):
                self._vendor_keys[spelling.lower()] = vendor_id
        for spelling, vendor_id in VENDOR_ALIASES.items():
            if vendor_id in self.vendors:
                self._vendor_keys.setdefault(spelling, vendor_id)
        parts = []
        for key in sorted(self._vendor_keys, key=len, reverse=True):
            escaped = re.escape(key).replace(r"\ ", r"\s+")
            parts.append(escaped if has_cjk(key) else rf"(?<![a-z0-9]){escaped}(?![a-z0-9])")
        self.vendor_pattern: re.Pattern[str] | None = re.compile("|".join(parts)) if parts else None
        self._squashed_bare = Counter(squash(m.split("/", 1)[1]) for m in self.models)
        self._examples: tuple[str, ...] | None = None

    # ---- models --------------------------------------------------------------

    def model(self, phrase: str) -> str | None:
        """The one model a phrase names (id, alias, display name, bare name), or None."""
        ids = self._names.get(squash(phrase), ())
        return ids[0] if len(ids) == 1 else None

    def ambiguous(self, phrase: str) -> tuple[str, ...]:
        """The model ids a phrase could mean when it names more than one."""
        ids = self._names.get(squash(phrase), ())
        return ids if len(ids) > 1 else ()

    def suggest_models(self, phrase: str, limit: int = 3) -> tuple[str, ...]:
        """Model ids whose names look like `phrase` (a typo), best first."""
        key = squash(phrase)
        if len(key) < 2:
            return ()
        shared: Counter[str] = Counter()
        for gram in _trigrams(key):
            shared.update(self._grams.get(gram, ()))
        shortlist = [k for k, _ in shared.most_common(60)]
        best = difflib.get_close_matches(key, shortlist, n=limit * 3, cutoff=0.72)
        found: list[str] = []
        for name in best:
            for model_id in self._names[name]:
                if model_id not in found:
                    found.append(model_id)
        return tuple(found[:limit])

    def label(self, model_id: str) -> str:
        """'Qwen-Long (alibaba/qwen-long)'."""
        m = self.models.get(model_id)
        return f"{m.display_name} ({model_id})" if m else model_id

    def short(self, model_id: str) -> str:
        """The shortest spelling that still names this model alone: 'qwen-long'."""
        bare = model_id.split("/", 1)[1]
        if self._squashed_bare[squash(bare)] == 1 and self.model(bare) == model_id:
            return bare
        return model_id

    # ---- vendors -------------------------------------------------------------

    def vendor(self, phrase: str) -> str | None:
        """The vendor id a phrase names ('Alibaba Cloud', 'alibaba', '阿里云')."""
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
        """The store's vendors counted as Chinese."""
        return frozenset(v for v in self.vendors if v in CHINESE_VENDORS)

    # ---- examples ------------------------------------------------------------

    def example_models(self) -> tuple[str, ...]:
        """Up to two models to use in examples, by their shortest unique spelling."""
        if self._examples is None:
            answering = [m for m, k in self.models.items() if k.mode in ("chat", "completion")]
            self._examples = tuple(self.short(m) for m in sorted(answering)[:2])
        return self._examples
