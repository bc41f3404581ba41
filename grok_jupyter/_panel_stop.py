"""Make a stream closed by Stop *end as stopped* for ``run_turn``.

``ChatStream`` ends quietly when it is closed on purpose, and ``run_turn``
checks its cancel event only when a chunk arrives; so a stream closed by
``StopSignal.stop()`` between chunks used to look finished, and the partial
answer was committed without its "[interrupted]" mark. This client wrapper
raises ``StreamInterruptedError`` at the end of such a stream, which
``run_turn`` already treats as a stop when its cancel event is set. It is a
no-op for streams that end by themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from .client._errors import StreamInterruptedError


class StopAwareClient:
    """A ``GrokClient`` whose streams raise at their end if ``stop`` was set."""

    def __init__(self, client: Any, stop: threading.Event) -> None:
        self._client = client
        self._stop = stop

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def stream(self, *args: Any, **kwargs: Any) -> _StopAwareStream:
        return _StopAwareStream(self._client.stream(*args, **kwargs), self._stop)


class _StopAwareStream:
    def __init__(self, stream: Any, stop: threading.Event) -> None:
        self._stream = stream
        self._stop = stop

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def __enter__(self) -> _StopAwareStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stream.close()

    def close(self) -> None:
        self._stream.close()

    def __iter__(self) -> Iterator[Any]:
        yield from self._stream
        if self._stop.is_set():
            raise StreamInterruptedError("stopped", partial=self._stream.accumulator)
