"""Who sells a model, who made it, and what pricebot calls each: one identity for every feed.

A **model** is what its maker released: `maker/model` (`anthropic/claude-opus-4-6`).
An **offer** is one seller's price for it: `seller/the seller's own name`
(`anthropic/claude-opus-4-6`, `vertex/claude-opus-4-6`,
`aws/global.anthropic.claude-opus-4-6-v1:0`,
`openrouter/anthropic/claude-opus-4.6`). `identify(seller, key)` maps a feed key
to both, and says in words why (`Identity.steps`, printed by `pricebot models
resolve NAME`). It is a pure function of its arguments, and cheap: a few
precompiled regexes and dict lookups per key.

**The seller** is the feed's provider through `vendor_id` (`bedrock_converse` →
`aws`). genai-prices' `google` provider also lists Claude, Llama and others that
Google sells only on Vertex AI: a model not made by Google under `google` is
sold by `vertex`.

**The offer id** is `seller/name`, the name being the key lower-cased, with a
leading seller prefix taken off (`deepseek/deepseek-chat` from LiteLLM's
DeepSeek is `deepseek/deepseek-chat`). OpenRouter names every model
`maker/model`; an OpenRouter key without the maker (genai-prices lists both
`lfm-7b` and `liquid/lfm-7b`) gets it from `slug` or from its family, so the
same seller's spellings of one offer meet.

**The model** (`canonical_id`) is `maker/name`:

- the maker comes from an explicit prefix (`meta-llama/…`, Bedrock's
  `anthropic.`, LiteLLM's `vertex_ai/meta/…`), else from the seller when it is
  not a reseller (`RESELLERS`) and the name's family does not say otherwise, else
  from the family (`claude…` → anthropic, `gpt…` → openai: `makers.family`);
  with none, the maker is unknown and the offer is its own model
  (`canonical_id == offer_id`);
- the name is lower-cased; region (`global.`, `eu.`, `us-east-1/`) and maker
  prefixes go; Bedrock version suffixes (`-v1:0`), Vertex versions (`@20240620`,
  `@default`), dated snapshot suffixes (`-20240620`, `-2024-05-13`, `-0613`;
  not `-2507`, which is no month), `-latest` and OpenRouter variants (`:free`,
  `:thinking`, …) go; dots between digits become hyphens; Claude 4+ puts the
  tier first (`claude-4.5-sonnet` → `claude-sonnet-4-5`). A dated snapshot is an
  offer of its own (its own price) of the undated model.

**Pointers** are not models: OpenRouter's `~anthropic/claude-opus-latest` moves
to whatever is latest, and routers (`openrouter/auto`) pick a model per request.
`Identity.pointer` is True; they are not quoted.

Canonical ids are fixed points: read as a `maker/model` slug, a canonical id
gives itself back. Ids are lower-case and at most 200 characters; a key that
cannot make one is refused (`Identity.refused`), never an exception.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

from bot.sources.makers import (
    DOTTED_MAKERS,
    KNOWN_MAKERS,
    MAKER_ALIASES,
    OPENROUTER_ORGS,
    family,
    first_word_maker,
)

# Feed spellings of a seller → pricebot's vendor id. genai-prices, LiteLLM and
# OpenRouter each spell some sellers their own way; the bundled catalog's ids win.
_VENDOR_IDS = {
    "zhipuai": "zhipu",
    "bigmodel": "zhipu",
    "dashscope": "alibaba",
    "volcengine": "bytedance",
    "moonshotai": "moonshot",
    "x-ai": "xai",
    "gemini": "google",
    "vertex_ai": "vertex",
    "fireworks_ai": "fireworks",
    "together_ai": "together",
    "bedrock": "aws",
    "bedrock_converse": "aws",
    "bedrock_mantle": "aws",
    "amazon_nova": "amazon",
    "amazon-nova": "amazon",
    "text-completion-openai": "openai",
    "cohere_chat": "cohere",
    "azure_text": "azure",
    "voyage": "voyageai",
    "github_copilot": "github-copilot",
    "mistralai": "mistral",
    "text-completion-codestral": "codestral",
    "meta_llama": "meta",
}

# LiteLLM files one seller under several provider names ("vertex_ai-anthropic_models").
_VENDOR_PREFIXES = (("vertex_ai-", "vertex"), ("fireworks_ai-", "fireworks"))

VENDOR_NAMES = {
    "alibaba": "Alibaba Cloud",
    "anthropic": "Anthropic",
    "aws": "AWS Bedrock",
    "azure": "Microsoft Azure",
    "azure_ai": "Azure AI Foundry",
    "baidu": "Baidu",
    "bytedance": "ByteDance",
    "cohere": "Cohere",
    "deepseek": "DeepSeek",
    "fireworks": "Fireworks AI",
    "google": "Google",
    "groq": "Groq",
    "minimax": "MiniMax",
    "mistral": "Mistral AI",
    "moonshot": "Moonshot AI",
    "openai": "OpenAI",
    "openrouter": "OpenRouter",
    "tencent": "Tencent Cloud",
    "together": "Together AI",
    "vertex": "Google Vertex AI",
    "voyageai": "Voyage AI",
    "xai": "xAI",
    "zai": "Z.ai",
    "zhipu": "Zhipu AI",
}

# Sellers of other makers' models (clouds, routers, hosts): a bare model name in a
# feed is not theirs to claim as an alias, and they are not the maker of what they sell.
RESELLERS = frozenset(
    {
        "aws",
        "azure",
        "azure_ai",
        "vertex",
        "openrouter",
        "together",
        "fireworks",
        "deepinfra",
        "databricks",
        "groq",
        "cerebras",
        "novita",
        "nebius",
        "sambanova",
        "cloudflare",
        "replicate",
        "baseten",
        "snowflake",
        "oci",
        "watsonx",
        "sagemaker",
        "avian",
        "doubleword",
        "modal",
        "ovhcloud",
        "quicksilverpro",
        "hyperbolic",
        "lambda_ai",
        "nscale",
        "vercel_ai_gateway",
        "gmi",
        "scaleway",
        "wandb",
        "llamagate",
        "aiml",
        "gradient_ai",
        "anyscale",
        "libertai",
        "tensormesh",
        "publicai",
        "crusoe",
        "lemonade",
        "fal_ai",
        "nvidia_nim",
        "featherless_ai",
        "friendliai",
        "heroku",
        "github-copilot",
        "ollama",
        "github",
    }
)

MAX_ID = 200
_UNSAFE = re.compile(r"[^a-z0-9._:@/+-]+")
_VENDOR_UNSAFE = re.compile(r"[^a-z0-9._-]+")

# Entries that are not models: routers pick a model per request.
_ROUTERS = frozenset(
    {
        "openrouter/auto",
        "openrouter/free",
        "openrouter/bodybuilder",
        "switchpoint/router",
        "model-router",
        "model_router",
    }
)
# Path segments that say where or how, not what: regions, routes, commitments, sizes.
_REGION_SEGMENT = re.compile(r"[a-z]{2}(?:-gov)?-[a-z]+-\d|us|eu|global|apac|global-standard")
_ROUTE_SEGMENT = re.compile(
    r"invoke|converse|@cf|@hf|models|routers|preset|\*|\d+-month-commitment|\d+-x-\d+|max-x-max"
    r"|\d+-steps|max-steps|low|medium|high|standard|hd"
)
# Bedrock's cross-region prefix and maker: `global.anthropic.claude-…`, `eu.mistral.…`.
_DOTTED = re.compile(
    rf"^(?:(global|regional|us|eu|apac|jp|au|ca|us-gov)\.)?({DOTTED_MAKERS})\.(?=[a-z0-9])(.+)$"
)
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


@dataclass(frozen=True, slots=True)
class Identity:
    """What a feed key names: the offer, its seller, the model it sells and who made it.

    `canonical_id` is `maker/model`, or the offer id itself when the maker is
    unknown (`maker` None). `pointer` marks keys that are not models (`~…`
    pointers, routers); `refused` says why a key cannot be an id at all. Both
    leave `canonical_id` empty. `steps` says in words how the key was read.
    """

    offer_id: str
    seller: str
    canonical_id: str
    maker: str | None
    pointer: bool = False
    steps: tuple[str, ...] = ()
    refused: str | None = None

    @property
    def usable(self) -> bool:
        """A model's offer that can be quoted: neither a pointer nor refused."""
        return not self.pointer and self.refused is None


