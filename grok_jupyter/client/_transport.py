"""The send loop of each client: one attempt after another, until an answer or a give-up.

``SyncTransport`` and ``AsyncTransport`` mirror each other line for line; the
policy (what is retried, how long to wait, the call's deadline) is in
``_retry.py`` and the reading of answers in ``_reading.py``. Each transport
owns its connection pool and builds it on first use, so a client can be made
(or unpickled) without opening anything; the async one keeps a pool per event
loop (``_loops.py``).

Locals here never hold the key in clear: headers are an ``httpx2.Headers``,
whose repr shows ``[secure]`` for ``Authorization``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ._errors import GrokError
from ._http import httpx
from ._loops import LoopPools
from ._observe import notify
from ._pace import AsyncPace, SyncPace, observe
from ._reading import answer, aread_body, body_error, is_event_stream, read_body
from ._retry import CallClock, backoff_delay, forget_locals, should_retry, transport_error

if TYPE_CHECKING:
    from ._base import BaseGrokClient

T = TypeVar("T")
logger = logging.getLogger("grok_jupyter.client")

_LIMITS = httpx.Limits(max_connections=128, max_keepalive_connections=64, keepalive_expiry=30.0)


class _TransportBase:
    _pace: Any = None  # AsyncPace / SyncPace when the client was made with pace_requests=True

    def __init__(self, client: BaseGrokClient, http_client: Any = None) -> None:
        self._client = client
        self._user_http = http_client  # given by the user: used as is, never closed

    def _next_delay(
        self, attempt: int, error: GrokError, retry: bool, clock: CallClock
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to give up with ``error``."""
        client = self._client
        if not retry or attempt >= client.settings.max_retries:
            return None
        delay = backoff_delay(
            attempt, error, base=client.retry_backoff, cap=client.retry_backoff_max
        )
        return delay if clock.may_wait(delay) else None

    def _log_retry(
        self, method: str, path: str, attempt: int, delay: float, error: GrokError
    ) -> None:
        logger.debug(
            "%s %s failed (%s: %s); retry %d/%d in %.3fs",
            method,
            path,
            type(error).__name__,
            error.message,
            attempt + 1,
            self._client.settings.max_retries,
            delay,
        )

    def _transport_error(
        self, exc: Exception, idempotent: bool, clock: CallClock
    ) -> tuple[GrokError, bool]:
        settings = self._client.settings
        return transport_error(
            exc,
            idempotent=idempotent,
            base_url=settings.base_url,
            api_key=settings.api_key,
            clock=clock,
        )

    def _new_pool(self, cls: Any) -> Any:
        return cls(timeout=self._client.settings.timeout, limits=_LIMITS)

    def _heard(self, response: httpx.Response, pacer: Any) -> None:
        """Every response's status and rate headers go to whoever paces by them."""
        logger.debug("%s -> %d", response.request.url.path, response.status_code)
        notify(response)  # the table map's limiter
        if pacer is not None:
            observe(pacer, response.status_code, response.headers)
        elif isinstance(self._pace, SyncPace):
            self._pace.observe(response.status_code, response.headers)


# One attempt's outcome: (True, value, None, False, None) with the answer (or an open
# stream), else (False, None, error, whether a retry is safe, the httpx exception).
Attempt = tuple[bool, Any, GrokError | None, bool, Exception | None]


def _answered(
    response: httpx.Response, parse: Callable[[httpx.Response], Any] | None, api_key: str | None
) -> Attempt:
    try:
        return True, answer(response, parse, api_key), None, False, None
    except GrokError as exc:
        return False, None, exc, should_retry(exc), None


