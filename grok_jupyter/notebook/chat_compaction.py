"""A conversation's compactions: where its history was compacted, and the one in use.

``POST /v1/responses/compact`` turns the messages before a point into a few opaque
items; a turn then sends those items in place of the messages (``turn/compaction.py``
decides when, ``turn/responses_rounds.py`` sends them). The messages themselves stay in
the conversation for display and export, so a change here is saved but not announced to
subscribers (a panel mid-turn would take it for its turn's commit). ``CompactionState``
is the part of ``Conversation`` (``chat_history.py``) that keeps the records; an edit
that removes a compacted message drops the records covering it (``Conversation._edited``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass
class CompactionRecord:
    """A compaction of the conversation's messages before ``upto`` (``POST
    /v1/responses/compact``): where it happened, what it shrank, and, while it is the one
    in use, its output ``items`` (sent back unchanged in place of those messages)."""

    upto: int  # messages[:upto] are compacted; messages[upto:] are sent as they are
    tokens_before: int  # the history's prompt tokens it replaced
    tokens_after: int  # what the compacted history counts as
    model: str  # the model it was made for (another model refuses it)
    created: str  # ISO 8601, UTC
    items: list[dict[str, Any]] | None = None  # None: superseded, or set aside (``dropped``)
    cost_usd: float = 0.0  # what the compaction request cost
    automatic: bool = True  # made before a turn that would cross the threshold
    dropped: str | None = None  # why it is no longer used (another model, refused)

    @property
    def active(self) -> bool:
        return self.items is not None


class CompactionState:
    """Mixin of ``Conversation``: its compaction records, oldest first."""

    _lock: Any  # the conversation's RLock
    _compactions: list[CompactionRecord]
    _version: int
    response_id: str | None
    response_turns: int

    def __len__(self) -> int:  # pragma: no cover - Conversation's
        raise NotImplementedError

    def _save(self) -> None:  # pragma: no cover - Conversation's
        raise NotImplementedError

    @property
    def compactions(self) -> list[CompactionRecord]:
        """Every compaction still matching the history, oldest first (copies)."""
        with self._lock:
            return [replace(c, items=list(c.items) if c.items else c.items)
                    for c in self._compactions]

    @property
    def compaction(self) -> CompactionRecord | None:
        """The compaction in use (its items stand in for ``messages[:upto]``), or None."""
        with self._lock:
            last = self._compactions[-1] if self._compactions else None
            return replace(last) if last is not None and last.active else None

    def add_compaction(self, record: CompactionRecord) -> None:
        """Use ``record`` from the next request on (it supersedes the one in use); the
        stored Responses chain holds the uncompacted history, so it is not chained on."""
        if not 0 < record.upto <= len(self) or record.items is None:
            raise ValueError("a compaction needs items and 0 < upto <= len(conversation)")
        with self._lock:
            for earlier in self._compactions:
                earlier.items = None  # the new one carries it
            self._compactions.append(record)
            self.response_id = None
            self.response_turns = 0
            self._version += 1
        self._save()  # saved, not announced: the messages shown did not change

    def drop_compaction(self, reason: str) -> CompactionRecord | None:
        """Stop using the compaction in use (the full history is sent again); the record
        stays, marked ``dropped``, for the history. Returns it (None if there was none)."""
        with self._lock:
            last = self._compactions[-1] if self._compactions else None
            if last is None or not last.active:
                return None
            last.items = None
            last.dropped = reason
            self._version += 1
            dropped = replace(last)
        self._save()  # saved, not announced: the messages shown did not change
        return dropped