@cache
def vendor_id(raw: str) -> str:
    """pricebot's id for a seller as a feed spells it."""
    key = raw.strip().lower()
    if key in _VENDOR_IDS:
        return _VENDOR_IDS[key]
    for prefix, vendor in _VENDOR_PREFIXES:
        if key.startswith(prefix):
            return vendor
    return _VENDOR_UNSAFE.sub("-", key).strip("-") or "unknown"


def vendor_name(vendor: str, fallback: str | None = None) -> str:
    """A seller's display name: ours when we know it, else the feed's, else the id."""
    return VENDOR_NAMES.get(vendor) or fallback or vendor


def is_reseller(seller: str) -> bool:
    """Whether `seller` sells other makers' models (a cloud, a router, a host)."""
    return seller in RESELLERS or seller.startswith("huggingface")


def maker_id(raw: str) -> str:
    """pricebot's id for a maker as a prefix spells it (`meta-llama` → `meta`)."""
    key = raw.strip().lower()
    return MAKER_ALIASES.get(key) or vendor_id(key)


def model_name(raw: str) -> str:
    """A seller's model name made safe for an id: lower-case, no spaces."""
    return _UNSAFE.sub("-", raw.strip().lower()).strip("-")


def model_id(vendor: str, name: str) -> str | None:
    """`vendor/name`, or None when it cannot be an id (empty, too long)."""
    clean = model_name(name)
    if not clean or not vendor:
        return None
    result = f"{vendor}/{clean}"
    return result if len(result) <= MAX_ID else None


