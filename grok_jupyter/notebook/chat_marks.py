"""Two things a front end notes on a conversation after a turn: that an edit's Undo
outlives the turn that resent the edited prompt, and the server-side tool lines the turn
showed (searches, code runs, MCP calls), which are no message but belong to the answer.

``TurnMarks`` is the part of ``Conversation`` (``chat_history.py``) that does both.
"""

from __future__ import annotations

import threading
from typing import Any


class TurnMarks:
    """Undo across a resent turn, and a turn's tool lines (``TurnMeta.activity``)."""

    _lock: threading.RLock
    _undo: Any
    _version: int
    _meta: list[Any]
    cost_usd: float

    def undo_mark(self) -> int | None:
        """Where an Edit or Regenerate can be undone now (None: nothing to undo); give it
        to ``keep_undo`` after the turn that sends the edited prompt."""
        with self._lock:
            return self._version if self.can_undo else None  # type: ignore[attr-defined]

    def keep_undo(self, mark: int | None) -> None:
        """Undo still brings back what the Edit dropped after the resent turn (replacing
        it); the money that turn cost stays counted."""
        with self._lock:
            undo = self._undo
            if mark is not None and undo is not None and undo.version == mark:
                undo.version, undo.cost_usd = self._version, self.cost_usd

    def note_activity(self, lines: list[dict[str, str]]) -> None:
        """The latest turn's server-side tool lines (``{"kind": "status"|"tool", "text"}``),
        shown with its answer and saved with the chat, as the magic's output keeps them."""
        if not lines:
            return
        mark = self.undo_mark()
        with self._lock:
            if not self._meta:
                return
            self._meta[-1].activity = [dict(line) for line in lines]
            self._version += 1
        self.keep_undo(mark)  # a note is not an edit: an Undo stays valid
        self._changed()  # type: ignore[attr-defined]
