"""The conversations in memory, by name: one ``Conversation`` per name in the kernel.

The magic and the panel see each other's turns because both find conversations
here. ``conversation.get_conversation`` fills it (from the chat store when a name
is saved); the chat store reads it to prefer the live conversation over its file.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .chat_history import Conversation

_conversations: dict[str, Conversation] = {}
_lock = threading.Lock()


def lookup(name: str) -> Conversation | None:
    """The conversation in memory called ``name``, or None."""
    with _lock:
        return _conversations.get(name)


def get_or_add(name: str, create: Callable[[], Conversation]) -> tuple[Conversation, bool]:
    """The conversation in memory called ``name``, else ``create()`` kept under that name;
    and whether it was created. One lock around both, so two threads asking for the
    same new name get the same conversation (and load its file once)."""
    with _lock:
        conversation = _conversations.get(name)
        if conversation is not None:
            return conversation, False
        conversation = _conversations[name] = create()
        return conversation, True


def conversation_names() -> list[str]:
    """The conversations in memory (``chat_store.chat_names()`` adds the saved ones)."""
    with _lock:
        return sorted(_conversations)


def forget_conversation(name: str) -> bool:
    """Drop ``name`` from memory (not from the store): the next ``get_conversation``
    loads it again. True if it was in memory."""
    with _lock:
        conversation = _conversations.pop(name, None)
    if conversation is None:
        return False
    conversation._saver = None  # a panel still showing it must not write the file back
    return True
