"""Token counts for ``get_num_tokens*``: grok-jupyter's own tokenizer, offline.

xAI's tokenizer is private. The shared one (``grok_jupyter.client.count_tokens`` and kin)
is what the emulator bills with and what the client's context-window check
uses, so these counts need no network and no ``transformers``, and they land
in the real tokenizer's range (about four characters a token of English).
For the server's own count of a text, use ``GrokClient.count_tokens``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage


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
    from grok_jupyter.client import count_prompt_tokens
    from langchain_grok._convert import to_wire_messages
    from langchain_grok._tools import format_tools

    wire = [m.to_wire() for m in to_wire_messages(messages)]
    return count_prompt_tokens(wire, format_tools(tools) if tools else None)
