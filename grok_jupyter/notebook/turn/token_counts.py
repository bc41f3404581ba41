"""Prompt tokens of a turn's messages, counted once per message and kept per conversation.

Before each turn two readers count the history with the shared tokenizer: the
compaction check (``compaction.before_turn``) and the cost guard (``guard``). A
history only grows between turns, so each message is counted once, when it is first
seen, and the count is kept with the conversation; a turn counts only what is new.
The tokenizer's count is a sum over messages (``client._tokens.count_prompt_tokens``),
so the sum of the kept counts is the count of the whole.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from ...client._tokens import count_prompt_tokens

if TYPE_CHECKING:
    from ...client._types import Message

# conversation -> {id(message): (message, tokens)}; the message is kept so its id stays its own
_kept: weakref.WeakKeyDictionary[Any, dict[int, tuple[Message, int]]] = (
    weakref.WeakKeyDictionary()
)


def count_messages(messages: list[Message], conversation: Any = None) -> int:
    """Prompt tokens of ``messages`` by the shared tokenizer (as the emulator bills them);
    with ``conversation``, each message's count is kept for the next turn."""
    if conversation is None:
        return count_prompt_tokens([m.to_wire() for m in messages])
    memo = _kept.get(conversation)
    if memo is None:
        memo = _kept[conversation] = {}
    total = 0
    for message in messages:
        hit = memo.get(id(message))
        if hit is not None and hit[0] is message:
            total += hit[1]
            continue
        tokens = count_prompt_tokens([message.to_wire()])
        memo[id(message)] = (message, tokens)
        total += tokens
    if len(memo) > 2 * len(conversation) + 64:  # turns replaced or reset: keep the live ones
        live = {id(m) for m in conversation.messages} | {id(m) for m in messages}
        for key in [k for k in memo if k not in live]:
            del memo[key]
    return total
