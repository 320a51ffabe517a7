"""Which models answer token questions, and which others are worth a footnote.

LiteLLM files text models as `chat` or `completion`, and Responses-API text models as
`responses`: those three answer "cheapest for 1M tokens". Everything else (images,
audio, video, search, realtime …) is priced per image, song, second or request, or
per token for something else: left out of token questions, and counted in a footnote
when it would otherwise have ranked — except the modes nobody would expect in such a
ranking (embeddings, rerankers, moderation), which are left out silently.
"""

from __future__ import annotations

ANSWERING_MODES: frozenset[str] = frozenset({"chat", "completion", "responses"})
QUIET_MODES: frozenset[str] = frozenset({"embedding", "rerank", "moderation", "vector_store"})
