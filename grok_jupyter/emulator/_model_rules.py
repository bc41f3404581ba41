"""What the newest reference says of a model's routes that the catalogue does not record yet.

The catalogue (``client/catalog.json``) is the client's file and holds prices and
parameters; ``apis``, ``batch`` and ``reasoning_content`` are filled there only
where a source was known when it was written. shared/xai-api-2026-09.md adds
evidence for a few models, applied here on top of the catalogue: the catalogue
wins where it says "no", this table where the catalogue is silent or older. An
entry can go once the catalogue says the same.
"""

from __future__ import annotations

from ..client._catalog import ModelInfo

# "Responses API only" [DOC quoted in models.dev#2352]; the catalogue lists chat too [U there].
RESPONSES_ONLY = frozenset({"grok-4.20-multi-agent-0309"})
# Batch "not supported" [DOC, 2026-09 reference section 1 and 5].
NOT_BATCHABLE = frozenset({"grok-4.5", "grok-4.6"})
# Chat replies carry ``message.reasoning_content``: grok-4.3 [REC vercel/ai issue-17936-chat,
# 2026-07-28]; grok-4.6 [U: pi#8124 (2026-08-15) saw its Chat replies put the answer there].
# grok-4.5, grok-4.7 and grok-4.20 have no recording either way: left without it [U].
CHAT_REASONING_CONTENT = frozenset({"grok-4.3", "grok-4.6"})


def takes_chat(info: ModelInfo) -> bool:
    """Whether ``/v1/chat/completions`` serves the model."""
    listed = info.apis is None or "chat" in info.apis
    return listed and info.id not in RESPONSES_ONLY


def batchable(info: ModelInfo) -> bool:
    """Whether the Batch API answers requests for the model."""
    return info.batch is not False and info.id not in NOT_BATCHABLE


def chat_reasoning_content(info: ModelInfo) -> bool:
    """Whether a Chat Completions reply (and stream) carries ``reasoning_content``."""
    return info.reasoning_content or info.id in CHAT_REASONING_CONTENT
