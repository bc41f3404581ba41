"""The clients a table map sends with: the caller's (checked), its async twin, and the
private copies a Dask partition or a Ray batch makes on its worker."""

from __future__ import annotations

import asyncio
import pickle
from typing import Any

from .errors import MapInputError


def driver_client(client: Any) -> Any:
    """``client`` once checked to be a GrokClient or AsyncGrokClient, or the shared default."""
    from ..client import AsyncGrokClient, GrokClient, get_async_client

    if client is None:
        return get_async_client()
    if isinstance(client, (GrokClient, AsyncGrokClient)):
        return client
    raise MapInputError(
        f"client must be an AsyncGrokClient or a GrokClient, not {type(client).__name__}."
    )


def worker_copy(client: Any, ledger: Any) -> Any:
    """A private copy of ``client`` recording into ``ledger``, for one partition or batch.

    Pickling carries the settings (the key only if explicit), never a connection, so
    each copy has its own pool even when two run in one worker process at once.
    """
    copy = pickle.loads(pickle.dumps(client))
    copy.ledger = ledger
    return copy


def close_client(client: Any) -> None:
    """Close a GrokClient or, on a fresh event loop, an AsyncGrokClient."""
    from ..client import AsyncGrokClient

    if isinstance(client, AsyncGrokClient):
        asyncio.run(client.aclose())
    else:
        client.close()


def async_client_for(client: Any) -> Any:
    """An AsyncGrokClient for ``client``: itself, a twin of a GrokClient (same settings,
    key, ledger and catalogue), or the shared default."""
    from ..client import AsyncGrokClient, GrokClient

    client = driver_client(client)
    if isinstance(client, GrokClient):
        twin = AsyncGrokClient.__new__(AsyncGrokClient)
        twin._configure(
            client.settings,
            explicit_key=client._explicit_key,
            catalog=client._catalog,
            ledger=client.ledger,
            http_client=None,
            default_headers=dict(client._default_headers),
            retry_backoff=client.retry_backoff,
            retry_backoff_max=client.retry_backoff_max,
            validate=client.validate,
        )
        return twin
    return client
