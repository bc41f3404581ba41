"""Which files one ChatGrok has already sent inline, so a file sent again is uploaded.

Kept apart from ``_file_blocks`` so that building a ChatGrok imports no client code.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class InlineMemory:
    """The files one ChatGrok has sent inline (SHA-256 digests, the newest ``LIMIT``).

    A file sent again is worth uploading once: a conversation resends its whole
    history every turn. Copies and unpickled models start empty.
    """

    LIMIT = 4096

    def __init__(self) -> None:
        self._sent: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[type, tuple[()]]:
        return (InlineMemory, ())

    def __deepcopy__(self, memo: dict[int, Any]) -> InlineMemory:
        return InlineMemory()

    def first_time(self, digest: str) -> bool:
        """True the first time ``digest`` is offered (and remembers it)."""
        with self._lock:
            if digest in self._sent:
                self._sent.move_to_end(digest)
                return False
            self._sent[digest] = None
            if len(self._sent) > self.LIMIT:
                self._sent.popitem(last=False)
            return True
