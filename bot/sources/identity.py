"""Who sells a model, and what pricebot calls it: one spelling per offer across every feed.

A model id names an *offer*: `seller/the seller's own name for it`. DeepSeek
selling DeepSeek-V3 is `deepseek/deepseek-chat`; OpenRouter reselling it is
`openrouter/deepseek/deepseek-chat`, a separate model whose vendor is
OpenRouter. Each offer has its own price, so "cheapest" can say who sells it.
The same offer listed by several feeds (genai-prices and LiteLLM both list
DeepSeek's own deepseek-chat) is one model with prices from each source.
See docs/sources.md.
"""

from __future__ import annotations

import re

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
# feed is not theirs to claim as an alias.
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
    }
)

MAX_ID = 200
_UNSAFE = re.compile(r"[^a-z0-9._:@/+-]+")
_VENDOR_UNSAFE = re.compile(r"[^a-z0-9._-]+")


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
