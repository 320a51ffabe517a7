"""Sellers: pricebot's id for each feed's spelling of a seller, its name, and who resells.

genai-prices, LiteLLM and OpenRouter each spell some sellers their own way
(`bedrock_converse`, `vertex_ai-anthropic_models`, `x-ai`); `vendor_id` maps
them to one id, the bundled catalog's where it has one. Z.ai (`zai`, USD,
international) and Zhipu (`zhipu`, CNY, bigmodel.cn) are different sellers.
"""

from __future__ import annotations

import re
from functools import cache

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
    "ai21": "AI21 Labs",
    "alibaba": "Alibaba Cloud",
    "amazon": "Amazon",
    "anthropic": "Anthropic",
    "anyscale": "Anyscale",
    "crusoe": "Crusoe",
    "deepinfra": "DeepInfra",
    "friendliai": "FriendliAI",
    "hyperbolic": "Hyperbolic",
    "inception": "Inception",
    "jina_ai": "Jina AI",
    "lambda_ai": "Lambda",
    "nebius": "Nebius AI Studio",
    "nlp_cloud": "NLP Cloud",
    "nscale": "Nscale",
    "oci": "Oracle Cloud (OCI)",
    "replicate": "Replicate",
    "sambanova": "SambaNova",
    "scaleway": "Scaleway",
    "snowflake": "Snowflake",
    "vercel_ai_gateway": "Vercel AI Gateway",
    "wandb": "Weights & Biases",
    "watsonx": "IBM watsonx",
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

_VENDOR_UNSAFE = re.compile(r"[^a-z0-9._-]+")


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
