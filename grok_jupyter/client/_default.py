"""The process-wide default clients behind ``get_client()`` / ``get_async_client()``.

Created on first use from the environment, so the magic, the panel and
``ChatGrok`` share one connection pool and one ledger without passing a
client around. ``set_client(None)`` drops the default; the next
``get_client()`` builds a fresh one (after ``XAI_BASE_URL`` changed, say).
"""

from __future__ import annotations

import threading

from ._client import AsyncGrokClient, GrokClient

_lock = threading.Lock()
_client: GrokClient | None = None
_async_client: AsyncGrokClient | None = None


def get_client() -> GrokClient:
    """The shared ``GrokClient``, created from the environment on first use."""
    global _client
    client = _client
    if client is None:
        with _lock:
            if _client is None:
                _client = GrokClient()
            client = _client
    return client


def set_client(client: GrokClient | None) -> None:
    """Make ``client`` the shared default; None resets it to a lazily built one.

    The replaced client is not closed: code may still hold it.
    """
    global _client
    if client is not None and not isinstance(client, GrokClient):
        raise TypeError(f"set_client expects a GrokClient or None, not {type(client).__name__}")
    with _lock:
        _client = client


def get_async_client() -> AsyncGrokClient:
    """The shared ``AsyncGrokClient``, created from the environment on first use.

    It works from any event loop, one ``asyncio.run(...)`` after another or
    several threads' loops at once: each loop gets its own connection pool,
    closed when that loop shuts down.
    """
    global _async_client
    client = _async_client
    if client is None:
        with _lock:
            if _async_client is None:
                _async_client = AsyncGrokClient()
            client = _async_client
    return client


def set_async_client(client: AsyncGrokClient | None) -> None:
    """Make ``client`` the shared async default; None resets it."""
    global _async_client
    if client is not None and not isinstance(client, AsyncGrokClient):
        raise TypeError(
            f"set_async_client expects an AsyncGrokClient or None, not {type(client).__name__}"
        )
    with _lock:
        _async_client = client
