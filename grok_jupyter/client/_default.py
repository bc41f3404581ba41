"""The process-wide default clients behind ``get_client()`` / ``get_async_client()``.

Created on first use from the environment, so the magic, the panel and
``ChatGrok`` share one connection pool and one ledger without passing a
client around. A default built from the environment is rebuilt when
``XAI_API_KEY`` or ``XAI_BASE_URL`` has changed since: a user who fixes a
refused key with ``os.environ[...] = ...`` and runs the cell again sends the new
one, without a restart. ``set_client(None)`` drops the default; a client given
to ``set_client`` is kept whatever the environment says.
"""

from __future__ import annotations

import os
import threading

from ._client import AsyncGrokClient, GrokClient
from ._settings import ENV_API_KEY, ENV_BASE_URL

_lock = threading.Lock()
_client: GrokClient | None = None
_async_client: AsyncGrokClient | None = None
# The environment each default was built from; None: given to set_client, never rebuilt.
_client_env: tuple[str | None, str | None] | None = None
_async_env: tuple[str | None, str | None] | None = None


def _environment() -> tuple[str | None, str | None]:
    return os.environ.get(ENV_API_KEY), os.environ.get(ENV_BASE_URL)


def get_client() -> GrokClient:
    """The shared ``GrokClient``, built from the environment on first use and again
    whenever the key or base URL there has changed. The replaced one is not closed:
    code may still hold it."""
    global _client, _client_env
    env = _environment()
    client = _client
    if client is None or (_client_env is not None and _client_env != env):
        with _lock:
            if _client is None or (_client_env is not None and _client_env != env):
                _client, _client_env = GrokClient(), env
            client = _client
    return client


def built_from_environment() -> bool:
    """True unless the shared client was given to ``set_client`` (then it keeps its own
    key and base URL, whatever the environment says)."""
    return _client is None or _client_env is not None


def set_client(client: GrokClient | None) -> None:
    """Make ``client`` the shared default; None resets it to a lazily built one.

    The replaced client is not closed: code may still hold it.
    """
    global _client, _client_env
    if client is not None and not isinstance(client, GrokClient):
        raise TypeError(f"set_client expects a GrokClient or None, not {type(client).__name__}")
    with _lock:
        _client, _client_env = client, None


def get_async_client() -> AsyncGrokClient:
    """The shared ``AsyncGrokClient``, created from the environment on first use.

    It works from any event loop, one ``asyncio.run(...)`` after another or
    several threads' loops at once: each loop gets its own connection pool,
    closed when that loop shuts down.
    """
    global _async_client, _async_env
    env = _environment()
    client = _async_client
    if client is None or (_async_env is not None and _async_env != env):
        with _lock:
            if _async_client is None or (_async_env is not None and _async_env != env):
                _async_client, _async_env = AsyncGrokClient(), env
            client = _async_client
    return client


def set_async_client(client: AsyncGrokClient | None) -> None:
    """Make ``client`` the shared async default; None resets it."""
    global _async_client, _async_env
    if client is not None and not isinstance(client, AsyncGrokClient):
        raise TypeError(
            f"set_async_client expects an AsyncGrokClient or None, not {type(client).__name__}"
        )
    with _lock:
        _async_client, _async_env = client, None
