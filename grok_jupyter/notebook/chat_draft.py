"""A turn in progress, saved with its chat so a kernel that dies mid-turn loses no step.

The engine commits a turn only when it ends. A turn with kernel tools (the agent's steps)
can take minutes, and a step can kill the kernel (``os._exit``, a segfault, the OOM
killer). So after each model round that asked for tools, and after their results, the
engine keeps what the turn has so far as a *draft* (``keep_draft``); the chat store writes
it beside the committed messages (``"draft"`` in the chat file, atomically as every save).
Committing the turn, or ending it any other way, drops the draft. A file still holding one
was written by a kernel that stopped mid-turn: loading it (``recovered``) appends the draft
as an interrupted turn, answering any step left without a result, so the chat shows every
step done and a later turn's history is one the API accepts.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..client._types import Message
from .chat_history import INTERRUPTED_MARKER

if TYPE_CHECKING:
    from .chat_history import Conversation

KERNEL_STOPPED = ("The kernel stopped during this turn (it died or was restarted), so the "
                  "turn ended here. The steps above are the ones that were done; cells "
                  "already inserted in the notebook stay there.")
NO_RESULT = ("No result: the kernel stopped while this step ran (it may have killed the "
             "kernel) or before its result was kept.")


@dataclass
class Draft:
    messages: list[Message]  # from the turn's prompt on, as the engine would commit them
    cost_usd: float  # what the turn's rounds cost so far


_DRAFTS: weakref.WeakKeyDictionary[Conversation, Draft] = weakref.WeakKeyDictionary()


def keep_draft(conversation: Conversation, messages: list[Message], cost_usd: float) -> None:
    """Save the turn so far with ``conversation``'s chat (no-op for a chat not saved)."""
    if conversation._saver is None:
        return
    _DRAFTS[conversation] = Draft(list(messages), cost_usd)
    conversation._save()


def drop_draft(conversation: Conversation, *, save: bool = True) -> None:
    """The turn ended: forget its draft, and (``save``) write the chat without it."""
    if _DRAFTS.pop(conversation, None) is not None and save:
        conversation._save()


def draft_of(conversation: Conversation) -> Draft | None:
    """The draft the chat store writes with ``conversation``, if a turn is in progress."""
    return _DRAFTS.get(conversation)


def recovered(messages: list[Message]) -> list[Message]:
    """A draft found on load, as the interrupted turn the chat keeps: every tool call
    answered (``NO_RESULT`` for those without a result), then the closing note."""
    answered = {m.tool_call_id for m in messages if m.role == "tool"}
    out = list(messages)
    for message in messages:
        for call in message.tool_calls or ():
            if call.id not in answered:
                out.append(Message.tool(call.id, NO_RESULT))
    out.append(Message.assistant(KERNEL_STOPPED + INTERRUPTED_MARKER))
    return out


def ended_by_kernel(conversation: Conversation) -> bool:
    """The conversation's latest turn is one a stopped kernel left (``recovered``)."""
    messages = conversation.messages
    last = messages[-1] if messages else None
    return (last is not None and last.role == "assistant" and isinstance(last.content, str)
            and last.content.startswith(KERNEL_STOPPED))
