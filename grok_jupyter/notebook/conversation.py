"""Named conversations, shared by the ``%%grok`` magic and the ``ChatPanel``.

A turn taken in either is seen by the other because both look conversations
up here by name. Subscribers (the panel) hear about every change, whichever
side made it.
"""

from __future__ import annotations

import threading
import uuid
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
        # Sent as x-grok-conv-id: one stable id per conversation so follow-up turns
        # share a cached prompt prefix. reset() keeps it (a fresh prefix just misses).
        self.conv_id = f"grok-jupyter-{uuid.uuid4()}"
        self.cost_usd = 0.0  # what its turns cost, whichever side (magic, panel) took them
        # The last stored Responses-API answer, chained with previous_response_id.
        self.response_id: str | None = None
        self.response_turns = 0  # len(messages) when it was stored: chain only if unchanged
        self._messages: list[Message] = []
        self._lock = threading.RLock()
        self._listeners: list[Listener] = []
        # (key, length after it) of the last turn a notebook cell took, so re-running that
        # cell replaces its turn instead of stacking a duplicate (see ``replace_turn_of``).
        self._last_source: tuple[str, int] | None = None

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

    def mark_turn(self, key: str) -> None:
        """The turn just committed came from ``key`` (a notebook cell)."""
        with self._lock:
            self._last_source = (key, len(self._messages))

    def replace_turn_of(self, key: str) -> bool:
        """If the latest turn came from ``key`` and nothing was added since, drop it
        (from its user message on), so the turn about to be taken replaces it."""
        with self._lock:
            if self._last_source != (key, len(self._messages)):
                return False
            start = next((i for i in range(len(self._messages) - 1, -1, -1)
                          if self._messages[i].role == "user"), None)
            self._last_source = None
            if start is None:
                return False
            del self._messages[start:]
            self.response_id = None  # the stored chain includes the dropped turn
        self._notify()
        return True

    def reset(self) -> None:
        with self._lock:
            self._last_source = None
            self._messages.clear()
            self.cost_usd = 0.0
            self.response_id = None
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