class SyncTransport(_TransportBase):
    """Sends on one ``httpx2.Client``, built at the first request."""

    def __init__(self, client: BaseGrokClient, http_client: httpx.Client | None = None) -> None:
        super().__init__(client, http_client)
        self._pool: httpx.Client | None = None
        self._lock = threading.Lock()
        if client.settings.pace_requests:
            self._pace = SyncPace(client.settings)

    @property
    def http(self) -> httpx.Client:
        if self._user_http is not None:
            return self._user_http
        pool = self._pool
        if pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = self._new_pool(httpx.Client)
                pool = self._pool
        return pool

    def send(
        self,
        method: str,
        path: str,
        parse: Callable[[httpx.Response], T] | None,
        *,
        content: bytes | None,
        headers: httpx.Headers,
        idempotent: bool,
        clock: CallClock,
    ) -> Any:
        """With ``parse``: the parsed 2xx answer. Without: the open 2xx response of
        a stream, headers checked, body unread."""
        settings = self._client.settings
        url = settings.base_url + path
        attempt = 0
        while True:
            if clock.expired():
                raise clock.exceeded(f"{method} {path}")
            http = self.http
            timeout = clock.timeout(settings.timeout)
            request = http.build_request(
                method, url, content=content, headers=headers, timeout=timeout
            )
            logger.debug("%s %s (attempt %d)", method, path, attempt + 1)
            pace = self._pace
            if pace is not None:
                pace.start()  # the account's next start time (pace_requests=True)
            try:
                done, value, error, retry, cause = self._attempt(
                    http, request, parse, idempotent, clock
                )
            finally:
                if pace is not None:
                    pace.end()  # a stream has begun by now: only its start is paced
            if done:
                return value
            delay = self._next_delay(attempt, error, retry, clock)
            if delay is None:
                forget_locals(cause)
                raise error from cause
            self._log_retry(method, path, attempt, delay, error)
            time.sleep(delay)
            clock.waited += delay
            attempt += 1

    def _attempt(
        self,
        http: httpx.Client,
        request: httpx.Request,
        parse: Callable[[httpx.Response], Any] | None,
        idempotent: bool,
        clock: CallClock,
    ) -> Attempt:
        """One send and its reading (see ``Attempt``)."""
        api_key = self._client.settings.api_key
        try:
            # Always streamed: the status arrives first, so a break in the body is
            # told apart from a server that never answered (and is not retried).
            response = http.send(request, stream=True)
        except httpx.RequestError as exc:  # DecodingError is no TransportError
            return (False, None, *self._transport_error(exc, idempotent, clock), exc)
        self._heard(response, None)
        if response.status_code < 400 and parse is None and is_event_stream(response):
            return True, response, None, False, None
        try:
            read_body(response, clock)
        except (httpx.RequestError, httpx.StreamError) as exc:
            response.close()
            return (False, None, *body_error(response, exc, api_key=api_key, clock=clock), exc)
        return _answered(response, parse, api_key)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
        if self._pace is not None:
            self._pace.close()


class AsyncTransport(_TransportBase):
    """Sends on the ``httpx2.AsyncClient`` of the running event loop."""

    def __init__(
        self, client: BaseGrokClient, http_client: httpx.AsyncClient | None = None
    ) -> None:
        super().__init__(client, http_client)
        self._pools = LoopPools(lambda: self._new_pool(httpx.AsyncClient))
        if client.settings.pace_requests:
            self._pace = AsyncPace(client.settings)

    @property
    def http(self) -> httpx.AsyncClient | None:
        """The pool of the running loop (else the newest); None before the first request."""
        if self._user_http is not None:
            return self._user_http
        return self._pools.peek()

    async def _http(self) -> httpx.AsyncClient:
        if self._user_http is not None:
            return self._user_http
        return await self._pools.get()

    async def send(
        self,
        method: str,
        path: str,
        parse: Callable[[httpx.Response], T] | None,
        *,
        content: bytes | None,
        headers: httpx.Headers,
        idempotent: bool,
        clock: CallClock,
    ) -> Any:
        import asyncio

        settings = self._client.settings
        url = settings.base_url + path
        attempt = 0
        while True:
            if clock.expired():
                raise clock.exceeded(f"{method} {path}")
            http = await self._http()
            timeout = clock.timeout(settings.timeout)
            request = http.build_request(
                method, url, content=content, headers=headers, timeout=timeout
            )
            logger.debug("%s %s (attempt %d)", method, path, attempt + 1)
            pacer = await self._pace.start() if self._pace is not None else None
            try:
                done, value, error, retry, cause = await self._attempt(
                    http, request, parse, idempotent, clock, pacer
                )
            finally:
                if pacer is not None:
                    pacer.release()  # a stream has begun by now: only its start is paced
            if done:
                return value
            delay = self._next_delay(attempt, error, retry, clock)
            if delay is None:
                forget_locals(cause)
                raise error from cause
            self._log_retry(method, path, attempt, delay, error)
            await asyncio.sleep(delay)
            clock.waited += delay
            attempt += 1

    async def _attempt(
        self,
        http: httpx.AsyncClient,
        request: httpx.Request,
        parse: Callable[[httpx.Response], Any] | None,
        idempotent: bool,
        clock: CallClock,
        pacer: Any,
    ) -> Attempt:
        api_key = self._client.settings.api_key
        try:
            response = await http.send(request, stream=True)
        except httpx.RequestError as exc:  # DecodingError is no TransportError
            return (False, None, *self._transport_error(exc, idempotent, clock), exc)
        self._heard(response, pacer)
        if response.status_code < 400 and parse is None and is_event_stream(response):
            return True, response, None, False, None
        try:
            await aread_body(response, clock)
        except (httpx.RequestError, httpx.StreamError) as exc:
            await response.aclose()
            return (False, None, *body_error(response, exc, api_key=api_key, clock=clock), exc)
        return _answered(response, parse, api_key)

    @property
    def pool_count(self) -> int:
        """How many event loops have a pool open (for tests and diagnostics)."""
        return len(self._pools)

    async def aclose(self) -> None:
        await self._pools.aclose()