def split_variant(name: str) -> tuple[str, str | None]:
    """('deepseek/deepseek-chat', 'free') for 'deepseek/deepseek-chat:free'."""
    base, sep, variant = name.rpartition(":")
    if sep and base and variant and "/" not in variant:
        return base, variant.lower()
    return name, None


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


# What a `:free` variant's offer says about its limits, short enough for a reply.
FREE_VARIANT_CAP = ":free variant, rate-limited"


@lru_cache(maxsize=65536)
def identify(
    seller: str, key: str, *, display_name: str | None = None, slug: str | None = None
) -> Identity:
    """The offer, seller, model and maker a feed key names; see the module docstring.

    `seller` is the feed's provider (`bedrock_converse`, `google`, `openrouter`);
    `display_name` the feed's name for the model (a last resort for its family);
    `slug` the seller's `maker/model` spelling of the same offer when the feed
    gives one (OpenRouter's canonical slug, a prefixed twin in genai-prices).
    """
    steps: list[str] = []
    vendor = vendor_id(seller)
    if vendor != seller.strip().lower():
        steps.append(f"seller {seller.strip()!r} is {vendor!r}")
    name = _seller_name(key.strip().lower(), seller, vendor, steps)
    if not model_name(name).strip("/"):
        return _refused(vendor, steps, "the key is empty")
    if name.startswith("~") or name in _ROUTERS:
        return _pointer(vendor, name, steps)

    segments = [s for s in name.split("/") if s]
    last = segments[-1]
    maker, family_word = _path_maker(segments[:-1], vendor, steps)
    if family_word:
        last = f"{family_word}-{last}"
    dotted = _DOTTED.match(last)
    if dotted:
        region, dotted_maker, last = dotted.groups()
        if region:
            steps.append(f"region prefix '{region}.' dropped")
        if maker is None:
            maker = maker_id(dotted_maker)
            steps.append(f"maker {maker!r} from the '{dotted_maker}.' prefix")
        else:
            steps.append(f"prefix '{dotted_maker}.' dropped")
        if maker == "deepseek" and not last.startswith("deepseek"):
            # Bedrock drops the maker word DeepSeek keeps: deepseek.r1 is deepseek-r1.
            last = f"deepseek-{last}"
        version = _BEDROCK_PLAIN_VERSION.search(last)
        if version and re.search(r"\d", last[: version.start()]):
            # Bedrock's API version (claude-opus-4-6-v1); titan-text-express-v1 keeps its own.
            steps.append(f"version suffix '{version[0]}' dropped")
            last = last[: version.start()]
    if maker is None and slug and "/" in slug:
        maker = maker_id(slug.strip().lower().split("/", 1)[0])
        steps.append(f"maker {maker!r} from the slug {slug.strip().lower()!r}")

    last = _normalise(last, vendor, steps)
    known = family(last)
    if maker is None:
        if not is_reseller(vendor):
            maker = known or maker_id(vendor)
            why = "the name's family" if known and known != vendor else "the seller makes it"
            steps.append(f"maker {maker!r}: {why}")
        elif known:
            maker = known
            steps.append(f"maker {maker!r} from the name's family")
        elif (word := first_word_maker(last)) is not None:
            maker = word
            steps.append(f"maker {maker!r} from the name's first word")
        elif display_name and (from_display := _display_family(display_name)):
            maker = from_display
            steps.append(f"maker {maker!r} from the display name {display_name!r}")
    if vendor == "google" and maker is not None and maker != "google":
        # genai-prices' `google` lists Claude, Llama, … that Google sells on Vertex AI only.
        vendor = "vertex"
        steps.append("a model Google does not make is sold on Vertex AI: seller 'vertex'")

    offer = _offer_id(vendor, name, maker, slug, steps)
    if offer is None:
        return _refused(vendor, steps, f"the id is longer than {MAX_ID} characters")
    canonical = _UNSAFE.sub("-", last).strip("-")
    if maker is None or not canonical:
        steps.append("maker unknown: the offer is its own model")
        return Identity(offer, vendor, offer, None, steps=tuple(steps))
    canonical_id = f"{maker}/{canonical}"
    if len(canonical_id) > MAX_ID:
        steps.append(f"model id longer than {MAX_ID} characters: the offer is its own model")
        return Identity(offer, vendor, offer, None, steps=tuple(steps))
    return Identity(offer, vendor, canonical_id, maker, steps=tuple(steps))


