"""One identity for every feed: which offer a key names, which model it sells, and why."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sources.identity import MAX_ID, identify, snapshot_date
from bot.sources.makers import family, makes_images

# (feed's seller, feed key) → (offer id, model id): real keys from genai-prices,
# LiteLLM and OpenRouter.
REAL_KEYS = [
    ("anthropic", "claude-opus-4-6", "anthropic/claude-opus-4-6", "anthropic/claude-opus-4-6"),
    (
        "openrouter",
        "anthropic/claude-opus-4.6",
        "openrouter/anthropic/claude-opus-4.6",
        "anthropic/claude-opus-4-6",
    ),
    (
        "bedrock_converse",
        "global.anthropic.claude-opus-4-6-v1:0",
        "aws/global.anthropic.claude-opus-4-6-v1:0",
        "anthropic/claude-opus-4-6",
    ),
    (
        "bedrock_converse",
        "eu.anthropic.claude-opus-4-6-v1",
        "aws/eu.anthropic.claude-opus-4-6-v1",
        "anthropic/claude-opus-4-6",
    ),
    (
        "vertex_ai-anthropic_models",
        "vertex_ai/claude-opus-4-6@default",
        "vertex/claude-opus-4-6@default",
        "anthropic/claude-opus-4-6",
    ),
    ("google", "claude-opus-4-6", "vertex/claude-opus-4-6", "anthropic/claude-opus-4-6"),
    ("google", "gemini-2.5-flash", "google/gemini-2.5-flash", "google/gemini-2-5-flash"),
    (
        "bedrock",
        "bedrock/us-east-1/anthropic.claude-3-5-sonnet-20240620-v1:0",
        "aws/us-east-1/anthropic.claude-3-5-sonnet-20240620-v1:0",
        "anthropic/claude-3-5-sonnet",
    ),
    (
        "vertex_ai-anthropic_models",
        "vertex_ai/claude-3-5-sonnet@20240620",
        "vertex/claude-3-5-sonnet@20240620",
        "anthropic/claude-3-5-sonnet",
    ),
    (
        "anthropic",
        "claude-3-5-sonnet-latest",
        "anthropic/claude-3-5-sonnet-latest",
        "anthropic/claude-3-5-sonnet",
    ),
    ("openai", "gpt-4o-2024-05-13", "openai/gpt-4o-2024-05-13", "openai/gpt-4o"),
    ("openai", "gpt-3.5-turbo-0125", "openai/gpt-3.5-turbo-0125", "openai/gpt-3-5-turbo"),
    ("azure", "azure/eu/gpt-4o-2024-08-06", "azure/eu/gpt-4o-2024-08-06", "openai/gpt-4o"),
    ("azure", "o3-2025-04-16", "azure/o3-2025-04-16", "openai/o3"),
    ("deepseek", "deepseek/deepseek-chat", "deepseek/deepseek-chat", "deepseek/deepseek-chat"),
    ("deepseek", "deepseek-chat", "deepseek/deepseek-chat", "deepseek/deepseek-chat"),
    ("openrouter", "lfm-7b", "openrouter/liquid/lfm-7b", "liquid/lfm-7b"),
    ("openrouter", "liquid/lfm-7b", "openrouter/liquid/lfm-7b", "liquid/lfm-7b"),
    (
        "openrouter",
        "meta-llama/llama-3.1-405b-instruct",
        "openrouter/meta-llama/llama-3.1-405b-instruct",
        "meta/llama-3-1-405b-instruct",
    ),
    (
        "bedrock",
        "meta.llama3-1-405b-instruct-v1:0",
        "aws/meta.llama3-1-405b-instruct-v1:0",
        "meta/llama-3-1-405b-instruct",
    ),
    (
        "openrouter",
        "qwen/qwen3-235b-a22b-2507",
        "openrouter/qwen/qwen3-235b-a22b-2507",
        "alibaba/qwen3-235b-a22b-2507",  # -2507 is no month: not a dated snapshot
    ),
    ("zai", "GLM-4.5", "zai/glm-4.5", "zhipu/glm-4-5"),
    ("zhipuai", "GLM-4-Plus", "zhipu/glm-4-plus", "zhipu/glm-4-plus"),
    ("x-ai", "grok-4-0709", "xai/grok-4-0709", "xai/grok-4"),
    (
        "github-copilot",
        "claude-4.5-sonnet",
        "github-copilot/claude-4.5-sonnet",
        "anthropic/claude-sonnet-4-5",
    ),
    ("anthropic", "claude-opus-4-0", "anthropic/claude-opus-4-0", "anthropic/claude-opus-4"),
    (
        "openrouter",
        "anthropic/claude-3.7-sonnet:thinking",
        "openrouter/anthropic/claude-3.7-sonnet:thinking",
        "anthropic/claude-3-7-sonnet",
    ),
    ("openrouter", "gpt-4o:extended", "openrouter/openai/gpt-4o:extended", "openai/gpt-4o"),
    (
        "fireworks_ai",
        "fireworks_ai/accounts/fireworks/models/flux-1-dev-controlnet-union",
        "fireworks/accounts/fireworks/models/flux-1-dev-controlnet-union",
        "black-forest-labs/flux-1-dev-controlnet-union",
    ),
    (
        "cloudflare",
        "cloudflare/@cf/meta/llama-3.1-8b-instruct",
        "cloudflare/@cf/meta/llama-3.1-8b-instruct",
        "meta/llama-3-1-8b-instruct",
    ),
    (
        "vertex_ai-mistral_models",
        "vertex_ai/mistral-large@2407",
        "vertex/mistral-large@2407",
        "mistral/mistral-large-2407",
    ),
    ("bedrock_converse", "eu.deepseek.v3.2", "aws/eu.deepseek.v3.2", "deepseek/deepseek-v3-2"),
    (
        "volcengine",
        "doubao-seed-1-6-250615",
        "bytedance/doubao-seed-1-6-250615",
        "bytedance/doubao-seed-1-6",
    ),
]


@pytest.mark.parametrize(("seller", "key", "offer", "model"), REAL_KEYS)
def test_real_keys_name_their_offer_and_model(
    seller: str, key: str, offer: str, model: str
) -> None:
    who = identify(seller, key)
    assert (who.offer_id, who.canonical_id) == (offer, model)
    assert who.usable and who.maker == model.split("/")[0]


def test_the_steps_say_why() -> None:
    who = identify("bedrock", "bedrock/global.anthropic.claude-3-5-sonnet-20240620-v1:0")
    assert who.steps == (
        "seller 'bedrock' is 'aws'",
        "seller prefix 'bedrock/' dropped",
        "region prefix 'global.' dropped",
        "maker 'anthropic' from the 'anthropic.' prefix",
        "version suffix '-v1:0' dropped",
        "dated snapshot '-20240620' is a snapshot of claude-3-5-sonnet",
    )
    assert "dots between digits → hyphens" in identify("openrouter", "openai/gpt-4.1").steps


def test_pointers_and_routers_are_not_models() -> None:
    for seller, key in [
        ("openrouter", "~anthropic/claude-opus-latest"),
        ("openrouter", "openrouter/auto"),
        ("openrouter", "openrouter/free"),
        ("openrouter", "openrouter/openrouter/auto"),  # LiteLLM's spelling
        ("azure_ai", "azure_ai/model_router"),
    ]:
        who = identify(seller, key)
        assert who.pointer and not who.usable and who.canonical_id == "", key
        assert "not a model" in who.steps[-1]


def test_a_model_google_does_not_make_is_sold_on_vertex() -> None:
    claude = identify("google", "claude-3-5-sonnet")
    assert (claude.seller, claude.offer_id) == ("vertex", "vertex/claude-3-5-sonnet")
    assert (claude.maker, claude.canonical_id) == ("anthropic", "anthropic/claude-3-5-sonnet")
    gemma = identify("google", "gemma-3-27b-it")
    assert (gemma.seller, gemma.maker) == ("google", "google")


def test_the_maker_comes_from_a_prefix_the_seller_or_the_family() -> None:
    # An explicit prefix names the maker, mapped to pricebot's id.
    assert identify("openrouter", "mistralai/mistral-nemo").maker == "mistral"
    assert identify("openrouter", "x-ai/grok-4").maker == "xai"
    assert identify("openrouter", "z-ai/glm-4.6").maker == "zhipu"
    assert identify("openrouter", "bytedance-seed/seed-oss-36b-instruct").maker == "bytedance"
    assert identify("together_ai", "together_ai/moonshotai/Kimi-K2-Instruct").maker == "moonshot"
    # A fine-tune's own org is its maker, whatever family it is built on.
    assert identify("openrouter", "nvidia/llama-3.1-nemotron-70b-instruct").maker == "nvidia"
    # A seller that is not a reseller makes what it sells, unless the family says otherwise.
    assert identify("perplexity", "sonar-pro").maker == "perplexity"
    assert identify("quicksilverpro", "claude-opus-4-6").maker == "anthropic"
    # Z.ai is a seller of its own; GLM is Zhipu's.
    zai = identify("zai", "glm-4.6")
    assert (zai.seller, zai.maker) == ("zai", "zhipu")
    # A reseller's name of unknown family: the offer is its own model.
    odd = identify("groq", "some-house-model")
    assert (odd.maker, odd.canonical_id) == (None, "groq/some-house-model")


def test_a_display_name_and_a_slug_help_only_when_the_key_says_nothing() -> None:
    who = identify("groq", "house-8b", display_name="Meta: Llama 3.1 8B Instruct")
    assert (who.maker, who.canonical_id) == ("meta", "meta/house-8b")
    assert identify("groq", "llama-3.1-8b-instant", display_name="Qwen").maker == "meta"
    # genai-prices' bare OpenRouter entry takes its maker from its prefixed twin.
    twin = identify("openrouter", "codellama-7b-instruct-solidity", slug="alfredpros/x")
    assert twin.offer_id == "openrouter/alfredpros/codellama-7b-instruct-solidity"


def test_family_table() -> None:
    assert {
        name: family(name)
        for name in [
            "claude-3-haiku",
            "gpt-oss-120b",
            "o4-mini",
            "gemma-3",
            "llama-3.3-70b",
            "codestral-2501",
            "qwq-32b",
            "chatglm3",
            "command-r-plus",
            "kimi-k2",
            "abab6.5s",
            "ernie-4.5",
            "hunyuan-t1",
            "doubao-pro",
            "phi-4",
            "jamba-1.5-large",
            "lfm-7b",
            "hermes-3-llama-3.1-405b",
            "nova-pro-v1",
            "sonar",
            "yi-large",
            "granite-3.3-8b",
            "olmo-2",
            "flux-1-dev",
            "sdxl",
            "text-embedding-3-small",
            "text-embedding-004",
            "nova-2-general",  # Deepgram's speech model, not Amazon's Nova
            "palmyra-x5",
        ]
    } == {
        "claude-3-haiku": "anthropic",
        "gpt-oss-120b": "openai",
        "o4-mini": "openai",
        "gemma-3": "google",
        "llama-3.3-70b": "meta",
        "codestral-2501": "mistral",
        "qwq-32b": "alibaba",
        "chatglm3": "zhipu",
        "command-r-plus": "cohere",
        "kimi-k2": "moonshot",
        "abab6.5s": "minimax",
        "ernie-4.5": "baidu",
        "hunyuan-t1": "tencent",
        "doubao-pro": "bytedance",
        "phi-4": "microsoft",
        "jamba-1.5-large": "ai21",
        "lfm-7b": "liquid",
        "hermes-3-llama-3.1-405b": "nousresearch",
        "nova-pro-v1": "amazon",
        "sonar": "perplexity",
        "yi-large": "01-ai",
        "granite-3.3-8b": "ibm",
        "olmo-2": "allenai",
        "flux-1-dev": "black-forest-labs",
        "sdxl": "stability",
        "text-embedding-3-small": "openai",
        "text-embedding-004": "google",
        "nova-2-general": None,
        "palmyra-x5": "writer",
    }


def test_dated_snapshots_and_what_is_not_a_date() -> None:
    canonical = {
        key: identify("openai", key).canonical_id
        for key in [
            "gpt-4-0613",
            "gpt-4-1106-preview",
            "gpt-4o-2024-05-13",
            "o1-pro-20250319",
            "chatgpt-4o-latest",
        ]
    }
    assert canonical == {
        "gpt-4-0613": "openai/gpt-4",
        "gpt-4-1106-preview": "openai/gpt-4-1106-preview",  # the date is not a suffix
        "gpt-4o-2024-05-13": "openai/gpt-4o",
        "o1-pro-20250319": "openai/o1-pro",
        "chatgpt-4o-latest": "openai/chatgpt-4o",
    }
    # Mistral's and Qwen's YYMM versions are models of their own.
    assert identify("mistral", "mistral-small-2503").canonical_id == "mistral/mistral-small-2503"
    assert identify("mistral", "mistral-large-latest").canonical_id == "mistral/mistral-large"
    assert snapshot_date("o3-2025-04-16") == snapshot_date("claude-3-opus-20250416")
    assert snapshot_date("gpt-4-0613") is None and snapshot_date("x-2025-02-30") is None


def test_bedrock_versions_keep_a_model_s_own_version() -> None:
    assert identify("bedrock", "amazon.titan-embed-text-v2:0").canonical_id == (
        "amazon/titan-embed-text-v2"
    )
    assert identify("bedrock", "amazon.titan-embed-text-v1").canonical_id == (
        "amazon/titan-embed-text-v1"
    )
    assert identify("bedrock", "deepseek.r1-v1:0").canonical_id == "deepseek/deepseek-r1"


def test_names_that_make_images() -> None:
    assert makes_images("accounts/fireworks/models/flux-1-dev-controlnet-union")
    assert makes_images("dall-e-3") and makes_images("stable-diffusion-xl-1024-v1-0")
    assert not makes_images("gpt-4o") and not makes_images("reflux-7b")


def test_a_key_that_cannot_be_an_id_is_refused_not_an_error() -> None:
    assert identify("openai", "   ").refused == "the key is empty"
    long = identify("openai", "x" * (MAX_ID + 1))
    assert long.refused is not None and not long.usable and long.offer_id == ""


# ---- properties ------------------------------------------------------------------------

SELLERS = [
    "anthropic",
    "openai",
    "google",
    "openrouter",
    "bedrock_converse",
    "vertex_ai-anthropic_models",
    "azure",
    "fireworks_ai",
    "together_ai",
    "groq",
    "mistral",
    "zai",
    "deepseek",
    "cloudflare",
]
PIECES = st.sampled_from(
    [
        "claude",
        "opus",
        "sonnet",
        "4",
        "4.6",
        "3-5",
        "gpt",
        "4o",
        "o3",
        "llama",
        "3.1",
        "70b",
        "instruct",
        "qwen3",
        "gemini",
        "2.5",
        "flash",
        "mistral",
        "large",
        "glm",
        "v1",
        "mini",
        "20240620",
        "2024-05-13",
        "0613",
        "2507",
        "latest",
        "preview",
        "exp",
        "p1",
        "x",
    ]
)
PREFIXES = st.sampled_from(
    [
        "",
        "anthropic/",
        "meta-llama/",
        "openrouter/",
        "~openai/",
        "global.anthropic.",
        "us.meta.",
        "bedrock/us-east-1/",
        "azure/eu/",
        "vertex_ai/",
        "accounts/fireworks/models/",
        "@cf/qwen/",
        "qwen/",
        "deepseek.",
        "z-ai/",
        "nvidia/",
        "liquid/",
    ]
)
SUFFIXES = st.sampled_from(
    ["", ":free", ":thinking", "-v1:0", "-v2:0", "@20240620", "@default", "@2407", "-latest", ":0"]
)
KEYS = st.builds(
    lambda prefix, pieces, suffix: prefix + "-".join(pieces) + suffix,
    PREFIXES,
    st.lists(PIECES, min_size=1, max_size=5),
    SUFFIXES,
)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300), st.text(max_size=40), st.one_of(st.none(), st.text(max_size=40)))
def test_any_string_gives_an_identity_never_an_error(
    key: str, seller: str, name: str | None
) -> None:
    who = identify(seller, key, display_name=name, slug=name)
    for made in (who.offer_id, who.canonical_id):
        assert made == made.lower() and len(made) <= MAX_ID
    assert who.usable == (not who.pointer and who.refused is None)
    if who.usable:
        assert "/" in who.offer_id and "/" in who.canonical_id


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(SELLERS), KEYS)
def test_a_model_id_is_a_fixed_point(seller: str, key: str) -> None:
    """A model id read back as a `maker/model` slug gives itself back."""
    who = identify(seller, key)
    if not who.usable or who.maker is None:
        return
    again = identify("openrouter", who.canonical_id)
    assert again.canonical_id == who.canonical_id, (key, who.steps, again.steps)


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(SELLERS), KEYS)
def test_a_model_s_bare_name_under_its_maker_gives_the_model(seller: str, key: str) -> None:
    """Idempotent: the maker's own bare name of a model is that model (when the name's
    family does not belong to another maker: a fine-tune under its own org is the exception)."""
    who = identify(seller, key)
    if not who.usable or who.maker is None:
        return
    maker, name = who.canonical_id.split("/", 1)
    if family(name) not in (None, maker):
        return
    assert identify(maker, name).canonical_id == who.canonical_id, (key, who.steps)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(SELLERS), KEYS), min_size=1, max_size=30), st.randoms())
def test_identity_does_not_depend_on_order(keys: list[tuple[str, str]], rnd: random.Random) -> None:
    forward = {pair: identify(*pair) for pair in keys}
    shuffled = list(keys)
    rnd.shuffle(shuffled)
    identify.cache_clear()  # not the cache answering: the rules, computed again
    assert {pair: identify(*pair) for pair in shuffled} == forward
