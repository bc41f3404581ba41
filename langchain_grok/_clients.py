"""The clients one ChatGrok sends through, and the ones it must close.

Three cases:
- ``client=`` given: that client, and for the other half (sync/async) a twin
  with its settings, made here;
- ``api_key``, ``base_url``, ``timeout``, ``max_retries`` or ``pace_requests``
  set: clients of its own with those settings;
- otherwise the process-wide ``get_client()`` / ``get_async_client()``, looked
  up at every call so a later ``set_client()`` takes effect.

Only the clients made here are ChatGrok's to close. One ``AsyncGrokClient``
serves every event loop: it keeps one pool per running loop and closes each
pool when its loop shuts down, so ``asyncio.run(llm.ainvoke(...))`` in a loop
neither fails nor gathers sockets.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grok_jupyter.client import AsyncGrokClient, GrokClient

Settings = Callable[[], "dict[str, Any] | None"]


class OwnClients:
    """The clients a ChatGrok made; none is built before its first call."""

    def __init__(self) -> None:
        self.sync: GrokClient | None = None
        self.async_: AsyncGrokClient | None = None
        self._lock = threading.Lock()  # batch() calls from several threads at once

    def __reduce__(self) -> tuple[type, tuple[()]]:
        # Pickled or copied, a ChatGrok takes its settings, never its connections:
        # the copy builds its own clients on first use (Dask, Ray, deepcopy).
        return (OwnClients, ())

    def __deepcopy__(self, memo: dict[int, Any]) -> OwnClients:
        return OwnClients()

    def get_sync(self, given: Any, settings: Settings) -> GrokClient:
        from grok_jupyter.client import AsyncGrokClient, GrokClient, get_client

        if isinstance(given, GrokClient):
            return given
        if self.sync is not None:
            return self.sync
        kwargs = settings_of(given) if isinstance(given, AsyncGrokClient) else settings()
        if kwargs is None:
            return get_client()
        with self._lock:
            if self.sync is None:
                self.sync = GrokClient(**kwargs)
            return self.sync

    def get_async(self, given: Any, settings: Settings) -> AsyncGrokClient:
        from grok_jupyter.client import AsyncGrokClient, GrokClient, get_async_client

        if isinstance(given, AsyncGrokClient):
            return given
        if self.async_ is not None:
            return self.async_
        kwargs = settings_of(given) if isinstance(given, GrokClient) else settings()
        if kwargs is None:
            return get_async_client()
        with self._lock:
            if self.async_ is None:
                self.async_ = AsyncGrokClient(**kwargs)
            return self.async_

    def _take(self) -> tuple[GrokClient | None, AsyncGrokClient | None]:
        with self._lock:
            taken = (self.sync, self.async_)
            self.sync = self.async_ = None
        return taken

    def close(self) -> None:
        """Close what was made here; a later call makes new clients."""
        sync, async_ = self._take()
        if sync is not None:
            sync.close()
        if async_ is not None:
            _close_from_sync_code(async_)

    async def aclose(self) -> None:
        sync, async_ = self._take()
        if sync is not None:
            sync.close()
        if async_ is not None:
            await async_.aclose()


def _close_from_sync_code(client: AsyncGrokClient) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(client.aclose())
        return
    # A sync close() inside a running loop cannot await here: close on a helper
    # thread's loop (the client hands this loop's pool back to this loop).
    worker = threading.Thread(target=asyncio.run, args=(client.aclose(),))
    worker.start()
    worker.join()


def settings_of(client: Any) -> dict[str, Any]:
    """Constructor arguments that make a twin of ``client`` (same ledger and catalogue)."""
    s = client.settings
    return {
        "api_key": s.api_key,
        "base_url": s.base_url,
        "timeout": s.timeout,
        "max_retries": s.max_retries,
        "max_retry_wait": s.max_retry_wait,
        "deadline": s.deadline,
        "allow_insecure_http": s.allow_insecure_http,
        "pace_requests": s.pace_requests,
        "retry_backoff": client.retry_backoff,
        "retry_backoff_max": client.retry_backoff_max,
        "validate": client.validate,
        "ledger": client.ledger,
        "catalog": client.catalog,
    }
