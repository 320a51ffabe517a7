"""Who made a model: the tables `bot.sources.identity` reads a maker from.

Three ways a feed key names its maker, tried in this order by `identity`:

- an explicit prefix: OpenRouter and Hugging Face slugs (`meta-llama/…`), LiteLLM
  paths (`vertex_ai/meta/…`), Bedrock's dotted ids (`anthropic.claude-…`);
  `maker_id` turns the prefix into pricebot's maker id;
- the model's family, read from the start of its name (`claude-…` is
  Anthropic's, `gpt-…` OpenAI's): `family`;
- the seller itself, when it sells only what it makes (see `sellers.RESELLERS`).

Every table here is matched by one precompiled regex or a dict lookup: no scan
of a table per key.
"""

from __future__ import annotations

import re

# A feed's spelling of a maker (an org slug, a provider route) → pricebot's maker id.
# Anything not listed goes through `identity.vendor_id` (moonshotai → moonshot, …).
MAKER_ALIASES = {
    "meta-llama": "meta",
    "meta-models": "meta",
    "meta_llama": "meta",
    "facebook": "meta",
    "codellama": "meta",
    "mistralai": "mistral",
    "x-ai": "xai",
    "qwen": "alibaba",
    "alibaba-nlp": "alibaba",
    "dashscope": "alibaba",
    "z-ai": "zhipu",
    "zai-org": "zhipu",
    # Z.ai sells GLM under its own name; the maker of GLM is Zhipu.
    "zai": "zhipu",
    "thudm": "zhipu",
    "zhipuai": "zhipu",
    "bigmodel": "zhipu",
    "moonshotai": "moonshot",
    "bytedance-seed": "bytedance",
    "bytedance-research": "bytedance",
    "volcengine": "bytedance",
    "ibm-granite": "ibm",
    "deepseek-ai": "deepseek",
    "minimaxai": "minimax",
    "nous": "nousresearch",
    "cohereforai": "cohere",
    "coherelabs": "cohere",
    "tiiuae": "tii",
    "stabilityai": "stability",
    "black_forest_labs": "black-forest-labs",
    "liquidai": "liquid",
    "ai21labs": "ai21",
    "stepfun-ai": "stepfun",
    "arcee-ai": "arcee",
    "rekaai": "reka",
    "amazon-nova": "amazon",
    "perplexity-ai": "perplexity",
    "xiaomimimo": "xiaomi",
    "google-deepmind": "google",
    "gemini": "google",
}

# OpenRouter's org slug for a maker, where it differs from pricebot's maker id: a
# genai-prices OpenRouter entry without a prefix (`lfm-7b`) gets the one OpenRouter uses.
OPENROUTER_ORGS = {
    "meta": "meta-llama",
    "mistral": "mistralai",
    "xai": "x-ai",
    "alibaba": "qwen",
    "zhipu": "z-ai",
    "moonshot": "moonshotai",
    "ibm": "ibm-granite",
    "reka": "rekaai",
    "arcee": "arcee-ai",
}