def spelling_of(who: Identity, seller: str, key: str) -> str | None:
    """The offer id another spelling of `who`'s offer would have, cheaply (an alias).

    `key` is another name the feed gives the same offer (genai-prices' match
    names): same seller, the seller's prefix taken off, OpenRouter's maker prefix
    as `who` has it. None when it cannot be an id.
    """
    if not who.offer_id:
        return None
    name = model_name(_seller_name(key.strip().lower(), seller, vendor_id(seller), []))
    if who.seller == "openrouter" and "/" not in name and name:
        org = who.offer_id.split("/")[1] if who.offer_id.count("/") >= 2 else None
        name = f"{org}/{name}" if org else name
    return model_id(who.seller, name)


def _seller_name(name: str, raw_seller: str, vendor: str, steps: list[str]) -> str:
    """The seller's own name for the model: a leading seller prefix taken off."""
    first, sep, rest = name.partition("/")
    if not (sep and rest):
        return name
    if first != raw_seller.strip().lower() and vendor_id(first) != vendor:
        return name
    if vendor == "openrouter" and "/" not in rest:
        return name  # `openrouter/auto` is OpenRouter's own slug, not a prefixed key
    steps.append(f"seller prefix '{first}/' dropped")
    return rest


def _path_maker(
    prefixes: list[str], vendor: str, steps: list[str]
) -> tuple[str | None, str | None]:
    """The maker a path's prefix segments name, and a family word to keep before the name.

    The last segment that is not a region or a route names the maker (`meta-llama/`);
    one that is a family word rather than a maker (`aiml/flux/schnell`) gives its
    maker and stays part of the name (`flux-schnell`).
    """
    kept: list[str] = []
    skip_next = False
    for segment in prefixes:
        if skip_next:
            skip_next = False
            steps.append(f"account '{segment}/' dropped")
        elif segment == "accounts":
            skip_next = True
        elif _REGION_SEGMENT.fullmatch(segment):
            steps.append(f"region '{segment}/' dropped")
        elif _ROUTE_SEGMENT.fullmatch(segment) or is_reseller(seller := vendor_id(segment)):
            # A reseller in a path routes to a model; it does not make it.
            steps.append(f"path '{segment}/' dropped")
        elif seller == vendor:
            steps.append(f"path '{segment}/' dropped")
        else:
            kept.append(segment)
    if not kept:
        return None, None
    for other in kept[:-1]:
        steps.append(f"path '{other}/' dropped")
    candidate = maker_id(kept[-1])
    if candidate not in KNOWN_MAKERS and (word_maker := family(kept[-1])) is not None:
        steps.append(f"maker {word_maker!r} from the family '{kept[-1]}/'")
        return word_maker, kept[-1]
    if len(kept) == 1 or candidate in KNOWN_MAKERS:
        steps.append(f"maker {candidate!r} from the prefix '{kept[-1]}/'")
        return candidate, None
    steps.append(f"path '{kept[-1]}/' dropped")
    return None, None


def _offer_id(
    vendor: str, name: str, maker: str | None, slug: str | None, steps: list[str]
) -> str | None:
    """`seller/name`; an OpenRouter name without its maker gets OpenRouter's prefix for it."""
    offer_name = model_name(name)
    if vendor == "openrouter" and "/" not in offer_name:
        prefix = None
        if slug and "/" in slug:
            prefix = model_name(slug).split("/", 1)[0]
        elif maker is not None:
            prefix = OPENROUTER_ORGS.get(maker, maker)
        if prefix:
            offer_name = f"{prefix}/{offer_name}"
            steps.append(f"OpenRouter names models maker/model: offer '{offer_name}'")
    return model_id(vendor, offer_name)


def _display_family(display_name: str) -> str | None:
    # OpenRouter's names read "Maker: Model"; the model part carries the family.
    text = display_name.rpartition(":")[2].strip().lower()
    return family(re.sub(r"[^a-z0-9.]+", "-", text).strip("-"))


def _pointer(vendor: str, name: str, steps: list[str]) -> Identity:
    if name.startswith("~"):
        steps.append(f"{name!r} is a pointer that moves to the latest model: not a model")
    else:
        steps.append(f"{name!r} is a router that picks a model per request: not a model")
    # Named as the feed spells it (`~` kept): a pointer is never stored.
    return Identity(f"{vendor}/{name}"[:MAX_ID], vendor, "", None, pointer=True, steps=tuple(steps))


def _refused(vendor: str, steps: list[str], why: str) -> Identity:
    steps.append(f"refused: {why}")
    return Identity("", vendor, "", None, steps=tuple(steps), refused=why)


# ---- the model's name -----------------------------------------------------------------

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


def _normalise(name: str, vendor: str, steps: list[str]) -> str:
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
