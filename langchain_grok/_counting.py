"""Token counts for ``get_num_tokens*``: grok-jupyter's own tokenizer, offline.

xAI's tokenizer is private. The shared one (``grok_jupyter.client.count_tokens`` and kin)
is what the emulator bills with and what the client's context-window check
uses, so these counts need no network and no ``transformers``, and they land
in the real tokenizer's range (about four characters a token of English).
For the server's own count of a text, use ``GrokClient.count_tokens``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.messages import BaseMessage

if TYPE_CHECKING:
    from grok_jupyter.client import CostEstimate


def count_text(text: str) -> int:
    from grok_jupyter.client import count_tokens

    return count_tokens(text)


def token_ids(text: str) -> list[int]:
    from grok_jupyter.client import split_tokens, token_id

    return [token_id(t) for t in split_tokens(text)]


def count_messages(messages: Sequence[BaseMessage], tools: Sequence[Any] | None = None) -> int:
    """Prompt tokens of ``messages`` (and offered ``tools``), by the emulator's billing rule.

    Images whose size is unknown here count as a 1024 px square.
    """
    return _prompt_counts(messages, tools)[0]


def _prompt_counts(messages: Sequence[BaseMessage], tools: Sequence[Any] | None) -> tuple[int, int]:
    """(prompt tokens, the image tokens among them)."""
    from grok_jupyter.client import count_prompt_tokens
    from langchain_grok._convert import to_wire_messages
    from langchain_grok._tools import format_tools

    wire = [m.to_wire() for m in to_wire_messages(messages)]
    offered = format_tools(tools) if tools else None
    total = count_prompt_tokens(wire, offered)
    return total, total - count_prompt_tokens(wire, offered, image_tokens_of=lambda part: 0)


def estimate(
    model: str,
    messages: Sequence[BaseMessage],
    *,
    tools: Sequence[Any] | None,
    output_tokens: int,
    tool_calls: Mapping[str, int] | None,
    service_tier: str | None,
    catalog: Any,
) -> CostEstimate:
    """``grok_jupyter.client.estimate_cost`` for a prompt counted as ``count_messages``
    counts it: the long-context tier, priority and tool fees applied, as for any request."""
    from grok_jupyter.client import estimate_cost

    prompt, images = _prompt_counts(messages, tools)
    return estimate_cost(
        model,
        prompt_tokens=prompt,
        output_tokens=output_tokens,
        image_tokens=images,
        tool_calls=tool_calls,
        service_tier=service_tier,
        catalog=catalog,
    )
