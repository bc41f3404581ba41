"""Named conversations, shared by the ``%%grok`` magic and the ``ChatPanel``.

A turn taken in either is seen by the other because both look conversations
up here by name. Subscribers (the panel) hear about every change, whichever
side made it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from ..client._types import Message

INTERRUPTED_MARKER = "\n\n[interrupted]"

Listener = Callable[["Conversation"], None]


class Conversation:
    """The turns of one named chat, without its system prompt.

    The system prompt is kept beside the turns (``system``) rather than as the
    first message so that the magic's ``-s`` and the panel's field can change
    it between turns without rewriting history.
    """

    def __init__(self, name: str = "default", *, system: str | None = None) -> None:
        self.name = name
        self.system = system
        self.model: str | None = None
        self.cost_usd = 0.0  # what its turns cost, whichever side (magic, panel) took them
        self._messages: list[Message] = []
        self._lock = threading.RLock()
        self._listeners: list[Listener] = []

    def __repr__(self) -> str:
        return f"Conversation(name={self.name!r}, turns={len(self._messages)})"

    def __len__(self) -> int:
        return len(self._messages)

    @property
    def messages(self) -> list[Message]:
        """A copy of the turns, oldest first."""
        with self._lock:
            return list(self._messages)

    def append(self, *messages: Message) -> None:
        with self._lock:
            self._messages.extend(messages)
        self._notify()

    def reset(self) -> None:
        with self._lock:
            self._messages.clear()
            self.cost_usd = 0.0
        self._notify()

    def add_cost(self, usd: float) -> None:
        with self._lock:
            self.cost_usd += usd

    def request_messages(self, system: str | None = None) -> list[Message]:
        """What to send: the system prompt (``system`` or the stored one), then the turns."""
        prompt = system if system is not None else self.system
        with self._lock:
            turns = list(self._messages)
        return ([Message.system(prompt)] if prompt else []) + turns

    def subscribe(self, callback: Listener) -> Callable[[], None]:
        """Call ``callback(self)`` after every change; returns the unsubscribe function."""
        with self._lock:
            self._listeners.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return unsubscribe

    def _notify(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for callback in listeners:
            callback(self)


_registry: dict[str, Conversation] = {}
_registry_lock = threading.Lock()


def get_conversation(name: str = "default") -> Conversation:
    """The conversation called ``name``, created empty on first use."""
    with _registry_lock:
        conversation = _registry.get(name)
        if conversation is None:
            conversation = _registry[name] = Conversation(name)
        return conversation


def conversation_names() -> list[str]:
    with _registry_lock:
        return sorted(_registry)
