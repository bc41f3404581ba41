"""The clients a table map sends with: the caller's (checked), the map's own async twin,
and the private copies a Dask partition or a Ray batch makes on its worker.

The twin (``map_client``) has the caller's settings, key and catalogue, a
connection pool as large as the map's ``concurrency``, and a ``TapLedger``:
every record still lands in the caller's ledger, and the record of the request
a map task is waiting on is handed to that task (``RequestSlot``), so the map
can store it with the answer (a retried Dask task re-delivers it, and the
driver's ledger merges it once) or, for a request stopped in flight whose spend
was already booked as an estimate, keep it out of the ledger.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import pickle
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from ..client._http import httpx
from ..client._pace import account_name  # one name per account: a paced client shares it
from ..client._usage import UsageLedger, UsageRecord, UsageSummary
from .errors import MapInputError
from .retry import RetryPolicy


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


@dataclass
class RequestSlot:
    """One map request: the ledger record the client made for it, once answered."""

    record: UsageRecord | None = None
    detached: bool = False  # stopped in flight, its spend booked as an estimate already
    on_sent: Callable[[], None] | None = None  # told once the body went out whole


SHARD = 32  # connections a pool of the map's own holds alive (``ShardedTransport``)
CURRENT_REQUEST: ContextVar[RequestSlot | None] = ContextVar("grok_map_request", default=None)


class TapLedger(UsageLedger):
    """A ledger that forwards to ``target`` and hands each map request its own record."""

    def __init__(self, target: UsageLedger) -> None:
        super().__init__()
        self.target = target

    def record(self, record: UsageRecord | None = None, /, **fields: Any) -> UsageRecord:
        if record is None:
            record = UsageRecord(**fields)
        slot = CURRENT_REQUEST.get()
        if slot is not None:
            slot.record = record
            if slot.detached:
                return record  # its estimate is in the ledger already: not twice
        return self.target.record(record)

    def merge(self, records: Iterable[UsageRecord | Mapping[str, Any]]) -> int:
        return self.target.merge(records)

    @property
    def records(self) -> list[UsageRecord]:
        return self.target.records

    def summary(self) -> dict[str, UsageSummary]:
        return self.target.summary()

    def total(self) -> UsageSummary:
        return self.target.total()

    def clear(self) -> None:
        self.target.clear()

    def __len__(self) -> int:
        return len(self.target)

    def __repr__(self) -> str:
        return f"TapLedger({self.target!r})"


@dataclass
class MapClient:
    """The map's async twin and what it owns (its pool, closed at the end of the map)."""

    client: Any  # an AsyncGrokClient whose ledger is a TapLedger
    account: str  # names the account's pace: base URL and a hash of the key, never the key
    retry: RetryPolicy  # the caller's client's retry settings, applied by the map
    owned_http: Any = None  # a pool of the map's own, which also reports each body sent

    @property
    def watches_sends(self) -> bool:
        return self.owned_http is not None

    async def aclose(self) -> None:
        if self.owned_http is not None:
            http, self.owned_http = self.owned_http, None
            await http.aclose()


async def _watch_send(request: Any) -> None:
    """httpx request hook: tell the map's request when its body has gone out whole (the
    transport's ``trace`` extension), so a process killed after that point is known to
    have paid for it, and one killed before is known not to have."""
    slot = CURRENT_REQUEST.get()
    if slot is None or slot.on_sent is None:
        return
    told = slot.on_sent

    async def trace(event: str, info: Any) -> None:
        if event.endswith("send_request_body.complete"):
            told()

    request.extensions["trace"] = trace


class ShardedTransport(httpx.AsyncBaseTransport):
    """Connection pools of at most ``SHARD`` connections each, taken in turn.

    A connection pool looks at every connection it holds for each request it sends
    and each it finishes, so one pool of hundreds (rate x answer time: 100 a second
    with 5 s answers is 500 in flight) spends milliseconds of CPU a request there,
    which a busy map cannot spare. Small pools taken in turn cost the same whatever
    the number in flight, and each still keeps its connections alive.
    """

    def __init__(self, max_connections: int) -> None:
        shards = max(1, -(-max_connections // SHARD))
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=SHARD)
        tls = httpx.create_ssl_context()  # one for all: loading the CA store takes a while
        self._pools = [httpx.AsyncHTTPTransport(verify=tls, limits=limits) for _ in range(shards)]
        self._next = itertools.cycle(self._pools)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await next(self._next).handle_async_request(request)

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()


def map_client(client: Any, max_in_flight: int, *, single_attempt: bool = False) -> MapClient:
    """The twin a map sends with, from a GrokClient, an AsyncGrokClient or the shared default.

    Same settings, key, catalogue and (through the tap) ledger as ``client``; a pool of
    ``max_in_flight`` connections of its own unless ``client`` was given an
    ``http_client``, which is used as it is. ``single_attempt``: the twin sends each
    request once and the map retries, paced (``retry``); the live map's choice.
    """
    from ..client import AsyncGrokClient

    base = driver_client(client)
    user_http = getattr(base._transport, "_user_http", None)
    owned = None
    if user_http is None or not isinstance(user_http, httpx.AsyncClient):
        pools: dict[str, Any] = {"transport": ShardedTransport(max_in_flight + 8)}
        if urllib.request.getproxies():  # httpx routes through the environment's proxy
            limits = httpx.Limits(max_connections=max_in_flight + 8,
                                  max_keepalive_connections=max_in_flight)  # fmt: skip
            pools = {"limits": limits}  # only when it makes the pool itself
        owned = user_http = httpx.AsyncClient(
            timeout=base.settings.timeout, event_hooks={"request": [_watch_send]}, **pools
        )
    # The map paces its own requests: its twin does not take a second start time.
    settings = dataclasses.replace(base.settings, pace_requests=False)
    if single_attempt:
        settings = dataclasses.replace(settings, max_retries=0)
    twin = AsyncGrokClient.__new__(AsyncGrokClient)
    twin._configure(
        settings,
        explicit_key=base._explicit_key,
        catalog=base._catalog,
        ledger=TapLedger(base.ledger),
        http_client=user_http,
        default_headers=dict(base._default_headers),
        retry_backoff=base.retry_backoff,
        retry_backoff_max=base.retry_backoff_max,
        validate=base.validate,
    )
    retry = RetryPolicy(base.settings.max_retries, base.retry_backoff, base.retry_backoff_max)
    return MapClient(twin, account_name(base.settings), retry, owned)
