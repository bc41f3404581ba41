"""What the Responses API remembers: stored responses, prompt-cache prefixes, the corpus.

Stored responses keep the body ``GET`` returns, the conversation so far
(chat-shaped messages), which ``previous_response_id`` prepends, and the request's
input items (``GET .../input_items``). Prompt-cache
entries remember, per ``prompt_cache_key``, the messages of the last request,
so a repeated prefix is reported as ``cached_tokens``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from ._search_corpus import Corpus


@dataclass(frozen=True)
class StoredResponse:
    body: dict[str, Any]
    context: list[dict[str, Any]]  # input and output of the whole chain, as chat messages
    input_items: list[dict[str, Any]] = field(default_factory=list)  # this request's, with ids
    # The input_file parts of the whole chain: a chained follow-up can search them.
    files: list[dict[str, Any]] = field(default_factory=list)


class ResponsesStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._responses: dict[str, StoredResponse] = {}
        self._cache: dict[str, list[dict[str, Any]]] = {}
        self.corpus = Corpus()
        self.code_execution = True  # serve(code_execution="off") turns it off

    def put(self, response_id: str, stored: StoredResponse) -> None:
        with self._lock:
            self._responses[response_id] = stored

    def get(self, response_id: str) -> StoredResponse | None:
        with self._lock:
            return self._responses.get(response_id)

    def delete(self, response_id: str) -> bool:
        with self._lock:
            return self._responses.pop(response_id, None) is not None

    def cached_prefix(self, key: str | None, messages: list[dict[str, Any]]) -> int:
        """How many leading ``messages`` repeat the last request under ``key``; remembers these."""
        if key is None:
            return 0
        with self._lock:
            previous = self._cache.get(key, [])
            self._cache[key] = list(messages)
        n = 0
        for old, new in zip(previous, messages, strict=False):
            if old != new:
                break
            n += 1
        return n
