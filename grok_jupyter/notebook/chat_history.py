"""``Conversation``: the turns of one named chat, shared by the ``%%grok`` magic and
the ``ChatPanel``.

A conversation is a flat list of wire messages; a *turn* is a user message
with the assistant and tool messages that answered it, with a ``TurnMeta``
(usage, cost, model, citations) beside it. Turn operations (delete,
edit-and-resend, regenerate, clear) can be undone once. A conversation may hold
compactions (``CompactionRecord``): the latest one's items stand in for the
messages before its ``upto`` when a turn is sent, while the messages themselves
stay, for display and export. Subscribers (the panel)
hear about every change, whichever side made it, and the saver set by
``conversation.get_conversation`` (the chat store's autosave) runs after each.

Which conversation a name means lives in ``chat_registry.py`` (in memory) and
``conversation.py`` (memory, else the chat store); this module knows neither.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ..client._types import Message, ToolCall, Usage
from .chat_compaction import CompactionRecord, CompactionState
from .chat_marks import TurnMarks

INTERRUPTED_MARKER = "\n\n[interrupted]"

Listener = Callable[["Conversation"], None]


@dataclass
class TurnMeta:
    """What a turn cost and cited; kept beside the messages, one per turn."""

    usage: Usage | None = None
    cost_usd: float = 0.0
    model: str | None = None
    citations: list[dict[str, Any]] = field(default_factory=list)  # {index, url, title}
    usage_estimated: bool = False
    # Server-side tool calls by counter ({"web_search_calls": 2}) and their part of cost_usd.
    tool_calls: dict[str, int] = field(default_factory=dict)
    tool_cost_usd: float = 0.0
    activity: list[dict[str, str]] = field(default_factory=list)  # chat_marks.py


@dataclass(frozen=True)
class Turn:
    """One turn: the prompt, the messages that answered it, and what it cost."""

    index: int
    user: Message | None  # None only for replies stored before any user message
    replies: tuple[Message, ...]
    usage: Usage | None
    cost_usd: float
    model: str | None
    citations: tuple[dict[str, Any], ...]
    usage_estimated: bool
    server_tools: tuple[tuple[str, int], ...] = ()  # (counter, calls) of server-side tools
    server_tools_usd: float = 0.0  # their part of cost_usd
    activity: tuple[dict[str, str], ...] = ()  # server-side tool lines, as shown

    @property
    def prompt_text(self) -> str:
        return self.user.text if self.user is not None else ""

    @property
    def answer_text(self) -> str:
        """The text of the last assistant message (the answer after any tool rounds)."""
        for message in reversed(self.replies):
            if message.role == "assistant":
                return message.text
        return ""

    @property
    def interrupted(self) -> bool:
        return self.answer_text.endswith(INTERRUPTED_MARKER)

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        return tuple(c for m in self.replies if m.role == "assistant" for c in m.tool_calls or ())

    @property
    def images(self) -> int:
        return len(self.user.images) if self.user is not None else 0


@dataclass
class _Snapshot:
    """The state before a destructive edit, for ``undo``."""

    messages: list[Message]
    meta: list[TurnMeta]
    cost_usd: float
    response_id: str | None
    response_turns: int
    version: int = 0  # the conversation's version right after the edit
    compactions: list[CompactionRecord] = field(default_factory=list)


def _turn_starts(messages: list[Message]) -> list[int]:
    """Index of the first message of each turn."""
    starts = [i for i, m in enumerate(messages) if m.role == "user"]
    if messages and (not starts or starts[0] != 0):
        starts.insert(0, 0)  # replies before any prompt form a turn of their own
    return starts


class Conversation(CompactionState, TurnMarks):
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
        self._meta: list[TurnMeta] = []
        self._compactions: list[CompactionRecord] = []  # oldest first; the last may be active
        self._lock = threading.RLock()
        self._listeners: list[Listener] = []
        # (key, length after it) of the last turn a notebook cell took, so re-running that
        # cell replaces its turn instead of stacking a duplicate (see ``replace_turn_of``).
        self._last_source: tuple[str, int] | None = None
        self._version = 0  # bumped by every change; undo is valid only at the version it saw
        self._undo: _Snapshot | None = None
        # Set by get_conversation: called after every change to save the conversation.
        self._saver: Callable[[Conversation], None] | None = None

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
            self._sync_meta()
            self._version += 1
        self._changed()

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
            start = next(
                (
                    i
                    for i in range(len(self._messages) - 1, -1, -1)
                    if self._messages[i].role == "user"
                ),
                None,
            )
            self._last_source = None
            if start is None:
                return False
            del self._messages[start:]
            self._sync_meta()
            self._edited(cut=start)
        self._changed()
        return True

    def reset(self) -> None:
        """Clear the conversation; ``undo()`` brings the cleared turns back."""
        with self._lock:
            snapshot = self._snapshot() if self._messages else None
            self._last_source = None
            self._messages.clear()
            self._meta.clear()
            self.cost_usd = 0.0
            self._edited(snapshot, cut=0)
        self._changed()

    def add_cost(self, usd: float) -> None:
        if not usd:
            return  # a failed request costs nothing, and must not end an undo
        with self._lock:
            self.cost_usd += usd
            if self._meta:
                self._meta[-1].cost_usd += usd  # run_turn adds a turn's cost right after it
            self._version += 1
        self._save()

    def end_turn(self, result: Any) -> None:
        """Record the finished turn's usage, model and citations on the latest turn.

        Called by the turn engine (``run_turn``) after it commits; ``result``
        is their ``TurnResult`` (read by attribute, so any object with those fields works).
        """
        citations = [
            {
                "index": getattr(c, "index", i),
                "url": getattr(c, "url", ""),
                "title": getattr(c, "title", None),
            }
            for i, c in enumerate(getattr(result, "citations", None) or (), 1)
        ]
        if getattr(result, "error", None) is not None and not getattr(result, "interrupted", False):
            return  # a failed request commits nothing: the latest turn is an older one
        with self._lock:
            if not self._meta:
                return
            meta = self._meta[-1]
            meta.usage = getattr(result, "usage", None)
            meta.model = getattr(result, "model", None) or meta.model
            meta.citations = citations
            meta.usage_estimated = bool(getattr(result, "usage_estimated", False))
            meta.tool_calls = dict(getattr(result, "tool_counts", None) or {})
            meta.tool_cost_usd = float(getattr(result, "tool_cost_usd", 0.0) or 0.0)
            self._version += 1
        self._changed()

    def request_messages(self, system: str | None = None) -> list[Message]:
        """What to send: the system prompt (``system`` or the stored one), then the turns."""
        prompt = system if system is not None else self.system
        with self._lock:
            turns = list(self._messages)
        return ([Message.system(prompt)] if prompt else []) + turns

    # --- turns -------------------------------------------------------------

    @property
    def turns(self) -> list[Turn]:
        """Every turn, oldest first (a snapshot)."""
        with self._lock:
            messages = list(self._messages)
            meta = [replace(m, citations=list(m.citations)) for m in self._meta]
        starts = _turn_starts(messages)
        out = []
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else len(messages)
            first = messages[start]
            user = first if first.role == "user" else None
            replies = tuple(messages[start + (user is not None) : end])
            info = meta[i] if i < len(meta) else TurnMeta()
            out.append(
                Turn(
                    i,
                    user,
                    replies,
                    info.usage,
                    info.cost_usd,
                    info.model,
                    tuple(info.citations),
                    info.usage_estimated,
                    tuple(info.tool_calls.items()),
                    info.tool_cost_usd,
                    tuple(info.activity),
                )
            )
        return out

    @property
    def turn_count(self) -> int:
        with self._lock:
            return len(_turn_starts(self._messages))

    def delete_turn(self, index: int) -> Turn:
        """Remove turn ``index`` (negative counts from the end); ``undo()`` restores it."""
        with self._lock:
            turn = self.turns[self._turn_index(index)]
            start, end = self._span(turn.index)
            snapshot = self._snapshot()
            del self._messages[start:end]
            del self._meta[turn.index]  # cost_usd stays: the money was spent
            self._sync_meta()
            self._edited(snapshot, cut=start)
        self._changed()
        return turn

    def truncate_before(self, index: int) -> Message:
        """Edit and resend: drop turn ``index`` and every later turn; returns turn
        ``index``'s user message (text and images) to edit. ``undo()`` restores them."""
        with self._lock:
            turn = self.turns[self._turn_index(index)]
            if turn.user is None:
                raise ValueError(f"turn {index} has no prompt to edit")
            start, _ = self._span(turn.index)
            snapshot = self._snapshot()
            del self._messages[start:]
            del self._meta[turn.index :]  # cost_usd stays: the money was spent
            self._sync_meta()
            self._edited(snapshot, cut=start)
        self._changed()
        return turn.user

    def regenerate(self) -> Message:
        """Drop the last turn and return its prompt, to send again (``run_turn`` appends
        the prompt and the new answer). ``undo()`` restores the old answer."""
        if not self.turn_count:
            raise ValueError(f"conversation {self.name!r} has no turn to regenerate")
        return self.truncate_before(-1)

    @property
    def can_undo(self) -> bool:
        """True while nothing has changed since the last clear, delete, edit or regenerate."""
        with self._lock:
            return self._undo is not None and self._undo.version == self._version

    def undo(self) -> bool:
        """Restore the state before the last clear, delete, edit or regenerate."""
        with self._lock:
            if not self.can_undo:
                return False
            snap = self._undo
            assert snap is not None
            self._messages = list(snap.messages)
            self._meta = list(snap.meta)
            self._compactions = [replace(c) for c in snap.compactions]
            self.cost_usd = snap.cost_usd
            self._undo = None
            self._last_source = None
            # The stored chain may still match (nothing else happened), but resending is safe.
            self.response_id = None
            self._version += 1
        self._changed()
        return True

    def to_markdown(self) -> str:
        """Every turn as Markdown: prompts, answers, tool calls, citations, a footer line."""
        from .transcript import conversation_markdown

        return conversation_markdown(self)

    # --- internals ---------------------------------------------------------

    def _turn_index(self, index: int) -> int:
        count = len(_turn_starts(self._messages))
        if not -count <= index < count:
            raise IndexError(
                f"conversation {self.name!r} has {count} turn{'s' * (count != 1)}; "
                f"there is no turn {index}"
            )
        return index % count

    def _span(self, index: int) -> tuple[int, int]:
        starts = _turn_starts(self._messages)
        end = starts[index + 1] if index + 1 < len(starts) else len(self._messages)
        return starts[index], end

    def _sync_meta(self) -> None:
        # One TurnMeta per turn: new turns get an empty one, dropped tail turns lose theirs.
        count = len(_turn_starts(self._messages))
        del self._meta[count:]
        self._meta.extend(TurnMeta() for _ in range(count - len(self._meta)))

    def _snapshot(self) -> _Snapshot:
        return _Snapshot(
            list(self._messages),
            [replace(m) for m in self._meta],
            self.cost_usd,
            self.response_id,
            self.response_turns,
            compactions=[replace(c) for c in self._compactions],
        )

    def _edited(self, snapshot: _Snapshot | None = None, *, cut: int | None = None) -> None:
        # History changed under the stored Responses chain: the next turn resends it all.
        # And a re-run cell no longer owns "the latest turn" (its length could match again).
        # A compaction covering a removed message (from ``cut`` on) no longer matches.
        if cut is not None:
            self._compactions = [c for c in self._compactions if c.upto <= cut]
        self._last_source = None
        self.response_id = None
        self.response_turns = 0
        self._version += 1
        if snapshot is not None:
            snapshot.version = self._version
            self._undo = snapshot

    def _export_state(self) -> tuple[list[Message], list[TurnMeta], _Snapshot | None]:
        """For the chat store: the messages, the turn metadata and the live undo state
        (the compactions: ``compactions``)."""
        with self._lock:
            undo = self._undo if self.can_undo else None
            return list(self._messages), [replace(m) for m in self._meta], undo

    def _import_state(
        self,
        messages: list[Message],
        meta: list[TurnMeta],
        undo: _Snapshot | None,
        compactions: list[CompactionRecord] | None = None,
    ) -> None:
        """For the chat store: the state of a saved conversation (no listeners run)."""
        with self._lock:
            self._messages = list(messages)
            self._meta = list(meta)
            self._compactions = [c for c in compactions or () if 0 < c.upto <= len(messages)]
            self._sync_meta()
            self._version += 1
            if undo is not None:
                undo.version = self._version
            self._undo = undo

    def subscribe(self, callback: Listener) -> Callable[[], None]:
        """Call ``callback(self)`` after every change; returns the unsubscribe function."""
        with self._lock:
            self._listeners.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return unsubscribe

    def _changed(self) -> None:
        self._notify()
        self._save()

    def _save(self) -> None:
        saver = self._saver
        if saver is not None:
            saver(self)

    def _notify(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for callback in listeners:
            callback(self)
