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
  from the family (`claude…` → anthropic, `gpt…` → openai: `makers.family`),
  else from the display name's family; with none, the maker is unknown and the
  offer is its own model (`canonical_id == offer_id`). A reseller in a path
  (`openrouter/`, `bedrock/`) routes, it does not make;
- the name is lower-cased; region (`global.`, `eu.`, `us-east-1/`) and maker
  prefixes go; Bedrock version suffixes (`-v1:0`), Vertex versions (`@20240620`,
  `@default`), dated snapshot suffixes (`-20240620`, `-2024-05-13`, `-0613`;
  not `-2507`, which is no month), `-latest` and OpenRouter variants (`:free`,
  `:thinking`, …) go; dots between digits become hyphens; Claude 4+ puts the
  tier first (`claude-4.5-sonnet` → `claude-sonnet-4-5`); a few makers' own
  spellings meet (`llama3` → `llama-3`, `qwen-3` → `qwen3`, Fireworks' `3p1` →
  `3-1`, Vertex's `mistral-large@2407` → Mistral's `mistral-large-2407`). A
  dated snapshot is an offer of its own (its own price) of the undated model.
  The rules live in `model_names`, applied until none changes the name.

**Pointers** are not models: OpenRouter's `~anthropic/claude-opus-latest` moves
to whatever is latest, and routers (`openrouter/auto`) pick a model per request.
`Identity.pointer` is True; they are not quoted.

Canonical ids are fixed points: read as a `maker/model` slug, a canonical id
gives itself back, and so does the maker's own bare name of it (unless the name's
family is another maker's: a fine-tune under its own org, `nvidia/llama-…`).
Ids are lower-case and at most 200 characters; a key that cannot make one is
refused (`Identity.refused`), never an exception. Results are cached (the
function is pure), so a feed read again costs little.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.sources.makers import (
    DOTTED_MAKERS,
    KNOWN_MAKERS,
    MAKER_ALIASES,
    OPENROUTER_ORGS,
    family,
    first_word_maker,
)
from bot.sources.model_names import bedrock_api_version, normalise, snapshot_date
from bot.sources.sellers import RESELLERS, VENDOR_NAMES, is_reseller, vendor_id, vendor_name

MAX_ID = 200
_UNSAFE = re.compile(r"[^a-z0-9._:@/+-]+")

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
        last = bedrock_api_version(last, steps)
    if maker is None and slug and "/" in slug:
        maker = maker_id(slug.strip().lower().split("/", 1)[0])
        steps.append(f"maker {maker!r} from the slug {slug.strip().lower()!r}")

    last = normalise(last, vendor, steps)
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


__all__ = [
    "FREE_VARIANT_CAP",
    "MAX_ID",
    "RESELLERS",
    "VENDOR_NAMES",
    "Identity",
    "identify",
    "is_reseller",
    "maker_id",
    "model_id",
    "model_name",
    "snapshot_date",
    "spelling_of",
    "split_variant",
    "vendor_id",
    "vendor_name",
]