# Family words at the start of a model name → its maker. Specific before general:
# Perplexity's and NVIDIA's Llama derivatives before Llama, GPT-J before GPT.
_FAMILIES: tuple[tuple[str, str], ...] = (
    (r"llama-?[\d.-]*-sonar", "perplexity"),
    (r"llama-?[\d.-]*-nemotron", "nvidia"),
    (r"nous-hermes|hermes|deephermes|nous", "nousresearch"),
    (r"dolphin", "cognitivecomputations"),
    (r"gpt-j|gpt-neox?", "eleutherai"),
    (r"claude", "anthropic"),
    (
        r"gpt|chatgpt|o[134]|text-embedding-(?:3|ada)|dall-e|whisper|tts|sora|davinci|babbage"
        r"|curie|ada|text-davinci|text-moderation|omni-moderation|codex|computer-use",
        "openai",
    ),
    (
        r"gemini|gemma|imagen|imagegeneration|veo|lyria|learnlm|(?:text|chat|code|codechat)-bison"
        r"|text-unicorn|text-embedding-\d{3}|text-multilingual-embedding|textembedding-gecko"
        r"|multimodalembedding|palm|medlm",
        "google",
    ),
    (r"code-?llama|llama|muse-spark", "meta"),
    (
        r"open-mistral|open-mixtral|mistral|mixtral|codestral|devstral|magistral|pixtral"
        r"|ministral|voxtral",
        "mistral",
    ),
    (r"deepseek", "deepseek"),
    (r"qwen|qwq|qvq", "alibaba"),
    (r"glm|chatglm|autoglm|cogview|cogvideox?|codegeex", "zhipu"),
    (r"command|c4ai|aya|embed-(?:english|multilingual|v\d)", "cohere"),
    (r"grok", "xai"),
    (r"kimi|moonshot", "moonshot"),
    (r"minimax|abab", "minimax"),
    (r"ernie", "baidu"),
    (r"hunyuan", "tencent"),
    (r"doubao|seed|seedream|seedance|ui-tars|skylark", "bytedance"),
    (r"phi|mai|wizardlm", "microsoft"),
    (r"jamba|j2", "ai21"),
    (r"lfm", "liquid"),
    # Amazon's Nova by its sizes: Deepgram's speech models are called nova-2, nova-3.
    (
        r"nova-(?:micro|lite|pro|premier|canvas|reel|sonic|act|2-(?:lite|pro|sonic|omni|multimodal))"
        r"|titan",
        "amazon",
    ),
    (r"sonar|pplx|r1-1776", "perplexity"),
    (r"yi", "01-ai"),
    (r"granite", "ibm"),
    (r"nemotron", "nvidia"),
    (r"olmo|molmo|tulu", "allenai"),
    (r"flux", "black-forest-labs"),
    (r"stable-diffusion|sdxl|sd3|stable-image|stable-audio", "stability"),
    (r"reka", "reka"),
    (r"solar", "upstage"),
    (r"mercury", "inception"),
    (r"palmyra", "writer"),
    (r"voyage", "voyageai"),
    (r"jina", "jina"),
    (r"mythomax", "gryphe"),
    (r"starcoder", "bigcode"),
    (r"falcon", "tii"),
    (r"baichuan", "baichuan"),
    (r"step", "stepfun"),
    (r"mimo", "xiaomi"),
    (r"dbrx", "databricks"),
    (r"arctic", "snowflake"),
    (r"bge", "baai"),
)
# One regex, one named group per family; a family word ends where a letter does not follow.
_FAMILY = re.compile(
    "^(?:" + "|".join(f"(?P<f{i}>(?:{p})(?![a-z]))" for i, (p, _) in enumerate(_FAMILIES)) + ")"
)
_FAMILY_MAKERS = {f"f{i}": maker for i, (_, maker) in enumerate(_FAMILIES)}

# Makers whose dotted prefix Bedrock (and OCI) put before a model: `anthropic.claude-…`.
DOTTED_MAKERS = (
    "anthropic|meta|amazon|cohere|minimax|stability|mistral|qwen|moonshotai|moonshot|openai"
    "|xai|deepseek|google|ai21|zai|nvidia|writer|twelvelabs|luma"
)

# Makers pricebot knows by name: a path segment naming one of them is a maker prefix
# even deep in a LiteLLM path (`vertex_ai/meta/llama3-405b-instruct-maas`).
KNOWN_MAKERS = frozenset(
    set(_FAMILY_MAKERS.values())
    | set(MAKER_ALIASES.values())
    | {"openai", "anthropic", "google", "microsoft", "nvidia", "amazon", "twelvelabs", "luma"}
)

# Names of models that make images, whatever a feed's mode says.
IMAGE_MODEL = re.compile(
    r"(?:^|[-/.])(?:flux|stable-diffusion|sdxl|sd3|stable-image|dall-e|imagen|imagegeneration"
    r"|gpt-image|playground-v|recraft|ideogram|seedream|hidream|kandinsky|midjourney|cogview"
    r"|qwen-image|ssd-1b|segmind)(?![a-z])"
)


def family(name: str) -> str | None:
    """The maker a model name's family says (`claude-…` → anthropic), or None."""
    match = _FAMILY.match(name)
    if match is None or match.lastgroup is None:
        return None
    return _FAMILY_MAKERS[match.lastgroup]


def first_word_maker(name: str) -> str | None:
    """The maker a name's first word is (`cohere-rerank-v4` → cohere), or None."""
    word = name.split("-", 1)[0]
    maker = MAKER_ALIASES.get(word) or (word if word in KNOWN_MAKERS else None)
    return maker if maker is not None and word != name else None


def makes_images(name: str) -> bool:
    """Whether a model's name says it makes images (flux, stable-diffusion, dall-e, …)."""
    return IMAGE_MODEL.search(name.lower()) is not None
